import { Chalk, type ChalkInstance } from 'chalk';
import type { Report, RuleResult, Severity } from '../types.js';
import { SEVERITIES } from '../types.js';
import type { ReportContext } from './index.js';
import { sanitizeForTerminal as clean } from './sanitize.js';
import { describeDomain, hypervisorLabel, pairKind } from './domains.js';
import { hostLabel, isBlocked, lookOf, plural, resultKey, STATUS_LABEL, STATUS_ORDER, VERDICT_LOOK, VERDICT_WORD, verdictOf, waiverTally } from './view.js';
import { MODE_PHRASE } from '../checks/vocabulary.js';
import { byCodeUnit } from '../order.js';

export type ConsoleContext = Pick<ReportContext, 'color' | 'quiet'>;

function paint(c: ChalkInstance, r: RuleResult): string {
  const label = STATUS_LABEL[r.status].padEnd(5);
  switch (r.status) {
    case 'fail':
      return c.red.bold(label);
    case 'error':
      return c.magenta.bold(label);
    case 'skip':
      return c.gray(label);
    case 'pass':
      return c.green(label);
    default:
      return c.yellow(label);
  }
}

function value(v: unknown): string {
  if (v === undefined) return '-';
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return clean(s.length > 160 ? `${s.slice(0, 157)}...` : s);
}

function sevRank(s: Severity): number {
  return SEVERITIES.indexOf(s);
}

const GROUPED_SKIPS: ReadonlySet<string> = new Set(['skip.hypervisor', 'skip.mode', 'skip.transport', 'skip.refused']);

