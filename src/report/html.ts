import type { HostReport, ProbeOutput, Report, RuleResult, Severity, Status, WaiverState } from '../types.js';
import { SEVERITIES } from '../types.js';
import type { ReportContext } from './index.js';
import { covers } from '../checks/waivers.js';
import { atOrAbove } from '../checks/evaluate.js';
import { sanitizeForTerminal } from './sanitize.js';
import { resultKey } from '../checks/drift.js';
import { blockerLabel, describeDomain, hypervisorLabel, pairKind, VERDICT_LABEL } from './domains.js';
import { MODE_PHRASE } from '../checks/rule-schema.js';

/** The board's one-word answer, from the exit code: 0 GO, 1 NO-GO, anything else INCOMPLETE. */
export type Verdict = 'GO' | 'NO-GO' | 'INCOMPLETE';

export function verdictOf(report: Report): Verdict {
  return report.summary.exitCode === 0 ? 'GO' : report.summary.exitCode === 1 ? 'NO-GO' : 'INCOMPLETE';
}

/** One sentence saying why the verdict is what it is. */
export function verdictReason(report: Report): string {
  const failOn = report.options.failOn;
  const v = verdictOf(report);
  if (v === 'GO') {
    return failOn === 'never' ? 'The gate is disabled (--fail-on never).' : `No failure at or above ${failOn} severity.`;
  }
  if (v === 'NO-GO') {
    const n = report.results.filter((r) => r.status === 'fail' && atOrAbove(r.severity, failOn)).length;
    return `${n} ${n === 1 ? 'rule fails' : 'rules fail'} at or above ${failOn} severity.`;
  }
  if (report.summary.interrupted) return `The run was interrupted (${report.summary.interrupted}); this report holds what was collected until then.`;
  if (report.summary.ungated) return `No rule at or above ${failOn} severity was decided (all skipped or below it): nothing to give a GO on.`;
  const down = (['src', 'dst'] as const).filter((s) => !report.hosts[s].reachable);
  if (down.length > 0) return `The ${down.map((s) => (s === 'src' ? 'source' : 'destination')).join(' and ')} could not be probed; the checks are incomplete.`;
  return `A rule at or above ${failOn} severity could not be evaluated; the checks are incomplete.`;
}

export const STATUS_ORDER: Record<Status, number> = { fail: 0, error: 1, waived: 2, skip: 3, pass: 4 };

/** Results failures first (fail, error, waived, skip, pass), then by severity, then by id (code-point order: locale-independent). */
export function sortResults(results: readonly RuleResult[]): RuleResult[] {
  return [...results].sort(
    (a, b) =>
      STATUS_ORDER[a.status] - STATUS_ORDER[b.status] ||
      SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity) ||
      (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
}

/** What a blocked rule says in a results table (the full reason is given once, above it). */
export const BLOCKED_SHORT = 'not evaluated: a host was not probed';

/** Who signs a change off, in the HTML and Markdown reports. */
export const SIGN_OFF_ROLES = ['Prepared by (operator)', 'Reviewed by', 'Approved by (change-advisory board)'] as const;

/** Rules in error only because a host was not probed: they all say the same thing. */
export function isBlocked(r: RuleResult): boolean {
  return r.messageId === 'error.unreachable';
}

/** Expired waivers that would have covered this failure (same matching as the waiver engine). */
export function expiredWaiversFor(report: Report, r: RuleResult): WaiverState[] {
  if (r.status !== 'fail') return [];
  return report.waivers.filter((w) => w.state === 'expired' && covers(w, r, report.hosts));
}

/**
 * JSON for people: objects indented, arrays of scalars kept on one line (a CPU flag list is one
 * wrapped paragraph, not a hundred lines).
 */
export function prettyJson(value: unknown, indent = ''): string {
  if (value === undefined) return '(none)';
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? String(value);
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    if (value.every((v) => v === null || typeof v !== 'object')) return `[${value.map((v) => JSON.stringify(v) ?? 'null').join(', ')}]`;
    return `[\n${value.map((v) => inner + prettyJson(v, inner)).join(',\n')}\n${indent}]`;
  }
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
  if (entries.length === 0) return '{}';
  return `{\n${entries.map(([k, v]) => `${inner}${JSON.stringify(k)}: ${prettyJson(v, inner)}`).join(',\n')}\n${indent}}`;
}

