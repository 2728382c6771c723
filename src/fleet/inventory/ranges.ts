/** Host patterns: ports and ranges, as Ansible's parse_address and expand_hostname_range. */
import { type Fail, MAX_HOSTS } from './model.js';

const LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

const RANGE_BODY = /^(?:[0-9]*:[0-9]+|[a-zA-Z]:[a-zA-Z])(?::[0-9]+)?$/;
/** An IPv6 address in brackets: two or more colons, and not a host range such as [1:10:2]. */
const isV6 = (inner: string): boolean => (inner.match(/:/g) ?? []).length >= 2 && !RANGE_BODY.test(inner) && /^[0-9a-fA-F:.]+(?:%[\w.-]+)?$/.test(inner);

/**
 * Splits `host:port` and `[v6]:port`; `[v6]` and a bare IPv6 address (two or more colons) have no
 * port and no ranges (`literal`).
 */
export function splitHostPattern(pattern: string): { host: string; port: string | null; literal: boolean } {
  let m = /^\[([^\]]+)\]:(\d+)$/.exec(pattern);
  if (m && isV6(m[1] as string)) return { host: m[1] as string, port: m[2] as string, literal: true };
  m = /^\[([^\]]+)\]$/.exec(pattern);
  if (m && isV6(m[1] as string)) return { host: m[1] as string, port: null, literal: true };
  if (!pattern.includes('[') && (pattern.match(/:/g) ?? []).length >= 2) return { host: pattern, port: null, literal: true };
  m = /^((?:[^:[\]]|\[[^\]]*\])+):(\d+)$/.exec(pattern);
  if (m) return { host: m[1] as string, port: m[2] as string, literal: false };
  return { host: pattern, port: null, literal: false };
}

/** Expands every `[begin:end(:step)]` in a host name, the first range outermost. */
function expandHostRange(pattern: string, line: number, fail: Fail, budget = { left: MAX_HOSTS }, whole = pattern): string[] {
  const open = pattern.indexOf('[');
  if (open < 0) {
    if (pattern.includes(']')) fail(line, `bad host pattern "${pattern}": "]" without "["`);
    if (--budget.left < 0) fail(line, `host pattern "${whole}" expands to more than ${MAX_HOSTS} hosts`);
    return [pattern];
  }
  const close = pattern.indexOf(']', open);
  if (close < 0) fail(line, `bad host pattern "${pattern}": "[" without "]"`);
  const head = pattern.slice(0, open);
  const body = pattern.slice(open + 1, close);
  const tail = pattern.slice(close + 1);
  const bad = (why: string): never => fail(line, `bad host range "[${body}]" in "${pattern}": ${why}`);
  const parts = body.split(':');
  if (parts.length !== 2 && parts.length !== 3) bad('expected [begin:end] or [begin:end:step]');
  const beg = (parts[0] as string) === '' ? '0' : (parts[0] as string);
  const end = parts[1] as string;
  if (end === '') bad('no end');
  const stepText = parts[2] ?? '1';
  if (!/^\d+$/.test(stepText) || Number(stepText) === 0) bad(`step "${stepText}" is not a positive integer`);
  const step = Number(stepText);
  const seq: string[] = [];
  if (/^[a-zA-Z]$/.test(beg) && /^[a-zA-Z]$/.test(end)) {
    const i = LETTERS.indexOf(beg);
    const j = LETTERS.indexOf(end);
    if (i > j) bad('begin comes after end');
    for (let k = i; k <= j; k += step) seq.push(LETTERS[k] as string);
  } else if (/^\d+$/.test(beg) && /^\d+$/.test(end)) {
    const width = beg.length > 1 && beg.startsWith('0') ? beg.length : 0;
    if (width > 0 && end.length !== width) bad('a zero-padded begin needs an end of the same length');
    const b = Number(beg);
    const e = Number(end);
    if (b > e) bad('begin is greater than end (an empty range)');
    if ((e - b) / step + 1 > MAX_HOSTS) fail(line, `host pattern "${pattern}" expands to more than ${MAX_HOSTS} hosts`);
    for (let k = b; k <= e; k += step) seq.push(String(k).padStart(width, '0'));
  } else {
    bad('begin and end must both be numbers or both single letters');
  }
  return seq.flatMap((s) => expandHostRange(head + s + tail, line, fail, budget, whole));
}

export function expandPattern(pattern: string, line: number, fail: Fail): { names: string[]; port: string | null } {
  if (pattern.trim() === '') fail(line, 'empty host name');
  const { host, port, literal } = splitHostPattern(pattern);
  return { names: literal ? [host] : expandHostRange(host, line, fail), port };
}