/** The human report: failures first with both hosts' values and the fix, then the rest, then one summary line. */
export function renderConsole(report: Report, ctx: ConsoleContext): string {
  const c = new Chalk({ level: ctx.color ? 1 : 0 });
  const { src, dst } = report.hosts;
  const name = (h: typeof src): string => hostLabel(h, clean);
  const lines: string[] = [];
  const hv = hypervisorLabel(report);
  lines.push(c.bold(`${report.tool.name} ${report.tool.version}: ${name(src)} -> ${name(dst)}`) + `${hv ? `, ${hv}` : ''}, ${MODE_PHRASE[report.options.mode]} (--mode ${report.options.mode})`);
  if (report.options.changeId) lines.push(`  change ${clean(report.options.changeId)}`);
  if (report.replayOf) lines.push(c.dim(`  replay of ${clean(report.replayOf.path)} (collected ${report.startedAt}, sha256 ${report.replayOf.sha256.slice(0, 16)}...)`));
  if (report.replayOf?.altered?.length) lines.push(c.red.bold(`  EVIDENCE ALTERED: the stdout of ${clean(report.replayOf.altered.join(', '))} no longer matches its recorded sha256`));
  if (report.replayOf?.unverifiable?.length) lines.push(c.yellow(`  cannot verify ${clean(report.replayOf.unverifiable.join(', '))} (cut at the size limit, or not UTF-8 when collected)`));
  for (const [side, h] of [['source', src], ['destination', dst]] as const) {
    if (!h.reachable) lines.push(c.red(`  ${side} ${clean(h.target)} not probed: ${clean(h.error?.message ?? 'unreachable')}`));
    else if (h.error) lines.push(c.red(`  ${side} ${clean(h.target)}: ${h.error.code}: ${clean(h.error.message)}`));
  }
  lines.push('');
  const sorted = [...report.results].sort((a, b) => STATUS_ORDER[a.status] - STATUS_ORDER[b.status] || sevRank(a.severity) - sevRank(b.severity) || byCodeUnit(resultKey(a), resultKey(b)));
  // Rules that could not run because a host was not probed say nothing new one by one.
  const blocked = sorted.filter(isBlocked);
  if (blocked.length > 0) lines.push(`${c.magenta.bold('ERROR')} ${blocked.length} rules not evaluated (a host was not probed): ${blocked.map((r) => clean(resultKey(r))).join(', ')}`);
  // Rules that do not apply to this pair at all (other hypervisor, mode or transport, refused pair): one line per reason.
  const grouped = new Map<string, RuleResult[]>();
  for (const r of sorted) if (r.status === 'skip' && GROUPED_SKIPS.has(r.messageId)) grouped.set(r.message, [...(grouped.get(r.message) ?? []), r]);
  for (const r of sorted) {
    if (isBlocked(r)) continue;
    if (ctx.quiet && r.status !== 'fail' && r.status !== 'error') continue;
    const group = r.status === 'skip' ? grouped.get(r.message) : undefined;
    if (group && group.length > 1) {
      if (group[0] === r) lines.push(`${paint(c, r)} ${group.length} rules ${clean(r.message)}: ${group.map((g) => clean(resultKey(g))).join(', ')}`);
      continue;
    }
    lines.push(`${paint(c, r)} ${r.severity.padEnd(8)} ${c.bold(clean(resultKey(r)))}  ${r.title}`);
    if (r.status === 'pass') continue;
    lines.push(`      ${clean(r.message)}`);
    if (r.status === 'waived') lines.push(c.yellow(`      waived until ${r.waiver.expires} by ${clean(r.waiver.approver)}: ${clean(r.waiver.justification)}`));
    if (r.status === 'fail' || r.status === 'waived') {
      const unit = r.evidence.unit ? ` ${r.evidence.unit}` : '';
      lines.push(c.dim(`      source: ${value(r.evidence.src)}${unit}`));
      lines.push(c.dim(`      destination: ${value(r.evidence.dst)}${unit}`));
      if (r.remediation) lines.push(`      ${c.cyan('fix:')} ${r.remediation.trim().replace(/\s*\n\s*/g, ' ')}`);
    }
  }
  const domains = report.domains ?? [];
  if (domains.length > 0) {
    lines.push('', c.bold(`Domains (${domains.length} moving):`));
    const width = Math.min(24, Math.max(...domains.map((d) => clean(d.name).length)));
    for (const d of domains) {
      const colour = c[lookOf(d.verdict).colour].bold(VERDICT_WORD[d.verdict].padEnd(7));
      lines.push(`  ${colour} ${clean(d.name).padEnd(width)}  ${clean(describeDomain(d, report.options.mode, pairKind(report)))}`);
      const own = d.blockers.filter((b) => b.domain !== null).map((b) => b.id);
      const pair = d.blockers.filter((b) => b.domain === null).map((b) => b.id);
      if (own.length > 0) lines.push(`          ${' '.repeat(width)}  blocked by: ${own.join(', ')}`);
      const more = pair.length > 6 ? ` (+${pair.length - 6} more)` : '';
      if (pair.length > 0) lines.push(c.dim(`          ${' '.repeat(width)}  and by the pair: ${pair.slice(0, 6).join(', ')}${more}`));
    }
  }
  const expired = report.waivers.filter((w) => w.state === 'expired');
  if (report.waivers.length > 0) {
    lines.push('', `Waivers: ${waiverTally(report)}`);
    for (const w of expired) lines.push(c.yellow(`  EXPIRED ${w.expires}: ${clean(w.rule)} (${clean(w.approver)}) at ${clean(w.source.file)}:${w.source.line}; not applied`));
  }
  if (report.drift) {
    const d = report.drift;
    lines.push('', `Since ${clean(d.baseline.path)} (${d.baseline.startedAt}): ${d.new.length} new, ${d.resolved.length} resolved, ${d.changed.length} changed`);
    if (d.new.length) lines.push(c.red(`  new: ${clean(d.new.join(', '))}`));
    if (d.resolved.length) lines.push(c.green(`  resolved: ${clean(d.resolved.join(', '))}`));
    for (const ch of d.changed) lines.push(`  changed ${clean(ch.id)}: ${clean(ch.before)} -> ${clean(ch.after)}`);
  }
  const s = report.summary;
  const v = verdictOf(report);
  const verdict = c[VERDICT_LOOK[v].colour].bold(v);
  lines.push('');
  if (s.interrupted) lines.push(c.magenta(`Interrupted (${s.interrupted}): this report holds what was collected until then.`));
  if (s.ungated) lines.push(c.magenta(`No rule at or above --fail-on ${report.options.failOn} was decided (all skipped or below it): nothing to give a GO on.`));
  const leftOut = s.leftOut ? `, ${plural(s.leftOut, 'rule')} left out by --only/--skip` : '';
  lines.push(
    `${verdict}  ${s.total} results: ${s.pass} pass, ${s.fail} fail, ${s.error} error, ${s.skip} skip, ${s.waived} waived${leftOut}` +
      ` (fail-on ${report.options.failOn}, exit ${s.exitCode}, ${(report.durationMs / 1000).toFixed(2)} s)`,
  );
  return `${lines.join('\n')}\n`;
}