/** "2026-11-22T00:31:57.427Z" -> "2026-11-22 00:31:57 UTC"; anything else unchanged. */
export function formatTime(iso: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(?:\.\d+)?Z$/.exec(iso);
  return m ? `${m[1]} ${m[2]} UTC` : iso;
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(2)} s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)} min ${s % 60} s`;
}

/** "target" or "target (hostname)" when the host calls itself something else. */
export function hostLabel(h: HostReport): string {
  return h.hostname && h.hostname !== h.target ? `${h.target} (${h.hostname})` : h.target;
}

/** Only plain web links become links; anything else (javascript:, data:, file:) stays text. */
export function isWebLink(url: string): boolean {
  return /^https?:\/\/[^\s<>"'`]+$/i.test(url);
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text (from a host, a file, anywhere) made inert for HTML: CRLF read as a newline, terminal escapes neutralised, then & < > " ' escaped. */
export function escapeHtml(text: unknown): string {
  return sanitizeForTerminal(String(text).replace(/\r\n/g, '\n')).replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}

const e = escapeHtml;

const STATUS_LABEL: Record<Status, string> = { fail: 'FAIL', error: 'ERROR', waived: 'WAIVED', skip: 'SKIP', pass: 'PASS' };
const GROUP_TITLE: Record<Status, string> = { fail: 'Failures', error: 'Errors', waived: 'Waived failures', skip: 'Skipped', pass: 'Passed' };

