import type { ExitCode, FailOn, HostReport, RuleResult, Severity, Side, Summary } from '../types.js';
import { SEVERITIES } from '../types.js';
import { OperandError, type OpContext, type OperatorDef } from './operators/define.js';
import { operatorNamed } from './operators/index.js';
import { onSide, readsOf, type FactRead } from './fact-path.js';
import { formatMessage } from './operators/message.js';
import { moveUnknownBecause } from './moving.js';
import { PROBES } from './probes/index.js';
import { asList, type AssertSpec, type RuleSpec, type WhenSpec } from './rule-schema.js';
import { MODE_PHRASE, type Hypervisor, type SideSel } from './vocabulary.js';

/** A path's keys, split once (the fleet reads the same few paths a million times). */
const KEYS = new Map<string, readonly string[]>();

/** Reads a dotted fact path; a list on the way is mapped over (`migration.domains.name` gives every name). */
export function readPath(facts: unknown, path: string): unknown {
  let cur: unknown = facts;
  let keys = KEYS.get(path);
  if (keys === undefined) KEYS.set(path, (keys = path.split('.')));
  for (const key of keys) {
    if (Array.isArray(cur)) cur = cur.flatMap((x) => (x !== null && typeof x === 'object' ? [(x as Record<string, unknown>)[key]] : [])).flat();
    else if (cur !== null && typeof cur === 'object') cur = (cur as Record<string, unknown>)[key];
    else return undefined;
    if (cur === undefined) return undefined;
  }
  return cur;
}

/** Why a fact is absent on a host: the failed probe that feeds it, if any, and whether it ran at all. */
export function whyMissing(host: HostReport, path: string): { reason: string; ran: boolean } {
  const feeding = Object.values(PROBES).filter((p) => p.provides.some((f) => path === f || path.startsWith(`${f}.`) || f.startsWith(`${path}.`)));
  const failure = host.probeErrors.find((e) => feeding.some((p) => p.id === e.probe));
  if (!failure) {
    const because = moveUnknownBecause(host.facts, path);
    return { reason: because ? `fact ${path} is unknown: ${because}` : `fact ${path} was not collected`, ran: false };
  }
  return { reason: `probe ${failure.probe} failed: ${failure.reason}`, ran: host.probes[failure.probe]?.exitCode != null };
}

export interface EvalContext extends OpContext {
  readonly hypervisor: Hypervisor;
  /** Why the pair is not checked at all (hosts on different hypervisors): every rule is skipped. */
  readonly refused?: string | null;
  /** The source as seen by a scope: domain rule for one moving domain (migration.* narrowed to it). */
  readonly narrow?: (domain: string) => HostReport;
}

const SIDE_NAME: Record<Side, string> = { src: 'source', dst: 'destination' };
const sidesOf = (s: SideSel | undefined): Side[] => (s === 'src' ? ['src'] : s === 'dst' ? ['dst'] : ['src', 'dst']);

type Hosts = { src: HostReport; dst: HostReport };
type Base = Omit<RuleResult, 'status' | 'message' | 'messageId' | 'data' | 'evidence'>;

class Missing extends Error {
  constructor(
    readonly side: Side,
    readonly path: string,
    why: { reason: string; ran: boolean },
    /** The probe ran and failed (as opposed to never running): only then can its failure be a finding. */
    readonly ran = why.ran,
  ) {
    super(`${SIDE_NAME[side]}: ${why.reason}`);
  }
}

/** Reads a fact on `side`, or on the host a qualified path names (fact-path.ts). */
function read(hosts: Hosts, operandSide: Side, qualified: string): unknown {
  const { side, path } = onSide(operandSide, qualified);
  const v = readPath(hosts[side].facts, path);
  if (v === undefined) throw new Missing(side, path, whyMissing(hosts[side], path));
  return v;
}

/** Whether a condition holds; a missing fact makes it throw Missing. */
function holds(w: WhenSpec, hosts: Hosts): { ok: true } | { ok: false; side: Side; path: string; value: unknown } {
  for (const { side, path } of readsOf(w.path, w.side)) {
    const v = read(hosts, side, path);
    const ok =
      (w.in === undefined || w.in.some((x) => x === v)) &&
      (w.includes === undefined || (Array.isArray(v) && v.includes(w.includes))) &&
      (w.nonEmpty === undefined || (Array.isArray(v) && v.length > 0) === w.nonEmpty);
    if (!ok) return { ok: false, side, path, value: v };
  }
  return { ok: true };
}

