import type { HostReport, ProbeOutput, Report, RuleResult } from '../types.js';
import type { ReportContext } from './index.js';
import { sanitizeForTerminal } from './sanitize.js';
import { blockerLabel, describeDomain, hypervisorLabel, pairKind } from './domains.js';
import {
  BLOCKED_SHORT,
  connectionLabel,
  EXPIRED_WAIVERS_NOTE,
  expiredWaiversFor,
  formatDuration,
  formatTime,
  hostLabel,
  isBlocked,
  isWebLink,
  lookOf,
  plural,
  prettyJson,
  resultKey,
  runByLabel,
  SIGN_OFF_ROLES,
  sortResults,
  VERDICT_LOOK,
  VERDICT_WORD,
  verdictOf,
  verdictReason,
  waiverCount,
  waiverTally,
} from './view.js';
import { escapeHtml } from './html-kit.js';
import { MODE_PHRASE } from '../checks/vocabulary.js';

/**
 * Inline text made inert for GitHub/GitLab Markdown: terminal escapes neutralised, every
 * Markdown-active punctuation backslash-escaped (so `<tag>`, `*`, `[x](y)`, `|`, `$math$` stay
 * text, also inside table cells), a leading list marker or break escaped, newlines turned into <br>.
 */
export function escapeMarkdown(text: unknown): string {
  return sanitizeForTerminal(String(text).replace(/\r\n/g, '\n'))
    .replace(/[\\`*{}[\]<>#|~&$]/g, '\\$&')
    // Intraword underscores never emphasise in GFM: leave snake_case readable.
    .replace(/(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])/g, '\\_')
    // At the start of a line these open a list, a thematic break or an indented code block.
    .replace(/^[ \t]+/, '')
    .replace(/^([-+])(?=[\s-]|$)/, '\\$1')
    .replace(/^(\d+)([.)])(?=\s|$)/, '$1\\$2')
    .replace(/\n/g, '<br>');
}

/**
 * A code span that holds any text: delimiters longer than the longest backtick run inside. In a
 * table cell (`cell`) a `|` would end the cell even inside the span, so it is escaped there (GFM
 * drops that backslash); elsewhere a backslash would show, so it is not.
 */
export function codeSpan(text: unknown, cell = false): string {
  const s = sanitizeForTerminal(String(text)).replace(/\r?\n/g, ' ');
  const longest = Math.max(0, ...(s.match(/`+/g) ?? []).map((m) => m.length));
  const fence = '`'.repeat(longest + 1);
  const pad = s.startsWith('`') || s.endsWith('`') || s === '' ? ' ' : '';
  // A `|` ends a table cell even inside a code span; GFM drops the backslash there.
  return `${fence}${pad}${cell ? s.replace(/\|/g, '\\|') : s}${pad}${fence}`;
}

/** A code span for a table cell. */
function cs(text: unknown): string {
  return codeSpan(text, true);
}

