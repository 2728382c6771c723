import type { Operator } from './rule-schema.js';

/** An operator's verdict with the data its message is built from. */
export interface OpResult {
  readonly ok: boolean;
  /** Stable id of the failure message (e.g. "subset.missing"). */
  readonly messageId: string;
  readonly data: Readonly<Record<string, unknown>>;
  /** The message used when the rule gives none. */
  readonly defaultMessage: string;
}

export interface OpArgs {
  readonly src: unknown;
  readonly dst: unknown;
  readonly ignore: readonly string[];
}

export class OperandError extends Error {}

function asList(v: unknown, side: string): string[] {
  if (!Array.isArray(v)) throw new OperandError(`${side} value is not a list`);
  return v.map((x) => String(x));
}

function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) =>
    x !== null && typeof x === 'object' && !Array.isArray(x)
      ? Object.fromEntries(Object.entries(x as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)))
      : x,
  );
}

const show = (v: unknown): string => (typeof v === 'string' ? v : canonical(v));

/** Cross-host comparisons; every one is pure and total over its operand types. */
export const OPS: Record<Operator, (a: OpArgs) => OpResult> = {
  equal({ src, dst }) {
    const ok = canonical(src) === canonical(dst);
    return { ok, messageId: 'equal.differs', data: { src, dst }, defaultMessage: 'source has {src}, destination has {dst}' };
  },
  subset({ src, dst, ignore }) {
    const have = new Set(asList(dst, 'destination'));
    const missing = [...new Set(asList(src, 'source'))].filter((x) => !have.has(x) && !ignore.includes(x)).sort();
    return {
      ok: missing.length === 0,
      messageId: 'subset.missing',
      data: { missing, src, dst },
      defaultMessage: 'destination lacks {missing} (source has them)',
    };
  },
  disjoint({ src, dst, ignore }) {
    const other = new Set(asList(dst, 'destination'));
    const common = [...new Set(asList(src, 'source'))].filter((x) => other.has(x) && !ignore.includes(x)).sort();
    return { ok: common.length === 0, messageId: 'disjoint.common', data: { common, src, dst }, defaultMessage: 'present on both hosts: {common}' };
  },
};

/** Fills `{name}` placeholders from the operator's data; lists are joined with ", ". */
export function formatMessage(template: string, data: Readonly<Record<string, unknown>>): string {
  return template.replace(/\{([a-zA-Z]+)\}/g, (all, k: string) => {
    if (!(k in data)) return all;
    const v = data[k];
    if (Array.isArray(v)) return v.length === 0 ? '(none)' : v.map(show).join(', ');
    return v === null || v === undefined ? '(none)' : show(v);
  });
}
