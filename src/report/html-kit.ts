/**
 * The HTML building blocks of the pair report (report/html.ts) and the fleet report
 * (fleet/render-html.ts): escaping, the stylesheet and page shell, tables, badges, the verdict box
 * and the sign-off lines. Every value is escaped here or said to be HTML already.
 */
import type { Severity, Status } from '../types.js';
import { sanitizeForTerminal } from './sanitize.js';
import { formatDuration, formatTime, lookOf, runByLabel, SIGN_OFF_ROLES, STATUS_LABEL, VERDICT_WORD, verdictClass } from './view.js';
import type { Verdict, VerdictKey } from './view.js';

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text (from a host, a file, anywhere) made inert for HTML: CRLF read as a newline, terminal escapes neutralised, then & < > " ' escaped. */
export function escapeHtml(text: unknown): string {
  return sanitizeForTerminal(String(text).replace(/\r\n/g, '\n')).replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}

const e = escapeHtml;

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

/** A pair's or a domain's verdict as a pill (GO, NO-GO, INCOMPLETE, UNKNOWN), in its status's colours. */
export function verdictBadge(v: VerdictKey): string {
  return `<span class="badge s-${lookOf(v).status}">${VERDICT_WORD[v]}</span>`;
}

/** A severity tag. */
export function sev(s: Severity): string {
  return `<span class="sev sev-${s}">${s}</span>`;
}

/** A count in the verdict box ("3 fail"), coloured as a status and faded when zero; `what` is HTML. */
export function countPill(n: number, what: string, status: Status): string {
  return `<span class="count s-${status}${n === 0 ? ' zero' : ''}">${n} ${what}</span>`;
}

/**
 * The verdict box at the top of a report: the word, why (HTML), the total and the counts (HTML),
 * and notes linking further down (HTML, joined by " · ").
 */
export function verdictBox(v: Verdict, o: { readonly id?: string; readonly why: string; readonly total: string; readonly counts: string; readonly notes: readonly string[] }): string {
  return (
    `<section class="verdict ${verdictClass(v)}"${o.id === undefined ? '' : ` id="${o.id}"`} aria-label="verdict"><div class="word">${v}</div><div><div class="why">${o.why}</div>` +
    `<div class="counts"><span class="count total">${o.total}</span>${o.counts}</div>${o.notes.length > 0 ? `<div class="notes">${o.notes.join(' · ')}</div>` : ''}</div></section>`
  );
}

/** The line under the title: tool, version, start time, who ran it. */
export function subtitle(r: { readonly tool: { readonly name: string; readonly version: string }; readonly startedAt: string; readonly runBy: { readonly user: string; readonly host: string } }): string {
  return `<p class="sub">${e(r.tool.name)} ${e(r.tool.version)} · ${e(formatTime(r.startedAt))} · run by ${e(runByLabel(r))}</p>`;
}

/** A two-column key/value table; labels and values are HTML, already escaped by the caller. */
export function kv(rows: readonly (readonly [string, string] | null)[]): string {
  return `<table class="kv">${rows
    .filter((r): r is readonly [string, string] => r !== null)
    .map(([k, v]) => `<tr><th scope="row">${k}</th><td>${v}</td></tr>`)
    .join('')}</table>`;
}

/** The Started, Finished, Duration and Run by rows of a report's Run table. */
export function timingRows(r: {
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly durationMs: number;
  readonly runBy: { readonly user: string; readonly host: string };
}): [string, string][] {
  return [
    ['Started', e(formatTime(r.startedAt))],
    ['Finished', e(formatTime(r.finishedAt))],
    ['Duration', e(formatDuration(r.durationMs))],
    ['Run by', `<code>${e(runByLabel(r))}</code>`],
  ];
}

/** The Change cell of an Options table: the change id, or how to give one. */
export function changeCell(changeId: string | null | undefined): string {
  return changeId ? `<code>${e(changeId)}</code>` : '<span class="muted">none (--change-id)</span>';
}

/** A value as code, or a muted "none" (HTML) when there is none. */
export function codeOr(value: string | null, none = 'none'): string {
  return value === null ? `<span class="muted">${none}</span>` : `<code>${e(value)}</code>`;
}

/** Items as code, comma-separated; `none` (HTML) when there are none. */
export function codeList(items: readonly string[], none = '<span class="muted">none</span>'): string {
  return items.length === 0 ? none : items.map((i) => `<code>${e(i)}</code>`).join(', ');
}

/** The Rule sets cell: each file and its sha256. */
export function rulesetsCell(rulesets: readonly { readonly path: string; readonly sha256: string }[]): string {
  return rulesets.length === 0
    ? '<span class="muted">none</span>'
    : rulesets.map((r) => `<code>${e(r.path)}</code><br><span class="muted mono small">sha256 ${e(r.sha256)}</span>`).join('<br>');
}

/** Blank sign-off lines for the change-advisory board, on paper or in a PDF (the pair and the fleet report). */
export function signOff(id: string | null | undefined): string {
  const rows = SIGN_OFF_ROLES.map((r) => `<tr><td>${e(r)}</td><td></td><td></td><td></td></tr>`).join('');
  return (
    `<section id="sign-off" class="signoff"><h2>Sign-off${id ? `: change <code>${e(id)}</code>` : ''}</h2>` +
    `<table><thead><tr><th>Role</th><th>Name</th><th>Signature</th><th>Date</th></tr></thead><tbody>${rows}</tbody></table></section>`
  );
}