/** A fenced code block that no line inside can close: the fence is longer than any backtick run. */
export function fenced(text: string, info = ''): string {
  const s = sanitizeForTerminal(text).replace(/\n$/, '');
  const longest = Math.max(0, ...(s.match(/`+/g) ?? []).map((m) => m.length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}${info}\n${s}\n${fence}`;
}

const ICON: Record<RuleResult['status'], string> = { fail: '❌ FAIL', error: '⚠️ ERROR', waived: '🟡 WAIVED', skip: '⏭️ SKIP', pass: '✅ PASS' };

function table(head: readonly string[], rows: readonly (readonly string[])[]): string {
  return [`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

function link(url: string): string {
  return isWebLink(url) ? `<${url}>` : codeSpan(url);
}

function header(report: Report): string[] {
  const { src, dst } = report.hosts;
  const o = report.options;
  const s = report.summary;
  const v = verdictOf(report);
  const icon = VERDICT_LOOK[v].icon;
  const conn = (h: HostReport): string => {
    const c = connectionLabel(h);
    return `${cs(hostLabel(h))}${c === null ? '' : ` (${cs(c)})`}${h.reachable ? '' : ' **not probed**'}`;
  };
  const out: string[] = [];
  out.push(`# ${icon} ${v}: migration ${escapeMarkdown(hostLabel(src))} → ${escapeMarkdown(hostLabel(dst))}`);
  out.push('');
  out.push(`**${v}**: ${escapeMarkdown(verdictReason(report))}`);
  out.push('');
  if (report.replayOf) {
    out.push(
      `> **Replay.** Rules re-evaluated on ${formatTime(report.replayOf.replayedAt)} against the evidence saved in ${codeSpan(report.replayOf.path)} ` +
        `(sha256 ${codeSpan(report.replayOf.sha256)}); the hosts were probed at ${formatTime(report.startedAt)}.`,
    );
    if (report.replayOf.altered?.length) out.push('>', `> **Evidence altered.** The stdout of ${report.replayOf.altered.map((x) => codeSpan(x)).join(', ')} no longer matches its recorded sha256.`);
    out.push('');
  }
  for (const [side, h] of [['Source', src], ['Destination', dst]] as const) {
    if (!h.reachable) {
      out.push(`> **${side} ${escapeMarkdown(h.target)} was not probed**${h.error ? ` (${codeSpan(h.error.code)})` : ''}: ${escapeMarkdown(h.error?.message ?? 'unreachable')}`);
      out.push('');
    }
  }
  out.push(table(['Total', 'Fail', 'Error', 'Waived', 'Skip', 'Pass'], [[`${s.total}`, `${s.fail}`, `${s.error}`, `${s.waived}`, `${s.skip}`, `${s.pass}`]]));
  out.push('');
  const rows: [string, string][] = [
    ['Source', conn(src)],
    ['Destination', conn(dst)],
    ['Started', formatTime(report.startedAt)],
    ['Finished', formatTime(report.finishedAt)],
    ['Duration', formatDuration(report.durationMs)],
    ['Run by', cs(runByLabel(report))],
    ['Tool', `${escapeMarkdown(report.tool.name)} ${escapeMarkdown(report.tool.version)} (report schema ${report.schemaVersion})`],
    ['Change', o.changeId ? cs(o.changeId) : 'none (--change-id)'],
    ['libvirt URI', cs(o.libvirtUri)],
    ['Domains', o.domains.length === 0 ? 'every running domain on the source (evacuation)' : o.domains.map((x) => cs(x)).join(', ')],
    ['Mode', `${escapeMarkdown(MODE_PHRASE[o.mode])} (${cs(`--mode ${o.mode}`)})${o.saveDir ? `, save directory ${cs(o.saveDir)}` : ''}`],
    ['Hypervisor', `${escapeMarkdown(hypervisorLabel(report) ?? 'unknown')} (${cs(`--hypervisor ${o.hypervisor ?? 'auto'}`)})`],
    ['Transport', escapeMarkdown(o.transport)],
    ['Fail on', `${escapeMarkdown(o.failOn)} (exit code ${s.exitCode})`],
    ['sudo', o.sudo ? 'yes (sudo -n)' : 'no'],
  ];
  if (o.only.length > 0) rows.push(['Only', o.only.map((x) => cs(x)).join(', ')]);
  if (o.skip.length > 0) rows.push(['Skip', o.skip.map((x) => cs(x)).join(', ')]);
  rows.push(['Waivers file', o.waivers === null ? 'none' : cs(o.waivers)]);
  rows.push(['Baseline', o.baseline === null ? 'none' : cs(o.baseline)]);
  rows.push(['Rule sets', report.rulesets.length === 0 ? 'none' : report.rulesets.map((r) => `${cs(r.path)} sha256 ${cs(r.sha256)}`).join('<br>')]);
  out.push(table(['', ''], rows));
  return out;
}

function resultsTable(report: Report, sorted: readonly RuleResult[]): string[] {
  const message = (r: RuleResult): string => {
    if (r.status === 'pass') return 'ok';
    if (isBlocked(r)) return BLOCKED_SHORT;
    const note = expiredWaiversFor(report, r).length > 0 ? ' (**expired waiver**)' : r.status === 'waived' ? ` (waived until ${escapeMarkdown(r.waiver.expires)})` : '';
    return escapeMarkdown(r.message) + note;
  };
  return ['## Results', '', table(['Status', 'Severity', 'Rule', 'Message'], sorted.map((r) => [ICON[r.status], r.severity, cs(resultKey(r)), message(r)]))];
}

function domainsTable(report: Report): string[] {
  const domains = report.domains ?? [];
  if (domains.length === 0) return [];
  return [
    '## Domains',
    '',
    table(
      ['Verdict', 'Domain', 'Move', 'Blocked by'],
      domains.map((d) => [`${lookOf(d.verdict).icon} ${VERDICT_WORD[d.verdict]}`, cs(d.name), escapeMarkdown(describeDomain(d, report.options.mode, pairKind(report))), d.blockers.map((b) => cs(blockerLabel(b))).join(', ') || '—']),
    ),
    '',
  ];
}

function evidenceBlock(label: string, value: unknown): string[] {
  return [`**${label}**`, '', fenced(prettyJson(value), 'json'), ''];
}

function detail(report: Report, r: RuleResult): string[] {
  const { src, dst } = report.hosts;
  const out: string[] = [];
  out.push(`### ${ICON[r.status]} · ${r.severity} · ${codeSpan(resultKey(r))} — ${escapeMarkdown(r.title)}`);
  out.push('');
  out.push(escapeMarkdown(r.message));
  out.push('');
  if (r.status === 'waived') {
    const w = r.waiver;
    out.push(
      `> **Waived** until ${escapeMarkdown(w.expires)} by ${escapeMarkdown(w.approver)}${w.hosts === null ? '' : ` for hosts ${codeSpan(w.hosts)}`}: ` +
        `${escapeMarkdown(w.justification)} (${codeSpan(`${w.source.file}:${w.source.line}`)})`,
    );
    out.push('');
  }
  for (const w of expiredWaiversFor(report, r)) {
    out.push(
      `> **EXPIRED waiver** (expired ${escapeMarkdown(w.expires)}, approver ${escapeMarkdown(w.approver)}, ${codeSpan(`${w.source.file}:${w.source.line}`)}) ` +
        `matched this rule but was not applied: ${escapeMarkdown(w.justification)}`,
    );
    out.push('');
  }
  if (r.evidence.src !== undefined || r.evidence.dst !== undefined) {
    const unit = r.evidence.unit ? ` (${escapeMarkdown(r.evidence.unit)})` : '';
    out.push(...evidenceBlock(`Source ${escapeMarkdown(hostLabel(src))}${unit}`, r.evidence.src));
    out.push(...evidenceBlock(`Destination ${escapeMarkdown(hostLabel(dst))}${unit}`, r.evidence.dst));
  }
  if (r.remediation) {
    out.push(`**Remediation:** ${escapeMarkdown(r.remediation.trim())}`);
    out.push('');
  }
  if (r.references.length > 0) {
    out.push(`**References:** ${r.references.map(link).join(', ')}`);
    out.push('');
  }
  return out;
}

function details(report: Report, sorted: readonly RuleResult[]): string[] {
  const shown = sorted.filter((r) => (r.status === 'fail' || r.status === 'error' || r.status === 'waived') && !isBlocked(r));
  const blocked = sorted.filter(isBlocked);
  if (shown.length === 0 && blocked.length === 0) return [];
  const out: string[] = ['## Findings', ''];
  if (blocked.length > 0) {
    out.push(`${plural(blocked.length, 'rule was', 'rules were')} not evaluated because a host was not probed: ${escapeMarkdown(blocked[0]?.message ?? '')}`);
    out.push('');
    out.push(blocked.map((r) => codeSpan(resultKey(r))).join(', '));
    out.push('');
  }
  for (const r of shown) out.push(...detail(report, r));
  return out;
}

function waivers(report: Report): string[] {
  if (report.waivers.length === 0) return [];
  return [
    '## Waivers',
    '',
    `${waiverTally(report)}.${waiverCount(report, 'expired') > 0 ? ` ${EXPIRED_WAIVERS_NOTE}` : ''}`,
    '',
    table(
      ['Rule', 'Hosts', 'Justification', 'Approver', 'Expires', 'State', 'Source'],
      report.waivers.map((w) => [
        cs(w.rule),
        w.hosts === null ? 'any' : cs(w.hosts),
        escapeMarkdown(w.justification),
        escapeMarkdown(w.approver),
        escapeMarkdown(w.expires),
        w.state === 'expired' ? '⚠️ **EXPIRED**' : w.state === 'applied' ? '**applied**' : 'unused',
        cs(`${w.source.file}:${w.source.line}`),
      ]),
    ),
  ];
}

function drift(report: Report): string[] {
  const d = report.drift;
  if (!d) return [];
  const ids = (xs: readonly string[]): string => (xs.length === 0 ? 'none' : xs.map((x) => codeSpan(x)).join(', '));
  const out = [
    '## Drift since baseline',
    '',
    `Compared with ${codeSpan(d.baseline.path)} from ${escapeMarkdown(formatTime(d.baseline.startedAt))} (sha256 ${codeSpan(d.baseline.sha256)}): ` +
      `${d.new.length} new, ${d.resolved.length} resolved, ${d.changed.length} changed.`,
    '',
    `- **New failures:** ${ids(d.new)}`,
    `- **Resolved:** ${ids(d.resolved)}`,
    `- **Changed:** ${d.changed.length === 0 ? 'none' : `${d.changed.length}, below`}`,
  ];
  if (d.changed.length > 0) {
    out.push('');
    out.push(table(['Rule', 'Before', 'Now'], d.changed.map((c) => [cs(c.id), escapeMarkdown(c.before), escapeMarkdown(c.after)])));
  }
  return out;
}

function probe(id: string, p: ProbeOutput): string[] {
  const out = [
    `#### ${codeSpan(id)}`,
    '',
    `exit code ${p.exitCode === null ? 'none (did not finish)' : p.exitCode} · ${p.durationMs} ms · stdout sha256 ${codeSpan(p.sha256)}` +
      `${p.truncated ? ' · **stdout truncated** at the per-probe cap (the sha256 is of the full output)' : ''}`,
    '',
    fenced(p.command, 'sh'),
    '',
  ];
  out.push(p.stdout === '' ? '_stdout empty_' : fenced(p.stdout), '');
  if (p.stderr !== '') out.push('stderr:', '', fenced(p.stderr), '');
  return out;
}

function hostSection(side: 'Source' | 'Destination', h: HostReport): string[] {
  const probes = Object.entries(h.probes);
  // <summary> is HTML, not Markdown: escape for HTML there.
  const out = [`<details><summary>${side}: ${escapeHtml(hostLabel(h))} (${h.reachable ? `${probes.length} probes` : 'not probed'})</summary>`, ''];
  const conn = connectionLabel(h);
  const key = h.hostKey ? `${escapeMarkdown(h.hostKey.type)} ${cs(h.hostKey.fingerprint)} (${h.hostKey.status === 'known' ? 'known' : '**accepted as new**'})` : 'none (not connected)';
  out.push(
    table(
      ['', ''],
      [
        ['Target', cs(h.target)],
        ['Connection', conn === null ? 'none' : cs(conn)],
        ['Hostname', h.hostname === null ? 'unknown' : cs(h.hostname)],
        ['Reachable', h.reachable ? 'yes' : `**no**${h.error ? `: ${cs(h.error.code)} ${escapeMarkdown(h.error.message)}` : ''}`],
        ['Host key', key],
        ['Probe errors', h.probeErrors.length === 0 ? 'none' : h.probeErrors.map((f) => `${cs(f.probe)}: ${escapeMarkdown(f.reason)}`).join('<br>')],
      ],
    ),
    '',
  );
  for (const [id, p] of probes) out.push(...probe(id, p));
  out.push('</details>', '');
  return out;
}

/**
 * The report for tickets and merge requests (GitHub/GitLab flavoured Markdown): verdict heading,
 * summary and results tables, each failure with its evidence, waivers, drift, and the raw probe
 * outputs in collapsed <details>. Host text is escaped; output depends on the inputs only.
 */
export function renderMarkdown(report: Report, ctx: ReportContext): string {
  const sorted = sortResults(report.results);
  const parts: string[] = [
    ...header(report),
    '',
    ...domainsTable(report),
    ...resultsTable(report, sorted),
    '',
    ...details(report, sorted),
    ...waivers(report),
    '',
    ...drift(report),
    '',
    `## Sign-off${report.options.changeId ? `: change ${codeSpan(report.options.changeId)}` : ''}`,
    '',
    table(['Role', 'Name', 'Signature', 'Date'], SIGN_OFF_ROLES.map((r) => [r, ' ', ' ', ' '])),
    '',
    '## Host evidence',
    '',
    ...hostSection('Source', report.hosts.src),
    ...hostSection('Destination', report.hosts.dst),
    '---',
    '',
    `JSON report sha256: ${codeSpan(ctx.reportSha256)} · generated by ${escapeMarkdown(report.tool.name)} ${escapeMarkdown(report.tool.version)} ` +
      `from the run started ${formatTime(report.startedAt)}`,
  ];
  return `${parts.join('\n')}\n`;
}