/** The operands a per-host assertion reads: a qualified path names its host; else each side named reads its own operand. */
export function hostOperands(a: AssertSpec): FactRead[] {
  return a.src === undefined && a.dst === undefined ? readsOf(a.path ?? '', a.side) : sidesOf(a.side).map((side) => onSide(side, (side === 'src' ? a.src : a.dst) ?? a.path ?? ''));
}

/** The two operands a cross assertion reads (a qualified path may name the other host). */
export function crossOperands(a: AssertSpec): { readonly src: FactRead; readonly dst: FactRead } {
  return { src: onSide('src', a.path ?? a.src ?? ''), dst: onSide('dst', a.path ?? a.dst ?? '') };
}

/** Parameters of a cross assertion that name a fact (capacity's reservePath), with the host each is read on. */
function factParamReads(a: AssertSpec, def: OperatorDef): (FactRead & { readonly param: string })[] {
  if (def.kind !== 'cross') return [];
  return (Object.entries(def.factParams ?? {}) as [string, Side | undefined][]).flatMap(([param, side]) => {
    const path = (a as unknown as Record<string, unknown>)[param];
    return typeof path === 'string' && side ? [{ param, side, path }] : [];
  });
}

/**
 * Every fact a rule can read, on the host it is read on: its conditions, its escalation and its
 * assertions' operands (as the evaluator below reads them; the fleet keys its memo on them).
 * Besides these a result depends on whether each host was probed, on the pair's hypervisor and
 * on the destination's SSH port (cross operators' context).
 */
export function ruleReads(rule: RuleSpec): FactRead[] {
  const conds = [...asList(rule.when), ...(rule.escalate ? [rule.escalate.when] : [])].flatMap((w) => readsOf(w.path, w.side));
  const asserts = asList(rule.assert).flatMap((a): FactRead[] => {
    const def = operatorNamed(a.op);
    if (def === undefined) return [];
    if (def.kind === 'host') return hostOperands(a);
    const { src, dst } = crossOperands(a);
    return [src, dst, ...factParamReads(a, def)];
  });
  return [...conds, ...asserts];
}

type Outcome =
  | { status: 'pass'; data: Record<string, unknown>; evidence: Record<string, unknown> }
  | { status: 'fail' | 'error'; message: string; messageId: string; data: Record<string, unknown>; evidence: Record<string, unknown> };

function runAssert(a: AssertSpec, rule: RuleSpec, hosts: Hosts, ctx: EvalContext, single: boolean): Outcome {
  const template = a.message ?? (single ? rule.message : undefined);
  const def = operatorNamed(a.op);
  if (def === undefined) throw new OperandError(`unknown operator ${a.op}`);
  if (def.kind === 'host') {
    const evidence: Record<string, unknown> = {};
    const bad: string[] = [];
    const details: string[] = [];
    for (const { side, path: p } of hostOperands(a)) {
      const v = read(hosts, side, p);
      evidence[side] = v;
      const r = def.evaluate(v, a);
      if (r.undecided !== undefined) return { status: 'error', message: r.undecided, messageId: `${a.op}.undecided`, data: {}, evidence };
      if (!r.ok) {
        bad.push(`${SIDE_NAME[side]} ${p}: ${r.detail}`);
        details.push(r.detail);
      }
    }
    if (bad.length === 0) return { status: 'pass', data: {}, evidence };
    const data = { failed: bad, details, ...Object.fromEntries(Object.entries(evidence)) };
    return { status: 'fail', message: formatMessage(template ?? '{failed}', data), messageId: `${a.op}.failed`, data, evidence };
  }
  const src = read(hosts, 'src', a.path ?? a.src ?? '');
  const dst = read(hosts, 'dst', a.path ?? a.dst ?? '');
  // Parameters that name a fact (capacity's reservePath): read here, on the host the operator says.
  const facts = Object.fromEntries(factParamReads(a, def).map(({ param, side, path }) => [param, read(hosts, side, path)]));
  const r = def.evaluate(src, dst, a, ctx, facts);
  const evidence = r.evidence ?? { src, dst };
  if (r.undecided) {
    // Members of the source operand not collected (CrossOperatorDef.unknownMembers): why, as a missing fact says (no definition of web01 ...).
    const { side, path } = crossOperands(a).src;
    const because = def.unknownMembers ? moveUnknownBecause(hosts[side].facts, path) : null;
    return { status: 'error', message: because ? `${r.undecided} (${because})` : r.undecided, messageId: r.messageId, data: { ...r.data }, evidence };
  }
  if (r.ok) return { status: 'pass', data: { ...r.data }, evidence };
  return { status: 'fail', message: formatMessage(template ?? r.defaultMessage, r.data), messageId: r.messageId, data: { ...r.data }, evidence };
}

