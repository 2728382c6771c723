/** Value helpers the operators share: lists, canonical JSON, numbers, display. */
import { byCodeUnit } from '../../order.js';
import { OperandError } from './define.js';

export function asList(v: unknown): unknown[] {
  return Array.isArray(v) ? v : v === null || v === undefined ? [] : [v];
}

/** A fact that should be a list, typed (anything else is an empty list). */
export const list = <T>(v: unknown): T[] => (Array.isArray(v) ? (v as T[]) : []);

export const strings = (v: unknown): string[] => asList(v).map((x) => String(x));

/** JSON with object keys sorted: equal values give equal text. */
export function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) =>
    x !== null && typeof x === 'object' && !Array.isArray(x)
      ? Object.fromEntries(Object.entries(x as Record<string, unknown>).sort(([a], [b]) => byCodeUnit(a, b)))
      : x,
  );
}

export function num(v: unknown, what: string): number {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v.trim())) return Number(v);
  throw new OperandError(`${what} is not a number: ${canonical(v)}`);
}

export function show(v: unknown): string {
  return typeof v === 'string' ? v : canonical(v);
}

/** The distinct values of `a` that `keep` admits and that are not ignored, sorted. */
export function setDiff(a: unknown, b: unknown, ignore: readonly string[] | undefined, keep: (inB: boolean) => boolean): string[] {
  const other = new Set(strings(b));
  return [...new Set(strings(a))].filter((x) => keep(other.has(x)) && !(ignore ?? []).includes(x)).sort();
}

/** How a message names a disk of a moving domain. */
export const diskLabel = (d: { domain: string; target: string | null; source: string | null }): string => `${d.domain} ${d.target ?? '?'} (${d.source ?? 'no source'})`;

/** The parameter schema of a list of set members to leave out. */
export const IGNORE_PARAM = { type: 'array', items: { type: 'string' }, description: 'values left out (kernel-synthesised CPU flags, say)' } as const;
