import type { ExitCode, FailOn, HostFacts, HostReport, RuleResult, Severity, Side, Summary } from '../types.js';
import { SEVERITIES } from '../types.js';
import { formatMessage, OperandError, OPS } from './operators.js';
import { PROBES } from './probes/index.js';
import type { Hypervisor, RuleSpec } from './rule-schema.js';

/** Reads a dotted fact path; a list on the way is mapped over (`migration.domains.name` gives every name). */
export function readPath(facts: unknown, path: string): unknown {
  let cur: unknown = facts;
  for (const key of path.split('.')) {
    if (Array.isArray(cur)) cur = cur.map((x) => (x !== null && typeof x === 'object' ? (x as Record<string, unknown>)[key] : undefined));
    else if (cur !== null && typeof cur === 'object') cur = (cur as Record<string, unknown>)[key];
    else return undefined;
    if (cur === undefined) return undefined;
  }
  return cur;
}

/** Why a fact is absent on a host: the failed probe that feeds it, if any. */
function whyMissing(host: HostReport, path: string): string {
  const feeding = Object.values(PROBES).filter((p) => p.provides.some((f) => path === f || path.startsWith(`${f}.`) || f.startsWith(`${path}.`)));
  const failure = host.probeErrors.find((e) => feeding.some((p) => p.id === e.probe));
  return failure ? `probe ${failure.probe} failed: ${failure.reason}` : `fact ${path} was not collected`;
}

export interface EvalContext {
  readonly hypervisor: Hypervisor;
}

const SIDE_NAME: Record<Side, string> = { src: 'source', dst: 'destination' };

function base(rule: RuleSpec) {
  return {
    id: rule.id,
    title: rule.title,
    severity: rule.severity,
    remediation: rule.remediation ?? null,
    references: rule.references ?? [],
    waiver: null,
  } as const;
}

/** Evaluates one rule on the pair. Pure. */
export function evaluateRule(rule: RuleSpec, hosts: { src: HostReport; dst: HostReport }, ctx: EvalContext): RuleResult {
  const b = base(rule);
  if (rule.hypervisors && !rule.hypervisors.includes(ctx.hypervisor)) {
    return { ...b, status: 'skip', message: `not applicable to ${ctx.hypervisor} hosts`, messageId: 'skip.hypervisor', data: {}, evidence: {} };
  }
  for (const side of ['src', 'dst'] as const) {
    const h = hosts[side];
    if (!h.reachable) {
      return { ...b, status: 'error', message: `${SIDE_NAME[side]} host ${h.target} was not probed: ${h.error?.message ?? 'unreachable'}`, messageId: 'error.unreachable', data: { side }, evidence: {} };
    }
  }
  const a = rule.assert;
  const paths: Record<Side, string> = { src: a.path ?? a.src ?? '', dst: a.path ?? a.dst ?? '' };
  const values: Partial<Record<Side, unknown>> = {};
  for (const side of ['src', 'dst'] as const) {
    const facts: HostFacts = hosts[side].facts;
    if (rule.when) {
      const v = readPath(facts, rule.when.path);
      if (v === undefined) {
        return { ...b, status: 'error', message: `${SIDE_NAME[side]}: ${whyMissing(hosts[side], rule.when.path)}`, messageId: 'error.fact-missing', data: { side, path: rule.when.path }, evidence: {} };
      }
      if (!rule.when.in.some((x) => x === v)) {
        return { ...b, status: 'skip', message: `not applicable: ${SIDE_NAME[side]} ${rule.when.path} is ${String(v)}`, messageId: 'skip.when', data: { side, path: rule.when.path, value: v }, evidence: { [side]: v } };
      }
    }
    const v = readPath(facts, paths[side]);
    if (v === undefined) {
      return { ...b, status: 'error', message: `${SIDE_NAME[side]}: ${whyMissing(hosts[side], paths[side])}`, messageId: 'error.fact-missing', data: { side, path: paths[side] }, evidence: values };
    }
    values[side] = v;
  }
  const evidence = { src: values.src, dst: values.dst };
  let r;
  try {
    r = OPS[a.op]({ src: values.src, dst: values.dst, ignore: a.ignore ?? [] });
  } catch (e) {
    if (!(e instanceof OperandError)) throw e;
    return { ...b, status: 'error', message: `operator ${a.op} cannot compare these facts: ${e.message}`, messageId: 'error.operand', data: {}, evidence };
  }
  if (r.ok) return { ...b, status: 'pass', message: 'ok', messageId: 'pass', data: r.data, evidence };
  return { ...b, status: 'fail', message: formatMessage(rule.message ?? r.defaultMessage, r.data), messageId: r.messageId, data: r.data, evidence };
}

function atOrAbove(sev: Severity, failOn: FailOn): boolean {
  return failOn !== 'never' && SEVERITIES.indexOf(sev) <= SEVERITIES.indexOf(failOn);
}

/** Counts and the exit code of the contract: 3 beats 1 (an unprobed host means the verdict is incomplete). */
export function summarize(results: readonly RuleResult[], hosts: { src: HostReport; dst: HostReport }, failOn: FailOn): Summary {
  const n = (s: RuleResult['status']): number => results.filter((r) => r.status === s).length;
  const unprobed = hosts.src.error !== null || hosts.dst.error !== null;
  const erroredGate = results.some((r) => r.status === 'error' && atOrAbove(r.severity, failOn));
  const failedGate = results.some((r) => r.status === 'fail' && atOrAbove(r.severity, failOn));
  const exitCode: ExitCode = unprobed || erroredGate ? 3 : failedGate ? 1 : 0;
  return { total: results.length, pass: n('pass'), fail: n('fail'), error: n('error'), skip: n('skip'), waived: 0, exitCode };
}
