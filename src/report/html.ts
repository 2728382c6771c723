/**
 * The pair report for the change-advisory board as one HTML page (renderHtml). The shared view
 * (verdict, labels, formatting) is in view.ts, the HTML building blocks in html-kit.ts.
 */
import type { HostReport, ProbeOutput, Report, RuleResult } from '../types.js';
import type { ReportContext } from './index.js';
import { blockerLabel, describeDomain, hypervisorLabel, pairKind } from './domains.js';
import { MODE_PHRASE } from '../checks/vocabulary.js';
import {
  BLOCKED_SHORT,
  connectionLabel,
  EXPIRED_WAIVERS_NOTE,
  expiredWaiversFor,
  formatTime,
  GROUP_TITLE,
  hostLabel,
  isBlocked,
  isWebLink,
  lookOf,
  plural,
  prettyJson,
  resultKey,
  sortResults,
  verdictOf,
  verdictReason,
  waiverCount,
  waiverTally,
} from './view.js';
import {
  badge,
  changeCell,
  codeList,
  codeOr,
  countPill,
  CSS,
  escapeHtml as e,
  htmlPage,
  kv,
  rulesetsCell,
  sev,
  signOff,
  subtitle,
  timingRows,
  verdictBadge,
  verdictBox,
} from './html-kit.js';

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
  const counts = (['fail', 'error', 'waived', 'skip', 'pass'] as const).map((k) => countPill(s[k], k, k)).join('');
  const conn = (h: HostReport): string => {
    const c = connectionLabel(h);
    return c === null ? '' : ` <span class="muted">(${e(c)})</span>`;
  };
  const hostCell = (h: HostReport): string =>
    `<strong>${e(hostLabel(h))}</strong>${conn(h)}${h.reachable ? '' : ` <span class="unreach">not probed</span>`}`;
  const notes: string[] = [];
  const expired = waiverCount(report, 'expired');
  const applied = waiverCount(report, 'applied');
  if (report.waivers.length > 0) notes.push(`<a href="#waivers">Waivers</a>: ${applied} applied${expired > 0 ? `, <strong>${expired} expired</strong>` : ''}`);
  if (report.drift) notes.push(`<a href="#drift">Since baseline</a>: ${report.drift.new.length} new, ${report.drift.resolved.length} resolved, ${report.drift.changed.length} changed`);
  const out: string[] = [];
  out.push(`<h1>Migration pre-flight: ${e(hostLabel(src))} → ${e(hostLabel(dst))}</h1>`);
  out.push(subtitle(report));
  if (report.replayOf) {
    out.push(
      `<div class="alert replay"><strong>Replay.</strong> Rules re-evaluated on ${e(formatTime(report.replayOf.replayedAt))} against the evidence saved in ` +
        `<code>${e(report.replayOf.path)}</code> (sha256 <code>${e(report.replayOf.sha256)}</code>); the hosts were probed at ${e(formatTime(report.startedAt))}.</div>`,
    );
    if (report.replayOf.altered?.length) {
      out.push(`<div class="alert altered"><strong>Evidence altered.</strong> The stdout of ${e(report.replayOf.altered.join(', '))} no longer matches its recorded sha256.</div>`);
    }
  }
  out.push(verdictBox(verdictOf(report), { why: e(verdictReason(report)), total: `${s.total} rules`, counts, notes }));
  for (const [side, h] of [['Source', src], ['Destination', dst]] as const) {
    if (!h.reachable) out.push(`<div class="alert"><strong>${side} ${e(h.target)} was not probed</strong>${h.error ? ` (${e(h.error.code)})` : ''}: ${e(h.error?.message ?? 'unreachable')}</div>`);
  }
  out.push(
    `<div class="meta"><div><h3>Run</h3>` +
      kv([
        ['Source', hostCell(src)],
        ['Destination', hostCell(dst)],
        ...timingRows(report),
        ['Tool', `${e(report.tool.name)} ${e(report.tool.version)} <span class="muted">(report schema ${report.schemaVersion})</span>`],
      ]) +
      `</div><div><h3>Options</h3>` +
      kv([
        ['Change', changeCell(o.changeId)],
        ['libvirt URI', `<code>${e(o.libvirtUri)}</code>`],
        ['Domains', o.domains.length === 0 ? 'every running domain on the source (evacuation)' : codeList(o.domains)],
        ['Hypervisor', `${e(hypervisorLabel(report) ?? 'unknown')} <span class="muted">(--hypervisor ${e(o.hypervisor ?? 'auto')})</span>`],
        ['Mode', `${e(MODE_PHRASE[o.mode])} <span class="muted">(--mode ${e(o.mode)})</span>${o.saveDir ? `, save directory <code>${e(o.saveDir)}</code>` : ''}`],
        ['Transport', e(o.transport)],
        ['Fail on', `${e(o.failOn)} <span class="muted">(exit code ${s.exitCode})</span>`],
        ['sudo', o.sudo ? 'yes (sudo -n)' : 'no'],
        o.only.length > 0 ? ['Only', codeList(o.only)] : null,
        o.skip.length > 0 ? ['Skip', codeList(o.skip)] : null,
        ['Waivers file', codeOr(o.waivers)],
        ['Baseline', codeOr(o.baseline)],
        ['Rule sets', rulesetsCell(report.rulesets)],
      ]) +
      `</div></div>`,
  );
  return out.join('\n');
}

