import { compareVersions } from './probes/libvirt-xml.js';
import { convergesOp, disksShared, guestCpuOp } from './domain-ops.js';
import { blockSpace, dedicatedLink, privateDir, saveSpace } from './mode-ops.js';
import { human } from './units.js';
import { sameSubnet, xendRelocation, xenStorage } from './xen-ops.js';
import type { AssertSpec, CrossOperator, HostOperator, Mode, Transport } from './rule-schema.js';

/** An operator's verdict with the data its message is built from. */
export interface OpResult {
  readonly ok: boolean;
  /** Set when the facts cannot decide (e.g. a firewall rule we do not understand): the rule ends in `error`. */
  readonly undecided?: string;
  /** Stable id of the failure message (e.g. "subset.missing"). */
  readonly messageId: string;
  readonly data: Readonly<Record<string, unknown>>;
  /** The message used when the rule gives none. */
  readonly defaultMessage: string;
  /** What to show as evidence when the raw operands are too bulky (a whole firewall ruleset). */
  readonly evidence?: { readonly src: unknown; readonly dst: unknown; readonly unit?: string };
}

/** What an operator may know about the run besides the facts. */
export interface OpContext {
  readonly transport: Transport;
  /** How the guest moves (--mode). */
  readonly mode: Mode;
  /** The destination's SSH port (the control port for qemu+ssh). */
  readonly dstSshPort: number;
  /** Evaluates a destination firewall for a source address; injected so this module stays small. */
  readonly firewall?: (ruleset: unknown, srcAddr: string, transport: Transport, sshPort: number) => FirewallVerdict;
}

export interface FirewallVerdict {
  readonly blocked: readonly string[];
  readonly unknown: readonly string[];
  readonly admitted: readonly string[];
}

/** Operand types that an operator cannot compare. */
export class OperandError extends Error {}

function asList(v: unknown): unknown[] {
  return Array.isArray(v) ? v : v === null || v === undefined ? [] : [v];
}
const strings = (v: unknown): string[] => asList(v).map((x) => String(x));

export function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) =>
    x !== null && typeof x === 'object' && !Array.isArray(x)
      ? Object.fromEntries(Object.entries(x as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)))
      : x,
  );
}

function num(v: unknown, what: string): number {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v.trim())) return Number(v);
  throw new OperandError(`${what} is not a number: ${canonical(v)}`);
}

type Cross = (src: unknown, dst: unknown, a: AssertSpec, ctx: OpContext) => OpResult;

/** Cross-host comparisons; each is pure and throws OperandError for operands it cannot compare. */
export const CROSS: Record<CrossOperator, Cross> = {
  equal(src, dst) {
    return { ok: canonical(src) === canonical(dst), messageId: 'equal.differs', data: { src, dst }, defaultMessage: 'source has {src}, destination has {dst}' };
  },
  subset(src, dst, a) {
    const have = new Set(strings(dst));
    const missing = [...new Set(strings(src))].filter((x) => !have.has(x) && !(a.ignore ?? []).includes(x)).sort();
    return { ok: missing.length === 0, messageId: 'subset.missing', data: { missing, src, dst }, defaultMessage: 'destination lacks {missing} (source has them)' };
  },
  superset(src, dst, a) {
    const have = new Set(strings(src));
    const extra = [...new Set(strings(dst))].filter((x) => !have.has(x) && !(a.ignore ?? []).includes(x)).sort();
    return { ok: extra.length === 0, messageId: 'superset.extra', data: { extra, src, dst }, defaultMessage: 'destination has {extra}, which the source lacks' };
  },
  disjoint(src, dst, a) {
    const other = new Set(strings(dst));
    const common = [...new Set(strings(src))].filter((x) => other.has(x) && !(a.ignore ?? []).includes(x)).sort();
    return { ok: common.length === 0, messageId: 'disjoint.common', data: { common, src, dst }, defaultMessage: 'present on both hosts: {common}' };
  },
  match(src, dst, a) {
    const key = a.key ?? 'name';
    const fields = a.fields ?? [];
    const get = (o: unknown, f: string): unknown => (o !== null && typeof o === 'object' ? (o as Record<string, unknown>)[f] : undefined);
    const byKey = new Map(asList(dst).map((d) => [String(get(d, key)), d]));
    const missing: string[] = [];
    const differing: string[] = [];
    for (const s of asList(src)) {
      const k = String(get(s, key));
      const d = byKey.get(k);
      if (d === undefined) {
        missing.push(k);
        continue;
      }
      for (const f of fields) {
        if (canonical(get(s, f)) !== canonical(get(d, f))) differing.push(`${k} ${f}: source ${show(get(s, f))}, destination ${show(get(d, f))}`);
      }
    }
    const parts = [missing.length ? 'destination lacks {missing}' : '', differing.length ? 'differs: {differing}' : ''].filter(Boolean);
    // Evidence: just the key and the compared fields of each item (the whole objects are in the facts).
    const project = (list: unknown): unknown[] => asList(list).map((o) => Object.fromEntries([key, ...fields].map((f) => [f, get(o, f)])));
    return {
      evidence: { src: project(src), dst: project(dst) },
      ok: missing.length === 0 && differing.length === 0,
      messageId: missing.length ? 'match.missing' : 'match.differs',
      data: { missing, differing },
      defaultMessage: parts.join('; '),
    };
  },
  'not-older'(src, dst) {
    const s = String(src);
    const d = String(dst);
    let cmp: number;
    try {
      cmp = compareVersions(d, s);
    } catch (e) {
      throw new OperandError((e as Error).message);
    }
    return { ok: cmp >= 0, messageId: 'not-older.older', data: { src: s, dst: d }, defaultMessage: 'destination has {dst}, older than the source ({src})' };
  },
  within(src, dst, a) {
    const difference = Math.abs(num(src, 'source value') - num(dst, 'destination value'));
    const tolerance = a.tolerance ?? 0;
    const evidence = a.unit === undefined ? { src, dst } : { src, dst, unit: a.unit };
    return { ok: difference <= tolerance, messageId: 'within.exceeds', data: { src, dst, difference, tolerance }, evidence, defaultMessage: 'differs by {difference} (tolerance {tolerance})' };
  },
  capacity(src, dst, a) {
    const values = asList(src).map((v) => num(v, 'source value'));
    const needed = (a.aggregate === 'max' ? Math.max(0, ...values) : values.reduce((x, y) => x + y, 0)) + (a.reserve ?? 0);
    const available = num(dst, 'destination value');
    return {
      ok: available >= needed,
      messageId: 'capacity.short',
      data: { needed, available, reserve: a.reserve ?? 0, shortBy: Math.max(0, needed - available) },
      defaultMessage: 'destination has {available}, needs {needed}',
    };
  },
  'disks-shared': disksShared,
  'guest-cpu': guestCpuOp,
  'block-space': blockSpace,
  'save-space': saveSpace,
  'dedicated-link': dedicatedLink,
  'same-subnet': sameSubnet,
  'xen-storage': xenStorage,
  'xend-relocation': xendRelocation,
  'firewall-admits'(src, dst, _a, ctx) {
    if (!ctx.firewall) throw new OperandError('no firewall evaluator');
    if (typeof src !== 'string') throw new OperandError('source address is not a string');
    const v = ctx.firewall(dst, src, ctx.transport, ctx.dstSshPort);
    const data = { srcAddr: src, blocked: v.blocked, unknown: v.unknown, admitted: v.admitted };
    // The rulesets themselves are in the host facts; the evidence is the verdict per port.
    const evidence = { src, dst: { blocked: v.blocked, unknown: v.unknown, admitted: v.admitted } };
    if (v.blocked.length > 0) {
      return { ok: false, messageId: 'firewall.blocked', data, evidence, defaultMessage: 'destination firewall blocks {srcAddr}: {blocked}' };
    }
    if (v.unknown.length > 0) {
      return { ok: false, undecided: `cannot decide the destination firewall for ${src}: ${v.unknown.join('; ')}`, messageId: 'firewall.unknown', data, evidence, defaultMessage: '' };
    }
    return { ok: true, messageId: 'pass', data, evidence, defaultMessage: '' };
  },
};