function resultOf(rule: RuleSpec, severity: Severity = rule.severity) {
  const base: Base = {
    id: rule.id,
    domain: null,
    title: rule.title,
    severity,
    remediation: rule.remediation ?? null,
    references: rule.references ?? [],
    waiver: null,
  };
  return (status: RuleResult['status'], message: string, messageId: string, data: Record<string, unknown> = {}, evidence: Record<string, unknown> = {}): RuleResult =>
    ({ ...base, status, message, messageId, data, evidence }) as RuleResult;
}

/** Unreachable, or reached but nothing collected (sudo refused, the script never ran). */
export function notProbed(h: HostReport): boolean {
  return !h.reachable || (h.error !== null && Object.keys(h.probes).length === 0);
}

/** The result of a rule that cannot be evaluated on this pair at all (other hypervisor or transport, a host not probed); null otherwise. */
function inapplicable(rule: RuleSpec, hosts: Hosts, ctx: EvalContext): RuleResult | null {
  const result = resultOf(rule);
  if (ctx.refused) return result('skip', `not checked: ${ctx.refused}`, 'skip.refused');
  if (rule.hypervisors && !rule.hypervisors.includes(ctx.hypervisor)) return result('skip', `not applicable to ${ctx.hypervisor} hosts`, 'skip.hypervisor');
  if (rule.transports && !rule.transports.includes(ctx.transport)) return result('skip', `not applicable to the ${ctx.transport} transport`, 'skip.transport');
  if (rule.modes && !rule.modes.includes(ctx.mode)) return result('skip', `not applicable to ${MODE_PHRASE[ctx.mode]} (--mode ${ctx.mode})`, 'skip.mode', { mode: ctx.mode });
  for (const side of ['src', 'dst'] as const) {
    const h = hosts[side];
    if (notProbed(h)) return result('error', `${SIDE_NAME[side]} host ${h.target} was not probed: ${h.error?.message ?? 'unreachable'}`, 'error.unreachable', { side });
  }
  return null;
}

/** Evaluates one rule on the pair. Pure. */
export function evaluateRule(rule: RuleSpec, hosts: Hosts, ctx: EvalContext): RuleResult {
  const modeSeverity = rule.modeSeverity?.[ctx.mode];
  const result = resultOf(rule, modeSeverity ?? rule.severity);
  const na = inapplicable(rule, hosts, ctx);
  if (na) return na;
  try {
    for (const w of asList(rule.when)) {
      const h = holds(w, hosts);
      if (!h.ok) return result('skip', `not applicable: ${SIDE_NAME[h.side]} ${h.path} is ${formatMessage('{v}', { v: h.value })}`, 'skip.when', { side: h.side, path: h.path, value: h.value }, { [h.side]: h.value });
    }
    let severity = modeSeverity ?? rule.severity;
    if (rule.escalate && modeSeverity === undefined) {
      try {
        if (holds(rule.escalate.when, hosts).ok) severity = rule.escalate.severity;
      } catch (e) {
        if (!(e instanceof Missing)) throw e; // cannot tell: keep the rule's own severity
      }
    }
    const asserts = asList(rule.assert);
    const evidence: Record<string, unknown> = {};
    const data: Record<string, unknown> = {};
    let errored: Outcome | null = null;
    const failures: Outcome[] = [];
    for (const a of asserts) {
      let o: Outcome;
      try {
        o = runAssert(a, rule, hosts, ctx, asserts.length === 1);
      } catch (e) {
        if (!(e instanceof OperandError)) throw e;
        o = { status: 'error', message: `operator ${a.op} cannot compare these facts: ${e.message}`, messageId: 'error.operand', data: {}, evidence: {} };
      }
      mergeEvidence(evidence, o.evidence, asserts.length > 1 ? { src: readLabel('src', a.path ?? a.src, a.op), dst: readLabel('dst', a.path ?? a.dst, a.op) } : null);
      Object.assign(data, o.data);
      if (o.status === 'fail') failures.push(o);
      if (o.status === 'error' && !errored) errored = o;
    }
    const withSeverity = (r: RuleResult): RuleResult => ({ ...r, severity }) as RuleResult;
    if (failures.length > 0) {
      const fails = failures as Extract<Outcome, { status: 'fail' | 'error' }>[];
      const msg = fails.map((f) => f.message).join('; ');
      const first = fails[0] as Extract<Outcome, { status: 'fail' | 'error' }>;
      return withSeverity(result('fail', msg, first.messageId, data, evidence));
    }
    if (errored !== null && errored.status === 'error') return withSeverity(result('error', errored.message, errored.messageId, data, evidence));
    return withSeverity(result('pass', 'ok', 'pass', data, evidence));
  } catch (e) {
    if (!(e instanceof Missing)) throw e;
    if (rule.missing === 'fail' && e.ran) return result('fail', e.message, 'fail.fact-missing', { side: e.side, path: e.path });
    return result('error', e.message, 'error.fact-missing', { side: e.side, path: e.path });
  }
}