/** The report's stylesheet (inlined: the CSP allows no fetch); the fleet report extends it. */
export const CSS = `
:root{--fg:#1b1f24;--muted:#57606a;--line:#d0d7de;--bg:#fff;--soft:#f6f8fa;
--fail:#b42318;--fail-bg:#fef3f2;--error:#7a2e9e;--error-bg:#f8f0fc;--waived:#9a6700;--waived-bg:#fff8e1;
--skip:#57606a;--skip-bg:#f3f4f6;--pass:#1a7f37;--pass-bg:#edfbef}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
main{max-width:1180px;margin:0 auto;padding:24px 28px 40px}
h1{font-size:26px;margin:0 0 4px}
h2{font-size:20px;margin:32px 0 10px;padding-bottom:4px;border-bottom:2px solid var(--line)}
h3{font-size:16px;margin:18px 0 8px}
a{color:#0a58ca}
code,pre,.mono{font-family:ui-monospace,SFMono-Regular,"DejaVu Sans Mono",Menlo,Consolas,monospace;font-size:13px}
pre{background:var(--soft);border:1px solid var(--line);border-radius:6px;padding:8px 10px;margin:4px 0;white-space:pre-wrap;overflow-wrap:anywhere;max-height:32em;overflow:auto}
.sub{color:var(--muted);margin:0 0 16px}
.verdict{display:flex;flex-wrap:wrap;align-items:center;gap:18px 28px;border-radius:10px;padding:18px 24px;margin:16px 0 20px;border:2px solid}
.verdict .word{font-size:44px;font-weight:800;letter-spacing:1px;line-height:1}
.verdict .why{font-size:17px;font-weight:600}
.verdict .notes{margin-top:8px;font-size:14px;color:var(--fg)}
.verdict .notes a{color:inherit}
.meta{display:grid;grid-template-columns:1fr 1fr;gap:0 28px}
.meta h3{margin:4px 0 2px;font-size:13px;text-transform:uppercase;letter-spacing:.5px;color:var(--muted)}
.small{font-size:11px}
.nowrap{white-space:nowrap}
.label .host{text-transform:none;letter-spacing:0;color:var(--fg);font-family:ui-monospace,SFMono-Regular,"DejaVu Sans Mono",Menlo,Consolas,monospace}
table.results td:nth-child(3){white-space:nowrap}
.signoff td{height:34px}
.signoff td:first-child{width:22%;font-weight:600}
.v-go{background:var(--pass-bg);border-color:var(--pass);color:var(--pass)}
.v-nogo{background:var(--fail-bg);border-color:var(--fail);color:var(--fail)}
.v-incomplete{background:var(--error-bg);border-color:var(--error);color:var(--error)}
.counts{display:flex;flex-wrap:wrap;gap:8px;margin-top:8px}
.count{border-radius:999px;padding:2px 12px;font-weight:600;font-size:14px;border:1px solid;background:#fff}
.count.zero{opacity:.5}
.count.total{color:var(--fg);border-color:var(--line)}
.s-fail{color:var(--fail);border-color:var(--fail);background:var(--fail-bg)}
.s-error{color:var(--error);border-color:var(--error);background:var(--error-bg)}
.s-waived{color:var(--waived);border-color:var(--waived);background:var(--waived-bg)}
.s-skip{color:var(--skip);border-color:#9ca3af;background:var(--skip-bg)}
.s-pass{color:var(--pass);border-color:var(--pass);background:var(--pass-bg)}
.badge{display:inline-block;min-width:64px;text-align:center;border-radius:4px;padding:1px 6px;font-weight:700;font-size:12px;border:1px solid;letter-spacing:.5px}
.sev{display:inline-block;border-radius:4px;padding:1px 6px;font-size:12px;font-weight:600;background:var(--soft);border:1px solid var(--line)}
.sev-critical{background:#1b1f24;color:#fff;border-color:#1b1f24}
.sev-major{background:#fff;color:var(--fg);border-color:var(--fg)}
table{border-collapse:collapse;width:100%;margin:6px 0 12px}
th,td{text-align:left;vertical-align:top;padding:5px 8px;border-bottom:1px solid var(--line)}
th{background:var(--soft);font-weight:600}
table.kv th{width:130px;background:none;color:var(--muted);font-weight:500}
table.kv td,table.kv th{border-bottom:1px solid #eaeef2}
tr.row-fail td:first-child{box-shadow:inset 4px 0 var(--fail)}
tr.row-error td:first-child{box-shadow:inset 4px 0 var(--error)}
tr.row-waived td:first-child{box-shadow:inset 4px 0 var(--waived)}
tr.expired td{background:var(--waived-bg)}
.alert{border:2px solid var(--error);background:var(--error-bg);border-radius:8px;padding:10px 14px;margin:12px 0}
.alert.replay{border-color:#0a58ca;background:#eef5ff}
.rule{border:1px solid var(--line);border-left:6px solid var(--line);border-radius:6px;margin:10px 0;background:#fff}
.rule>summary{padding:8px 12px;cursor:pointer;list-style-position:outside;display:flex;flex-wrap:wrap;gap:6px 10px;align-items:center}
.rule>summary .id{font-weight:700}
.rule>summary .title{color:var(--muted)}
.rule .body{padding:2px 14px 12px}
.rule.st-fail{border-left-color:var(--fail)}
.rule.st-error{border-left-color:var(--error)}
.rule.st-waived{border-left-color:var(--waived)}
.rule.st-pass{border-left-color:var(--pass)}
.rule.st-skip{border-left-color:#9ca3af}
.msg{font-size:16px;font-weight:600;margin:8px 0}
.label{font-size:12px;font-weight:700;text-transform:uppercase;letter-spacing:.5px;color:var(--muted);margin:10px 0 2px}
.ev{display:grid;grid-template-columns:1fr 1fr;gap:12px}
.ev>div{min-width:0}
.fix{background:#eef5ff;border:1px solid #b6d4fe;border-radius:6px;padding:8px 10px;white-space:pre-wrap}
.waiver{background:var(--waived-bg);border:1px solid #e9c46a;border-radius:6px;padding:8px 10px;margin:8px 0}
.expired-note{background:var(--waived-bg);border:1px dashed var(--waived);border-radius:6px;padding:6px 10px;margin:8px 0;color:#6b4a00}
.tag-expired{display:inline-block;background:var(--waived);color:#fff;font-weight:700;border-radius:4px;padding:0 6px;font-size:12px}
ul.refs{margin:2px 0;padding-left:20px}
details.host{border:1px solid var(--line);border-radius:6px;margin:10px 0}
details.host>summary{padding:8px 12px;font-weight:600;cursor:pointer;background:var(--soft)}
details.host>.body{padding:4px 14px 12px}
details.probe{border-top:1px solid #eaeef2;padding:4px 0}
details.probe>summary{cursor:pointer;padding:3px 0}
.pbody{padding:0 0 8px 18px}
.pmeta{margin:4px 0;font-size:13px;color:var(--muted)}
.pmeta .mono{color:var(--fg);overflow-wrap:anywhere}
.unreach{color:var(--error);font-weight:700}
.muted{color:var(--muted)}
ul.ids{columns:3;margin:4px 0}
footer{margin-top:36px;padding-top:10px;border-top:2px solid var(--line);color:var(--muted);font-size:13px}
footer .mono{color:var(--fg);overflow-wrap:anywhere}
@media (max-width:760px){.ev,.meta{grid-template-columns:1fr}ul.ids{columns:1}}
@media print{
body{font-size:11pt}main{max-width:none;padding:0}
details>summary{list-style:none}
details::details-content{content-visibility:visible;display:contents}
details:not([open])>*:not(summary){display:block}
pre{max-height:none;overflow:visible}
.rule,.verdict,tr{break-inside:avoid}
a{color:inherit}
}
`;