/** A per-host verdict; `undecided` makes the rule `error` (facts present but not enough to decide). */
export interface HostOpResult {
  readonly ok: boolean;
  readonly detail: string;
  readonly undecided?: string;
}
type Host = (value: unknown, a: AssertSpec) => HostOpResult;

/** Per-host predicates: `detail` says why a host failed. */
export const HOST: Record<HostOperator, Host> = {
  present(v) {
    const ok = v !== null && v !== undefined && v !== false && !(Array.isArray(v) && v.length === 0) && v !== '';
    return { ok, detail: ok ? '' : 'not present' };
  },
  empty(v) {
    const list = asList(v);
    return { ok: list.length === 0, detail: `has ${list.map(show).join(', ')}` };
  },
  matches(v, a) {
    const re = new RegExp(a.pattern ?? '');
    const values = strings(v);
    const bad = values.filter((x) => re.test(x) === (a.negate ?? false));
    return { ok: bad.length === 0, detail: a.negate ? `${bad.join(', ')} matches ${a.pattern}` : `${bad.join(', ')} does not match ${a.pattern}` };
  },
  in(v, a) {
    const ok = (a.values ?? []).some((x) => canonical(x) === canonical(v));
    return { ok, detail: `${show(v)} is not one of ${(a.values ?? []).map(show).join(', ')}` };
  },
  'at-least'(v, a) {
    const n = num(v, 'value');
    return { ok: n >= (a.value ?? 0), detail: `${n} is below ${a.value ?? 0}` };
  },
  converges: convergesOp,
  'private-dir': privateDir,
};

export function isHostOperator(op: string): op is HostOperator {
  return Object.hasOwn(HOST, op);
}

function show(v: unknown): string {
  return typeof v === 'string' ? v : canonical(v);
}

const UNITS: Record<string, (n: number) => string> = {
  kib: (n) => human(n * 1024),
  bytes: (n) => human(n),
  ms: (n) => (Math.abs(n) >= 1000 ? `${(n / 1000).toFixed(1)} s` : `${Math.round(n)} ms`),
};


/** Fills `{name}` / `{name|kib}` placeholders from the operator's data; lists are joined with ", ". */
export function formatMessage(template: string, data: Readonly<Record<string, unknown>>): string {
  return template.replace(/\{([a-zA-Z]+)(?:\|([a-z]+))?\}/g, (all, k: string, unit?: string) => {
    if (!(k in data)) return all;
    const v = data[k];
    const conv = unit ? UNITS[unit] : undefined;
    if (conv && typeof v === 'number') return conv(v);
    if (Array.isArray(v)) return v.length === 0 ? '(none)' : v.map(show).join(', ');
    return v === null || v === undefined ? '(none)' : show(v);
  });
}
