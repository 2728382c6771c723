import type { Facts, Pkt, Tri } from '../eval.js';
import { unquote } from '../lex.js';
import { addrTri, anyOf, flagBits, ifaceTri, l4Tri, not, overSyn, portRange, portTri } from '../values.js';

// ---------------------------------------------------------------------------------------------
// nft: the words of rule expressions, selectors and how an element part matches the packet


const VERDICT_WORDS = new Set(['accept', 'drop', 'reject', 'return', 'continue', 'jump', 'goto', 'queue']);
const STATEMENT_WORDS = new Set([
  'counter', 'log', 'limit', 'quota', 'comment', 'notrack', 'dnat', 'snat', 'masquerade', 'redirect', 'tproxy', 'dup', 'fwd',
  'synproxy', 'flow', 'add', 'update', 'delete', 'xt', 'last', 'secmark',
]);
export const RESERVED = new Set([...VERDICT_WORDS, ...STATEMENT_WORDS]);
export const HEADER_PROTOS = new Set([
  'ip', 'ip6', 'tcp', 'udp', 'udplite', 'sctp', 'dccp', 'th', 'icmp', 'icmpv6', 'igmp', 'esp', 'ah', 'comp', 'ether', 'vlan', 'arp',
  'gre', 'geneve', 'vxlan', 'gretap', 'hbh', 'frag', 'dst', 'mh', 'srh', 'rt0', 'rt2', 'rt4',
]);
/** Header protocols a TCP packet never carries (their implicit dependency fails). */
export const OTHER_L4 = new Set(['udp', 'udplite', 'sctp', 'dccp', 'icmp', 'icmpv6', 'igmp', 'esp', 'ah', 'comp', 'gre', 'geneve', 'vxlan', 'gretap', 'arp']);
export const META_KEYS = new Set([
  'iifname', 'oifname', 'iif', 'oif', 'iiftype', 'oiftype', 'iifkind', 'oifkind', 'mark', 'skuid', 'skgid', 'pkttype', 'cpu', 'iifgroup', 'oifgroup',
  'cgroup', 'rtclassid', 'nftrace', 'ibrname', 'obrname', 'ibriport', 'obriport', 'sdif', 'sdifname', 'time', 'day', 'hour', 'secmark', 'random', 'ipsec', 'secpath',
]);
export const REL_OPS = new Set(['==', '!=', '<', '>', '<=', '>=', 'eq', 'ne', 'lt', 'gt', 'le', 'ge']);
export const BIN_OPS = new Set(['.', ',', '/', '&', '|', '^', '<<', '>>']);
/** `... set <value>` statements that cannot change admission (marks are never modelled as known). */
export const HARMLESS_SET = new Set([
  'meta mark', 'mark', 'ct mark', 'meta nftrace', 'nftrace', 'ct helper', 'meta priority', 'priority', 'ct label', 'meta secmark', 'ct secmark',
  'ct event', 'ct expectation',
]);
const ELEMENT_ANNOTATIONS = new Set(['timeout', 'expires', 'counter', 'comment']);

export type SelKind = 'saddr' | 'daddr' | 'dport' | 'sport' | 'l4proto' | 'nfproto' | 'ethproto' | 'version' | 'ctstate' | 'ctstatus' | 'ctdir' | 'pkttype' | 'iif' | 'tcpflags' | 'other';

export interface Sel {
  readonly text: string;
  readonly kind: SelKind;
  /** The protocol dependency nft adds implicitly (`ip saddr` needs IPv4, `udp dport` needs UDP). */
  readonly dep: (p: Pkt) => boolean;
}


export function isWildcard(s: string): boolean {
  const u = s.startsWith('"') ? s.slice(1, -1) : s;
  return u.endsWith('*') && !u.endsWith('\\*');
}

/** Element tokens → concatenated parts, annotations (timeout, counter, comment) dropped. */
export function splitElement(toks: string[]): string[][] {
  const cut = toks.findIndex((t) => ELEMENT_ANNOTATIONS.has(t));
  const use = cut < 0 ? toks : toks.slice(0, cut);
  const parts: string[][] = [[]];
  for (const t of use) {
    if (t === '.') parts.push([]);
    else (parts[parts.length - 1] as string[]).push(t);
  }
  return parts;
}

