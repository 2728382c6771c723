import { ParseError } from './parse-error.js';

/**
 * An unsigned decimal a JS number holds exactly (libvirt prints u/llong, xl and xm unsigned longs);
 * null when it is not one. Up to 20 digits, so zero-padded values still read.
 */
export function safeUnsigned(raw: string): number | null {
  if (!/^\d{1,20}$/.test(raw)) return null;
  const n = Number(raw);
  return Number.isSafeInteger(n) ? n : null;
}

/** `uname -m`: the machine architecture as the kernel reports it (x86_64, aarch64, i686 ...). */
export function parseUnameM(text: string): string {
  const v = text.trim();
  if (!/^[A-Za-z0-9_.-]+$/.test(v)) throw new ParseError('uname-m', `not a machine name: ${JSON.stringify(v.slice(0, 40))}`);
  return v;
}

/** `getconf LONG_BIT`: the userland word size, 32 or 64. */
export function parseLongBit(text: string): number {
  const v = text.trim();
  if (v !== '32' && v !== '64') throw new ParseError('long-bit', `expected 32 or 64, got ${JSON.stringify(v.slice(0, 40))}`);
  return Number(v);
}

/** `hostname`: the first line, trimmed. */
export function parseHostname(text: string): string {
  const v = text.split('\n')[0]?.trim() ?? '';
  if (v === '') throw new ParseError('hostname', 'empty output');
  return v;
}

/** `date +%s.%N`: the host's clock as ms since the epoch (busybox prints a literal N: seconds only). */
export function parseClock(text: string): number {
  const m = /^(\d{9,})(?:\.(\d+|N))?\s*$/.exec(text.trim());
  if (!m) throw new ParseError('clock', `not an epoch time: ${JSON.stringify(text.trim().slice(0, 40))}`);
  const frac = m[2] && m[2] !== 'N' ? Number(`0.${m[2]}`) : 0;
  return Math.round((Number(m[1]) + frac) * 1000);
}

/** The peer-tcp probe's lines: `port=22 state=open|closed|timeout|untested`. */
export function parsePeerTcp(text: string): { port: number; state: 'open' | 'closed' | 'timeout' | 'untested' }[] {
  const out: { port: number; state: 'open' | 'closed' | 'timeout' | 'untested' }[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const m = /^port=(\d+) state=(open|closed|timeout|untested)$/.exec(line.trim());
    if (!m) throw new ParseError('peer-tcp', `unexpected line: ${JSON.stringify(line.slice(0, 80))}`);
    out.push({ port: Number(m[1]), state: m[2] as 'open' });
  }
  if (out.length === 0) throw new ParseError('peer-tcp', 'no result lines');
  return out;
}

/** The source's interface towards the destination and its link speed (`peer-link`). */
export interface PeerLink {
  readonly dev: string;
  /** Mb/s as the kernel reports it (/sys/class/net/DEV/speed, else its bridge or bond members'); null when unknown (-1, absent). */
  readonly mbps: number | null;
}

/**
 * `peer-link`: lines `dev=NAME` and `speed=N` (the device's own speed, else the fastest of its
 * lower devices: a bridge's ports, a bond's or VLAN's parent). Virtual devices print -1 or nothing.
 */
export function parsePeerLink(text: string): PeerLink {
  const kv = new Map(text.split('\n').flatMap((l) => {
    const i = l.indexOf('=');
    return i > 0 ? [[l.slice(0, i).trim(), l.slice(i + 1).trim()] as const] : [];
  }));
  const dev = kv.get('dev') ?? '';
  if (!/^[A-Za-z0-9_.:@-]{1,32}$/.test(dev)) throw new ParseError('peer-link', `no interface towards the destination: ${JSON.stringify(text.trim().slice(0, 80))}`);
  const speeds = (kv.get('speed') ?? '').split(/\s+/).map(safeUnsigned).filter((n): n is number => n !== null && n > 0);
  return { dev, mbps: speeds.length > 0 ? Math.max(...speeds) : null };
}