/**
 * Evaluates a rule on the pair: one result, or for a scope: domain rule one per moving domain
 * (each on the source narrowed to that domain). A rule that does not apply, a host not probed,
 * or no move at all gives a single result. Pure.
 */
export function evaluateScoped(rule: RuleSpec, hosts: Hosts, ctx: EvalContext): RuleResult[] {
  const m = hosts.src.facts.migration;
  if (rule.scope !== 'domain' || m === undefined || ctx.narrow === undefined) return [evaluateRule(rule, hosts, ctx)];
  const na = inapplicable(rule, hosts, ctx);
  if (na) return [na];
  if (m.domains.length === 0) return [resultOf(rule)('skip', 'no domain moves (none running on the source and none given with -d)', 'skip.no-domains')];
  const narrow = ctx.narrow;
  return m.domains.map((d) => ({ ...evaluateRule(rule, { src: narrow(d.name), dst: hosts.dst }, ctx), domain: d.name }));
}

/** What a side's evidence is keyed by when a rule has several assertions: the plain fact path it read there (a qualified one without its qualifier), or the operator. */
const readLabel = (side: Side, path: string | undefined, op: string): string => (path === undefined ? op : onSide(side, path).path);

/** One assertion's evidence goes in as is; several go in side by side, keyed by the fact path each side read. */
function mergeEvidence(into: Record<string, unknown>, from: Record<string, unknown>, labels: Record<Side, string> | null): void {
  for (const [side, v] of Object.entries(from)) {
    if (labels === null) into[side] = v;
    else into[side] = { ...((into[side] as Record<string, unknown> | undefined) ?? {}), [labels[side as Side]]: v };
  }
}

/** Whether a severity is at or above the --fail-on threshold (never: nothing is). */
export function atOrAbove(sev: Severity, failOn: FailOn): boolean {
  return failOn !== 'never' && SEVERITIES.indexOf(sev) <= SEVERITIES.indexOf(failOn);
}

/** Counts and the exit code of the contract: 3 beats 1 (an unprobed host means the verdict is incomplete). */
/**
 * The counts and the exit code. `selection`: how many rules --only/--skip left out, and the ids of
 * the rules the run selected; when none of those was decided at or above --fail-on (the checks
 * every run makes, such as hypervisor.match, do not count) there is no ground for a GO: exit 3
 * where it would have been 0.
 */
export function summarize(results: readonly RuleResult[], hosts: Hosts, failOn: FailOn, selection: { leftOut: number; ids: ReadonlySet<string> } | null = null): Summary {
  const n = (s: RuleResult['status']): number => results.filter((r) => r.status === s).length;
  const unprobed = hosts.src.error !== null || hosts.dst.error !== null;
  const erroredGate = results.some((r) => r.status === 'error' && atOrAbove(r.severity, failOn));
  const failedGate = results.some((r) => r.status === 'fail' && atOrAbove(r.severity, failOn));
  // Nothing at or above --fail-on was decided (all skipped, or below it): no ground for a GO.
  const decided = (r: RuleResult): boolean => (r.status === 'pass' || r.status === 'fail' || r.status === 'waived') && atOrAbove(r.severity, failOn);
  const ungated = !unprobed && !erroredGate && !failedGate && selection !== null && failOn !== 'never' && !results.some((r) => selection.ids.has(r.id) && decided(r));
  const leftOut = selection?.leftOut ?? 0;
  const exitCode: ExitCode = unprobed || erroredGate || ungated ? 3 : failedGate ? 1 : 0;
  return { total: results.length, pass: n('pass'), fail: n('fail'), error: n('error'), skip: n('skip'), waived: n('waived'), ...(leftOut > 0 ? { leftOut } : {}), ...(ungated ? { ungated: true } : {}), exitCode };
}