/** One selector against one element part (a single token in practice). */
export function partTri(kind: SelKind, part: readonly string[], p: Pkt, f: Facts): Tri {
  if (part.length !== 1) {
    // ct state new,established inside a concatenation or flag lists: treat `|`/`,` joined words as alternatives.
    if (kind === 'ctstate' || kind === 'ctstatus') return anyOf(part.filter((w) => w !== '|' && w !== ',').map((w) => partTri(kind, [w], p, f)));
    return 'U';
  }
  const v = part[0] as string;
  switch (kind) {
    case 'saddr':
      return addrTri(p.fam, p.src, v);
    case 'daddr':
      return addrTri(p.fam, p.dst, v, p.remote);
    case 'dport':
    case 'sport':
      return portTri(kind, p, portRange(v, '-'));
    case 'l4proto':
      return l4Tri(v);
    case 'nfproto':
      return v === 'ipv4' ? (p.fam === 4 ? 'T' : 'F') : v === 'ipv6' ? (p.fam === 6 ? 'T' : 'F') : 'U';
    case 'ethproto': {
      const ip = v === 'ip' || v === '0x0800' || v === '0x800';
      const ip6 = v === 'ip6' || v === '0x86dd';
      if (ip) return p.fam === 4 ? 'T' : 'F';
      if (ip6) return p.fam === 6 ? 'T' : 'F';
      return ['arp', 'vlan', '8021q', '8021ad', '0x0806'].includes(v) ? 'F' : 'U';
    }
    case 'version':
      return /^\d+$/.test(v) ? (Number(v) === p.fam ? 'T' : 'F') : 'U';
    case 'ctstate':
      return v === 'new' ? 'T' : ['established', 'related', 'invalid', 'untracked'].includes(v) ? 'F' : 'U';
    case 'ctstatus':
      // A new, not NATed connection before it is confirmed: none of these bits are set.
      return ['expected', 'seen-reply', 'assured', 'confirmed', 'snat', 'dnat', 'dying'].includes(v) ? 'F' : 'U';
    case 'ctdir':
      return v === 'original' ? 'T' : v === 'reply' ? 'F' : 'U';
    case 'pkttype':
      return v === 'host' || v === 'unicast' ? 'T' : ['broadcast', 'multicast', 'other'].includes(v) ? 'F' : 'U';
    case 'iif': {
      const u = unquote(v);
      const wild = isWildcard(v);
      return ifaceTri(wild ? u.slice(0, -1) : u.replace(/\\\*/g, '*'), wild, f);
    }
    default:
      return 'U';
  }
}

/** `tcp flags syn / syn,ack`, `tcp flags & (syn | ack) == syn`, `tcp flags syn`, `tcp flags { syn, syn | ack }`. */
export function tcpFlagsTri(lhsOps: readonly string[], op: string, rhs: readonly string[]): Tri {
  const words = (ts: readonly string[]): string[] => ts.filter((t) => !['(', ')', '|', ',', '{', '}'].includes(t));
  const apply = (t: Tri): Tri => (op === '!=' ? not(t) : t);
  if (op !== '==' && op !== '!=') return 'U';
  if (lhsOps.length > 0) {
    if (lhsOps[0] !== '&') return 'U';
    const mask = flagBits(words(lhsOps.slice(1)));
    const want = flagBits(words(rhs));
    if (mask === null || want === null) return 'U';
    return apply(overSyn((f) => (f & mask) === want));
  }
  const slash = rhs.indexOf('/');
  if (slash >= 0) {
    const want = flagBits(words(rhs.slice(0, slash)));
    const mask = flagBits(words(rhs.slice(slash + 1)));
    if (mask === null || want === null) return 'U';
    return apply(overSyn((f) => (f & mask) === want));
  }
  // Without a mask nft versions differ (exact value vs any of the bits): definite only when both agree.
  const inner = rhs[0] === '{' ? rhs.slice(1, -1) : rhs;
  const alts: number[] = [];
  let cur: string[] = [];
  for (const t of [...inner, ',']) {
    if (t === ',') {
      const b = flagBits(words(cur));
      if (b === null) return 'U';
      alts.push(b);
      cur = [];
    } else cur.push(t);
  }
  const all = alts.reduce((a, b) => a | b, 0);
  const exact = overSyn((f) => alts.includes(f));
  const bits = overSyn((f) => (f & all) !== 0);
  return apply(exact === bits ? exact : 'U');
}
