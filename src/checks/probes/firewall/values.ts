import { parseAddrRange } from '../../../net/addr.js';
import type { Facts, Pkt, Tri } from './eval.js';
import { own } from './lex.js';

// ---------------------------------------------------------------------------------------------
// Values shared by nft and iptables matches


const SERVICES: Readonly<Record<string, number>> = {
  'ftp-data': 20, ftp: 21, ssh: 22, telnet: 23, smtp: 25, domain: 53, bootps: 67, bootpc: 68, tftp: 69, http: 80, www: 80,
  kerberos: 88, pop3: 110, sunrpc: 111, ntp: 123, 'netbios-ns': 137, 'netbios-dgm': 138, 'netbios-ssn': 139, imap: 143, imap2: 143,
  snmp: 161, ldap: 389, https: 443, 'microsoft-ds': 445, submissions: 465, syslog: 514, 'dhcpv6-client': 546, 'dhcpv6-server': 547,
  submission: 587, ldaps: 636, 'domain-s': 853, rsync: 873, imaps: 993, pop3s: 995, nfs: 2049, mysql: 3306, postgresql: 5432,
  mdns: 5353, 'http-alt': 8080, webcache: 8080, 'xmpp-client': 5222, 'iscsi-target': 3260, 'ms-wbt-server': 3389, vnc: 5900,
};

const PROTOCOLS: Readonly<Record<string, number>> = {
  all: 0, icmp: 1, igmp: 2, ipencap: 4, ipip: 4, tcp: 6, egp: 8, udp: 17, dccp: 33, ipv6: 41, gre: 47, esp: 50, ah: 51,
  'ipv6-icmp': 58, icmpv6: 58, 'ipv6-nonxt': 59, ospf: 89, pim: 103, comp: 108, vrrp: 112, l2tp: 115, sctp: 132, udplite: 136, mpls: 137,
};

export function portRange(s: string, sep: '-' | ':'): [number, number] | null {
  const num = (x: string, dflt: number): number | null => {
    if (x === '') return dflt;
    if (/^\d+$/.test(x)) return Number(x);
    return own(SERVICES, x) ?? null;
  };
  const i = s.indexOf(sep);
  const lo = num(i < 0 ? s : s.slice(0, i), 0);
  const hi = i < 0 ? lo : num(s.slice(i + 1), 65535);
  return lo === null || hi === null ? null : [lo, hi];
}

export const EPHEMERAL: [number, number] = [1024, 65535];

export function portTri(kind: 'dport' | 'sport', p: Pkt, r: [number, number] | null): Tri {
  if (!r) return 'U';
  if (kind === 'dport') return p.dport >= r[0] && p.dport <= r[1] ? 'T' : 'F';
  if (r[0] <= EPHEMERAL[0] && r[1] >= EPHEMERAL[1]) return 'T';
  return r[1] < EPHEMERAL[0] || r[0] > EPHEMERAL[1] ? 'F' : 'U';
}

/** Where a remote peer's unicast TCP can never be addressed: loopback, 0/8, multicast, reserved and broadcast. */
const IMPOSSIBLE_DST: Readonly<Record<4 | 6, readonly string[]>> = {
  4: ['0.0.0.0/8', '127.0.0.0/8', '224.0.0.0/4', '240.0.0.0/4'],
  6: ['::/128', '::1/128', 'ff00::/8'],
};

/**
 * An address element against the packet's address; `v` null means the destination is not in the
 * query: still decided when the element lies where a remote peer's TCP cannot go, or covers all.
 */
export function addrTri(fam: 4 | 6, v: bigint | null, s: string, remote = true): Tri {
  const r = parseAddrRange(s);
  if (!r) return 'U';
  if (r.v !== fam) return 'F';
  if (v !== null) return v >= r.lo && v <= r.hi ? 'T' : 'F';
  const top = (1n << (fam === 4 ? 32n : 128n)) - 1n;
  if (r.lo === 0n && r.hi === top) return 'T';
  const inside = IMPOSSIBLE_DST[fam].some((x) => {
    const b = parseAddrRange(x) as { lo: bigint; hi: bigint };
    return r.lo >= b.lo && r.hi <= b.hi;
  });
  return remote && inside ? 'F' : 'U';
}

export function l4Tri(s: string): Tri {
  const n = /^\d+$/.test(s) ? Number(s) : own(PROTOCOLS, s.toLowerCase());
  if (n === undefined) return 'U';
  return n === 6 || n === 0 ? 'T' : 'F';
}

export const not = (t: Tri): Tri => (t === 'T' ? 'F' : t === 'F' ? 'T' : 'U');
export const anyOf = (ts: readonly Tri[]): Tri => (ts.includes('T') ? 'T' : ts.every((t) => t === 'F') ? 'F' : 'U');
export const allOf = (ts: readonly Tri[]): Tri => (ts.includes('F') ? 'F' : ts.every((t) => t === 'T') ? 'T' : 'U');

/** Interface name pattern: nft `"eth*"`, iptables `eth+`. */
export function ifaceTri(pattern: string, wildcard: boolean, f: Facts): Tri {
  if (f.iifIs !== null) return (wildcard ? f.iifIs.startsWith(pattern) : f.iifIs === pattern) ? 'T' : 'F';
  if (!wildcard && f.iifNot.includes(pattern)) return 'F';
  return 'U';
}

/** Learns the input interface from an assumed `iif in names` (negated: `iif not in names`). */
export function ifaceLearn(names: readonly string[] | null, negated: boolean) {
  return (f: Facts, holds: boolean): Facts => {
    if (!names || f.iifIs !== null) return f;
    const inSet = holds !== negated;
    if (inSet) return names.length === 1 ? { ...f, iifIs: names[0] as string } : f;
    return { ...f, iifNot: [...new Set([...f.iifNot, ...names])] };
  };
}

const TCP_FLAGS: Readonly<Record<string, number>> = { fin: 1, syn: 2, rst: 4, psh: 8, ack: 16, urg: 32, ecn: 64, ece: 64, cwr: 128, all: 255, none: 0 };
/** A SYN opening a connection: SYN alone, or with ECE|CWR when the peer asks for ECN. */
const SYN_FLAGS = [2, 2 | 64 | 128] as const;

export function flagBits(words: readonly string[]): number | null {
  let n = 0;
  for (const w of words) {
    const lw = w.toLowerCase();
    if (/^(0x[0-9a-f]+|\d+)$/.test(lw)) n |= Number(lw);
    else {
      const bit = own(TCP_FLAGS, lw);
      if (bit === undefined) return null;
      n |= bit;
    }
  }
  return n;
}

/** Evaluates `fn` for every possible SYN; definite only if all agree. */
export function overSyn(fn: (flags: number) => boolean): Tri {
  const r = SYN_FLAGS.map(fn);
  return r.every(Boolean) ? 'T' : r.some(Boolean) ? 'U' : 'F';
}