/**
 * One self-contained page: no script, nothing fetched (the CSP allows inline styles and data:
 * images only), no referrer. The title must be escaped already; the body is HTML.
 */
export function htmlPage(title: string, css: string, body: readonly string[]): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<style>${css}</style>
</head>
<body>
<main>
${body.join('\n')}
</main>
</body>
</html>
`;
}

/** A status pill (FAIL, ERROR, ...). */
export function badge(status: Status): string {
  return `<span class="badge s-${status}">${STATUS_LABEL[status]}</span>`;
}

/** A severity tag. */
export function sev(s: Severity): string {
  return `<span class="sev sev-${s}">${s}</span>`;
}

/** A two-column key/value table; labels and values are HTML, already escaped by the caller. */
export function kv(rows: readonly (readonly [string, string] | null)[]): string {
  return `<table class="kv">${rows
    .filter((r): r is readonly [string, string] => r !== null)
    .map(([k, v]) => `<tr><th scope="row">${k}</th><td>${v}</td></tr>`)
    .join('')}</table>`;
}

function list(items: readonly string[], none = '<span class="muted">none</span>'): string {
  return items.length === 0 ? none : items.map((i) => `<code>${e(i)}</code>`).join(', ');
}

function link(url: string): string {
  return isWebLink(url) ? `<a href="${e(url)}" rel="noopener noreferrer">${e(url)}</a>` : `<span class="mono">${e(url)}</span>`;
}

/** Anchor ids from rule ids: only safe characters, made unique. */
function anchors(results: readonly RuleResult[]): Map<RuleResult, string> {
  const seen = new Map<string, number>();
  const out = new Map<RuleResult, string>();
  for (const r of results) {
    const base = `rule-${resultKey(r).replace(/[^A-Za-z0-9._-]/g, '_')}`;
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.set(r, n === 0 ? base : `${base}-${n + 1}`);
  }
  return out;
}

function waiverBox(w: RuleResult['waiver']): string {
  if (!w) return '';
  return (
    `<div class="waiver"><strong>Waived</strong> until ${e(w.expires)} by ${e(w.approver)}` +
    `${w.hosts === null ? '' : ` for hosts <code>${e(w.hosts)}</code>`}: ${e(w.justification)}` +
    ` <span class="muted">(${e(w.source.file)}:${w.source.line})</span></div>`
  );
}

function ruleCard(report: Report, r: RuleResult, id: string): string {
  const { src, dst } = report.hosts;
  const open = (r.status === 'fail' || r.status === 'error' || r.status === 'waived') && !isBlocked(r);
  const parts: string[] = [];
  parts.push(`<p class="msg">${e(r.message)}</p>`);
  if (r.status === 'waived') parts.push(waiverBox(r.waiver));
  for (const w of expiredWaiversFor(report, r)) {
    parts.push(
      `<p class="expired-note"><span class="tag-expired">EXPIRED</span> waiver (expired ${e(w.expires)}, approver ${e(w.approver)}, ` +
        `${e(w.source.file)}:${w.source.line}) matched this rule but was not applied: ${e(w.justification)}</p>`,
    );
  }
  const hasEvidence = r.evidence.src !== undefined || r.evidence.dst !== undefined;
  const unit = r.evidence.unit ? ` <span class="muted">(${e(r.evidence.unit)})</span>` : '';
  if (hasEvidence) {
    parts.push(
      `<div class="ev"><div><div class="label">Source <span class="host">${e(hostLabel(src))}</span>${unit}</div><pre>${e(prettyJson(r.evidence.src))}</pre></div>` +
        `<div><div class="label">Destination <span class="host">${e(hostLabel(dst))}</span>${unit}</div><pre>${e(prettyJson(r.evidence.dst))}</pre></div></div>`,
    );
  } else {
    parts.push(`<p class="muted">No evidence recorded.</p>`);
  }
  if (r.remediation) parts.push(`<div class="label">Remediation</div><div class="fix">${e(r.remediation.trim())}</div>`);
  if (r.references.length > 0) parts.push(`<div class="label">References</div><ul class="refs">${r.references.map((u) => `<li>${link(u)}</li>`).join('')}</ul>`);
  parts.push(`<p class="muted">Message id <code>${e(r.messageId)}</code></p>`);
  return (
    `<details class="rule st-${r.status}" id="${id}"${open ? ' open' : ''}>` +
    `<summary>${badge(r.status)} ${sev(r.severity)} <span class="id mono">${e(resultKey(r))}</span> <span class="title">${e(r.title)}</span></summary>` +
    `<div class="body">${parts.join('\n')}</div></details>`
  );
}

function header(report: Report): string {
  const { src, dst } = report.hosts;
  const o = report.options;
  const s = report.summary;
  const v = verdictOf(report);
  const cls = v === 'GO' ? 'v-go' : v === 'NO-GO' ? 'v-nogo' : 'v-incomplete';
  const counts = (['fail', 'error', 'waived', 'skip', 'pass'] as const).map((k) => `<span class="count s-${k}${s[k] === 0 ? ' zero' : ''}">${s[k]} ${k}</span>`).join('');
  const conn = (h: HostReport): string => (h.connection ? ` <span class="muted">(${e(`${h.connection.user}@${h.connection.host}:${h.connection.port}`)})</span>` : '');
  const hostCell = (h: HostReport): string =>
    `<strong>${e(hostLabel(h))}</strong>${conn(h)}${h.reachable ? '' : ` <span class="unreach">not probed</span>`}`;
  const notes: string[] = [];
  const expired = report.waivers.filter((w) => w.state === 'expired').length;
  const applied = report.waivers.filter((w) => w.state === 'applied').length;
  if (report.waivers.length > 0) notes.push(`<a href="#waivers">Waivers</a>: ${applied} applied${expired > 0 ? `, <strong>${expired} expired</strong>` : ''}`);
  if (report.drift) notes.push(`<a href="#drift">Since baseline</a>: ${report.drift.new.length} new, ${report.drift.resolved.length} resolved, ${report.drift.changed.length} changed`);
  const out: string[] = [];
  out.push(`<h1>Migration pre-flight: ${e(hostLabel(src))} → ${e(hostLabel(dst))}</h1>`);
  out.push(`<p class="sub">${e(report.tool.name)} ${e(report.tool.version)} · ${e(formatTime(report.startedAt))} · run by ${e(`${report.runBy.user}@${report.runBy.host}`)}</p>`);
  if (report.replayOf) {
    out.push(
      `<div class="alert replay"><strong>Replay.</strong> Rules re-evaluated on ${e(formatTime(report.replayOf.replayedAt))} against the evidence saved in ` +
        `<code>${e(report.replayOf.path)}</code> (sha256 <code>${e(report.replayOf.sha256)}</code>); the hosts were probed at ${e(formatTime(report.startedAt))}.</div>`,
    );
    if (report.replayOf.altered?.length) {
      out.push(`<div class="alert altered"><strong>Evidence altered.</strong> The stdout of ${e(report.replayOf.altered.join(', '))} no longer matches its recorded sha256.</div>`);
    }
  }
  out.push(
    `<section class="verdict ${cls}" aria-label="verdict"><div class="word">${v}</div><div><div class="why">${e(verdictReason(report))}</div>` +
      `<div class="counts"><span class="count total">${s.total} rules</span>${counts}</div>${notes.length > 0 ? `<div class="notes">${notes.join(' · ')}</div>` : ''}</div></section>`,
  );
  for (const [side, h] of [['Source', src], ['Destination', dst]] as const) {
    if (!h.reachable) out.push(`<div class="alert"><strong>${side} ${e(h.target)} was not probed</strong>${h.error ? ` (${e(h.error.code)})` : ''}: ${e(h.error?.message ?? 'unreachable')}</div>`);
  }
  const ruleSets =
    report.rulesets.length === 0
      ? '<span class="muted">none</span>'
      : report.rulesets.map((r) => `<code>${e(r.path)}</code><br><span class="muted mono small">sha256 ${e(r.sha256)}</span>`).join('<br>');
  out.push(
    `<div class="meta"><div><h3>Run</h3>` +
      kv([
        ['Source', hostCell(src)],
        ['Destination', hostCell(dst)],
        ['Started', e(formatTime(report.startedAt))],
        ['Finished', e(formatTime(report.finishedAt))],
        ['Duration', e(formatDuration(report.durationMs))],
        ['Run by', `<code>${e(`${report.runBy.user}@${report.runBy.host}`)}</code>`],
        ['Tool', `${e(report.tool.name)} ${e(report.tool.version)} <span class="muted">(report schema ${report.schemaVersion})</span>`],
      ]) +
      `</div><div><h3>Options</h3>` +
      kv([
        ['Change', o.changeId ? `<code>${e(o.changeId)}</code>` : '<span class="muted">none (--change-id)</span>'],
        ['libvirt URI', `<code>${e(o.libvirtUri)}</code>`],
        ['Domains', o.domains.length === 0 ? 'every running domain on the source (evacuation)' : list(o.domains)],
        ['Hypervisor', `${e(hypervisorLabel(report) ?? 'unknown')} <span class="muted">(--hypervisor ${e(o.hypervisor ?? 'auto')})</span>`],
        ['Mode', `${e(MODE_PHRASE[o.mode])} <span class="muted">(--mode ${e(o.mode)})</span>${o.saveDir ? `, save directory <code>${e(o.saveDir)}</code>` : ''}`],
        ['Transport', e(o.transport)],
        ['Fail on', `${e(o.failOn)} <span class="muted">(exit code ${s.exitCode})</span>`],
        ['sudo', o.sudo ? 'yes (sudo -n)' : 'no'],
        o.only.length > 0 ? ['Only', list(o.only)] : null,
        o.skip.length > 0 ? ['Skip', list(o.skip)] : null,
        ['Waivers file', o.waivers === null ? '<span class="muted">none</span>' : `<code>${e(o.waivers)}</code>`],
        ['Baseline', o.baseline === null ? '<span class="muted">none</span>' : `<code>${e(o.baseline)}</code>`],
        ['Rule sets', ruleSets],
      ]) +
      `</div></div>`,
  );
  return out.join('\n');
}

function domainsTable(report: Report): string {
  const domains = report.domains ?? [];
  if (domains.length === 0) return '';
  const cls = { go: 'pass', 'no-go': 'fail', unknown: 'error' } as const;
  const rows = domains.map(
    (d) =>
      `<tr class="row-${cls[d.verdict]}"><td><span class="badge s-${cls[d.verdict]}">${VERDICT_LABEL[d.verdict]}</span></td><td class="mono">${e(d.name)}</td>` +
      `<td>${e(describeDomain(d, report.options.mode, pairKind(report)))}</td><td>${d.blockers.map((b) => `<span class="mono">${e(blockerLabel(b))}</span>`).join(', ') || '<span class="muted">none</span>'}</td></tr>`,
  );
  return `<h2>Domains</h2><table class="overview"><thead><tr><th>Verdict</th><th>Domain</th><th>Move</th><th>Blocked by</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function overview(report: Report, sorted: readonly RuleResult[], ids: Map<RuleResult, string>): string {
  const rows = sorted.map((r) => {
    const msg = r.status === 'pass' ? '<span class="muted">ok</span>' : isBlocked(r) ? `<span class="muted">${BLOCKED_SHORT}</span>` : e(r.message);
    const note = expiredWaiversFor(report, r).length > 0 ? ' <span class="tag-expired">EXPIRED WAIVER</span>' : r.status === 'waived' ? ` <span class="muted">(waived until ${e(r.waiver.expires)})</span>` : '';
    return (
      `<tr class="row-${r.status}"><td>${badge(r.status)}</td><td>${sev(r.severity)}</td>` +
      `<td><a href="#${ids.get(r) ?? ''}" class="mono">${e(resultKey(r))}</a></td><td>${msg}${note}</td></tr>`
    );
  });
  return `<table class="overview results"><thead><tr><th>Status</th><th>Severity</th><th>Rule</th><th>Message</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function results(report: Report, sorted: readonly RuleResult[], ids: Map<RuleResult, string>): string {
  const out: string[] = [];
  for (const status of ['fail', 'error', 'waived', 'skip', 'pass'] as const) {
    const group = sorted.filter((r) => r.status === status);
    if (group.length === 0) continue;
    out.push(`<h3>${GROUP_TITLE[status]} (${group.length})</h3>`);
    const blocked = group.filter(isBlocked);
    if (blocked.length > 0) {
      out.push(
        `<div class="alert">${blocked.length} ${blocked.length === 1 ? 'rule was' : 'rules were'} not evaluated because a host was not probed: ` +
          `${e(blocked[0]?.message ?? '')}<ul class="ids">${blocked.map((r) => `<li><a href="#${ids.get(r) ?? ''}" class="mono">${e(resultKey(r))}</a></li>`).join('')}</ul></div>`,
      );
    }
    for (const r of group) out.push(ruleCard(report, r, ids.get(r) ?? ''));
  }
  return out.join('\n');
}

function waivers(report: Report): string {
  if (report.waivers.length === 0) return '';
  const n = (st: WaiverState['state']): number => report.waivers.filter((w) => w.state === st).length;
  const rows = report.waivers.map((w) => {
    const state = w.state === 'expired' ? `<span class="tag-expired">EXPIRED</span>` : w.state === 'applied' ? '<strong>applied</strong>' : '<span class="muted">unused</span>';
    return (
      `<tr class="${w.state}"><td><code>${e(w.rule)}</code></td><td>${w.hosts === null ? '<span class="muted">any</span>' : `<code>${e(w.hosts)}</code>`}</td>` +
      `<td>${e(w.justification)}</td><td>${e(w.approver)}</td><td class="mono nowrap">${e(w.expires)}</td><td>${state}</td>` +
      `<td class="mono">${e(w.source.file)}:${w.source.line}</td></tr>`
    );
  });
  return (
    `<section id="waivers"><h2>Waivers</h2><p>${n('applied')} applied, ${n('expired')} expired, ${n('unused')} unused.` +
    `${n('expired') > 0 ? ' Expired waivers are ignored: the failures they named count again.' : ''}</p>` +
    `<table><thead><tr><th>Rule</th><th>Hosts</th><th>Justification</th><th>Approver</th><th>Expires</th><th>State</th><th>Source</th></tr></thead>` +
    `<tbody>${rows.join('')}</tbody></table></section>`
  );
}

function drift(report: Report, anchorOf: Map<RuleResult, string>): string {
  const d = report.drift;
  if (!d) return '';
  const ref = (id: string): string => {
    const r = report.results.find((x) => resultKey(x) === id);
    const a = r ? anchorOf.get(r) : undefined;
    return a ? `<a href="#${a}" class="mono">${e(id)}</a>` : `<code>${e(id)}</code>`;
  };
  const ids = (xs: readonly string[]): string => (xs.length === 0 ? '<span class="muted">none</span>' : `<ul>${xs.map((x) => `<li>${ref(x)}</li>`).join('')}</ul>`);
  const changed =
    d.changed.length === 0
      ? '<span class="muted">none</span>'
      : `<table><thead><tr><th>Rule</th><th>Before</th><th>Now</th></tr></thead><tbody>${d.changed
          .map((c) => `<tr><td>${ref(c.id)}</td><td>${e(c.before)}</td><td>${e(c.after)}</td></tr>`)
          .join('')}</tbody></table>`;
  return (
    `<section id="drift"><h2>Drift since baseline</h2>` +
    `<p>Compared with <code>${e(d.baseline.path)}</code> from ${e(formatTime(d.baseline.startedAt))} <span class="muted mono">(sha256 ${e(d.baseline.sha256)})</span>: ` +
    `${d.new.length} new, ${d.resolved.length} resolved, ${d.changed.length} changed.</p>` +
    `<div class="label">New failures</div>${ids(d.new)}<div class="label">Resolved</div>${ids(d.resolved)}<div class="label">Changed</div>${changed}</section>`
  );
}

function probe(id: string, p: ProbeOutput): string {
  const exit = p.exitCode === null ? '<span class="unreach">did not finish</span>' : p.exitCode === 0 ? '0' : `<span class="unreach">${p.exitCode}</span>`;
  const truncated = p.truncated ? ' <span class="tag-expired">TRUNCATED</span>' : '';
  const meta = [
    `exit code ${exit}`,
    `${p.durationMs} ms`,
    `stdout sha256 <span class="mono">${e(p.sha256)}</span>`,
    ...(p.truncated ? ['<strong>stdout truncated</strong> at the per-probe cap (the sha256 is of the full output)'] : []),
    ...(p.stderr === '' ? ['stderr empty'] : []),
  ];
  return (
    `<details class="probe"><summary><code>${e(id)}</code> <span class="muted">exit ${p.exitCode === null ? '-' : p.exitCode}, ${p.durationMs} ms, ${p.stdout.length} chars</span>${truncated}</summary>` +
    `<div class="pbody"><div class="label">Command</div><pre>${e(p.command)}</pre><p class="pmeta">${meta.join(' · ')}</p>` +
    `<div class="label">stdout</div>${p.stdout === '' ? '<p class="muted">(empty)</p>' : `<pre>${e(p.stdout)}</pre>`}` +
    `${p.stderr === '' ? '' : `<div class="label">stderr</div><pre>${e(p.stderr)}</pre>`}</div></details>`
  );
}

function hostSection(side: 'Source' | 'Destination', h: HostReport): string {
  const probes = Object.entries(h.probes);
  const key = h.hostKey
    ? `${e(h.hostKey.type)} <span class="mono">${e(h.hostKey.fingerprint)}</span> ${h.hostKey.status === 'known' ? '(known)' : '<strong>(accepted as new)</strong>'}`
    : '<span class="muted">none (not connected)</span>';
  const body = [
    kv([
      ['Target', `<code>${e(h.target)}</code>`],
      ['Connection', h.connection ? `<code>${e(`${h.connection.user}@${h.connection.host}:${h.connection.port}`)}</code>` : '<span class="muted">none</span>'],
      ['Hostname', h.hostname === null ? '<span class="muted">unknown</span>' : e(h.hostname)],
      ['Reachable', h.reachable ? 'yes' : `<span class="unreach">no</span>${h.error ? `: ${e(h.error.code)} ${e(h.error.message)}` : ''}`],
      ['Host key', key],
      [
        'Probe errors',
        h.probeErrors.length === 0 ? '<span class="muted">none</span>' : h.probeErrors.map((f) => `<code>${e(f.probe)}</code>: ${e(f.reason)}`).join('<br>'),
      ],
    ]),
    probes.length === 0 ? '<p class="muted">No probe output.</p>' : `<div class="label">Probes (${probes.length})</div>${probes.map(([id, p]) => probe(id, p)).join('')}`,
    Object.keys(h.facts).length === 0 ? '' : `<details class="probe"><summary>Parsed facts</summary><pre>${e(prettyJson(h.facts))}</pre></details>`,
  ];
  const status = h.reachable ? `${probes.length} probes` : 'not probed';
  return `<details class="host"><summary>${side}: ${e(hostLabel(h))} <span class="muted">(${status})</span></summary><div class="body">${body.join('\n')}</div></details>`;
}

/** Blank sign-off lines for the change-advisory board, on paper or in a PDF (the pair and the fleet report). */
export function signOff(id: string | null | undefined): string {
  const rows = SIGN_OFF_ROLES.map((r) => `<tr><td>${e(r)}</td><td></td><td></td><td></td></tr>`).join('');
  return (
    `<section id="sign-off" class="signoff"><h2>Sign-off${id ? `: change <code>${e(id)}</code>` : ''}</h2>` +
    `<table><thead><tr><th>Role</th><th>Name</th><th>Signature</th><th>Date</th></tr></thead><tbody>${rows}</tbody></table></section>`
  );
}

/**
 * The change-advisory-board report: one self-contained HTML5 page (inline CSS, no script, nothing
 * fetched) with the verdict, every result and its evidence, waivers, drift and the raw probe
 * outputs. Every string from a host or a file is escaped; output depends on the inputs only.
 */
export function renderHtml(report: Report, ctx: ReportContext): string {
  const { src, dst } = report.hosts;
  const sorted = sortResults(report.results);
  const ids = anchors(sorted);
  const v = verdictOf(report);
  const body = [
    header(report),
    `<section id="summary">${domainsTable(report)}<h2>Results</h2>${overview(report, sorted, ids)}</section>`,
    waivers(report),
    drift(report, ids),
    `<section id="results"><h2>Rule details</h2>${results(report, sorted, ids)}</section>`,
    signOff(report.options.changeId),
    `<section id="hosts"><h2>Host evidence</h2><p class="muted">What each host printed, as received over SSH; the verdicts above rest on it.</p>` +
      `${hostSection('Source', src)}${hostSection('Destination', dst)}</section>`,
    `<footer><div>JSON report sha256: <span class="mono">${e(ctx.reportSha256)}</span></div>` +
      `<div>Generated by ${e(report.tool.name)} ${e(report.tool.version)} from the run started ${e(formatTime(report.startedAt))}.</div></footer>`,
  ].filter((x) => x !== '');
  return htmlPage(`${v}: ${e(hostLabel(src))} → ${e(hostLabel(dst))} · ${e(report.tool.name)}`, CSS, body);
}
