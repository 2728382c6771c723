import { ParseError } from './parse-error.js';

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
