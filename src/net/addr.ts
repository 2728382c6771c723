/* IPv4/IPv6 addresses and ranges, as firewall rules and host facts print them. */

export interface Addr {
  readonly v: 4 | 6;
  readonly n: bigint;
}

function parseV4(s: string): bigint | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (!m) return null;
  let n = 0n;
  for (const p of m.slice(1)) {
    const x = Number(p);
    if (x > 255) return null;
    n = (n << 8n) | BigInt(x);
  }
  return n;
}

function parseV6(input: string): bigint | null {
  // `[^]*`, not `.*`: a line separator after many '%' made every '%' scan to the end (quadratic).
  let s = input.replace(/%[^]*$/, '');
  if (s.startsWith('[') && s.endsWith(']')) s = s.slice(1, -1);
  if (!s.includes(':') || !/^[0-9a-fA-F:.]+$/.test(s)) return null;
  const last = s.lastIndexOf(':');
  const tail = s.slice(last + 1);
  if (tail.includes('.')) {
    const n = parseV4(tail);
    if (n === null) return null;
    s = `${s.slice(0, last + 1)}${(n >> 16n).toString(16)}:${(n & 0xffffn).toString(16)}`;
  }
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const groups = (h: string): number[] | null => {
    if (h === '') return [];
    const out: number[] = [];
    for (const g of h.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const head = groups(halves[0] as string);
  const rest = halves.length === 2 ? groups(halves[1] as string) : [];
  if (!head || !rest) return null;
  const fill = 8 - head.length - rest.length;
  if (halves.length === 2 ? fill < 1 : fill !== 0) return null;
  const words = [...head, ...new Array<number>(halves.length === 2 ? fill : 0).fill(0), ...rest];
  return words.reduce((acc, w) => (acc << 16n) | BigInt(w), 0n);
}

/** A dotted quad as inet_pton reads it: four decimal octets, no leading zeros. */
const STRICT_V4 = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

/**
 * 4 or 6 for an address literal as a host prints it (IPv6 maybe with a %zone), else 0: what
 * node:net's isIP answers, at a fraction of its cost (its IPv6 pattern takes ~1 ms an address and
 * ~4 ms to compile, paid on every run that parses `ip -o addr`).
 */
export function ipVersion(s: string): 0 | 4 | 6 {
  if (STRICT_V4.test(s)) return 4;
  const zone = s.indexOf('%');
  if (zone >= 0 && !/^%[0-9A-Za-z.:-]+$/.test(s.slice(zone))) return 0;
  const bare = zone >= 0 ? s.slice(0, zone) : s;
  if (bare.startsWith('[')) return 0;
  const tail = bare.slice(bare.lastIndexOf(':') + 1);
  if (tail.includes('.') && !STRICT_V4.test(tail)) return 0;
  return parseV6(bare) === null ? 0 : 6;
}

export function parseAddr(s: string): Addr | null {
  const v4 = parseV4(s);
  if (v4 !== null) return { v: 4, n: v4 };
  const v6 = parseV6(s);
  return v6 === null ? null : { v: 6, n: v6 };
}

/** `a`, `a/len`, `a/dotted-mask`, `a-b`: an inclusive range, or null when not an address. */
export function parseAddrRange(s: string): { v: 4 | 6; lo: bigint; hi: bigint } | null {
  const dash = s.indexOf('-');
  if (dash > 0) {
    const a = parseAddr(s.slice(0, dash));
    const b = parseAddr(s.slice(dash + 1));
    if (!a || !b || a.v !== b.v) return null;
    return { v: a.v, lo: a.n, hi: b.n };
  }
  const slash = s.indexOf('/');
  const a = parseAddr(slash < 0 ? s : s.slice(0, slash));
  if (!a) return null;
  const bits = a.v === 4 ? 32 : 128;
  let len = bits;
  if (slash >= 0) {
    const m = s.slice(slash + 1);
    if (/^\d+$/.test(m)) len = Number(m);
    else {
      const mask = a.v === 4 ? parseV4(m) : null;
      if (mask === null) return null;
      const b = mask.toString(2).padStart(32, '0');
      if (!/^1*0*$/.test(b)) return null;
      len = b.indexOf('0') < 0 ? 32 : b.indexOf('0');
    }
    if (len > bits) return null;
  }
  const host = (1n << BigInt(bits - len)) - 1n;
  return { v: a.v, lo: a.n & ~host, hi: (a.n & ~host) | host };
}