function domainsTable(report: Report): string {
  const domains = report.domains ?? [];
  if (domains.length === 0) return '';
  const rows = domains.map(
    (d) =>
      `<tr class="row-${lookOf(d.verdict).status}"><td>${verdictBadge(d.verdict)}</td><td class="mono">${e(d.name)}</td>` +
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
        `<div class="alert">${plural(blocked.length, 'rule was', 'rules were')} not evaluated because a host was not probed: ` +
          `${e(blocked[0]?.message ?? '')}<ul class="ids">${blocked.map((r) => `<li><a href="#${ids.get(r) ?? ''}" class="mono">${e(resultKey(r))}</a></li>`).join('')}</ul></div>`,
      );
    }
    for (const r of group) out.push(ruleCard(report, r, ids.get(r) ?? ''));
  }
  return out.join('\n');
}

function waivers(report: Report): string {
  if (report.waivers.length === 0) return '';
  const rows = report.waivers.map((w) => {
    const state = w.state === 'expired' ? `<span class="tag-expired">EXPIRED</span>` : w.state === 'applied' ? '<strong>applied</strong>' : '<span class="muted">unused</span>';
    return (
      `<tr class="${w.state}"><td><code>${e(w.rule)}</code></td><td>${w.hosts === null ? '<span class="muted">any</span>' : `<code>${e(w.hosts)}</code>`}</td>` +
      `<td>${e(w.justification)}</td><td>${e(w.approver)}</td><td class="mono nowrap">${e(w.expires)}</td><td>${state}</td>` +
      `<td class="mono">${e(w.source.file)}:${w.source.line}</td></tr>`
    );
  });
  return (
    `<section id="waivers"><h2>Waivers</h2><p>${waiverTally(report)}.${waiverCount(report, 'expired') > 0 ? ` ${EXPIRED_WAIVERS_NOTE}` : ''}</p>` +
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
      ['Connection', codeOr(connectionLabel(h))],
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

/**
 * The change-advisory-board report: one self-contained HTML5 page (inline CSS, no script, nothing
 * fetched) with the verdict, every result and its evidence, waivers, drift and the raw probe
 * outputs. Every string from a host or a file is escaped; output depends on the inputs only.
 */
export function renderHtml(report: Report, ctx: ReportContext): string {
  const { src, dst } = report.hosts;
  const sorted = sortResults(report.results);
  const ids = anchors(sorted);
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
  return htmlPage(`${verdictOf(report)}: ${e(hostLabel(src))} → ${e(hostLabel(dst))} · ${e(report.tool.name)}`, CSS, body);
}
