/**
 * The fleet report for people (renderFleetHtml): one self-contained HTML page built from the pair
 * report's blocks (report/html-kit.ts). Hosts are untrusted: every string is escaped.
 */
import type { HostReport } from '../types.js';
import type { FleetPair, FleetReport, PairVerdict } from './types.js';
import { fleetVerdictReason, formatTime, isBlocked, lookOf, plural, resultKey, VERDICT_WORD, verdictClass, verdictOfExit } from '../report/view.js';
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
} from '../report/html-kit.js';
import { MODE_PHRASE } from '../checks/vocabulary.js';
import { HYPERVISOR_NAME } from '../checks/probes/hypervisor.js';
import { FLEET_GLYPH, isLarge, layout, modelsUnknownWhy, notGo, pairsOf, type Layout } from './render-layout.js';
import { htmlCauses, htmlGroups } from './render-html-groups.js';

const FLEET_CSS = `
table.matrix{width:auto;border-collapse:separate;border-spacing:2px;margin:8px 0 4px}
table.matrix th,table.matrix td{border:none;padding:0}
table.matrix thead th{text-align:center;min-width:22px;font-size:12px;font-weight:600;color:var(--muted);background:none;vertical-align:bottom}
table.matrix thead th.corner{text-align:right;padding-right:8px;font-weight:500}
table.matrix tbody th{white-space:nowrap;padding:0 10px 0 0;font-weight:500;background:none;max-width:16em;overflow:hidden;text-overflow:ellipsis}
table.matrix tbody th .n{display:inline-block;min-width:2.2em;color:var(--muted)}
table.matrix td{width:22px;height:22px;min-width:22px;text-align:center;vertical-align:middle;border-radius:4px;font-weight:700}
table.matrix td a{display:block;line-height:20px;text-decoration:none;color:inherit}
table.matrix td a:hover,table.matrix td a:focus{outline:2px solid var(--fg)}
table.matrix td.c-go{background:var(--pass-bg);color:var(--pass);border:1px solid var(--pass)}
table.matrix td.c-nogo{background:var(--fail);color:#fff;border:1px solid var(--fail)}
table.matrix td.c-incomplete{background:var(--error-bg);color:var(--error);border:1px solid var(--error)}
table.matrix td.c-self{background:none;border:1px dashed var(--line)}
table.matrix td.c-none{background:var(--skip-bg);border:1px solid var(--line)}
.keys{display:flex;flex-wrap:wrap;gap:6px 16px;font-size:13px;color:var(--muted);margin:4px 0 12px}
.keys span.k{display:inline-block;width:18px;height:18px;border-radius:3px;vertical-align:middle;margin-right:4px;text-align:center;line-height:16px;font-weight:700}
.keys span.k.c-go{background:var(--pass-bg);color:var(--pass);border:1px solid var(--pass)}
.keys span.k.c-nogo{background:var(--fail);color:#fff;border:1px solid var(--fail)}
.keys span.k.c-incomplete{background:var(--error-bg);color:var(--error);border:1px solid var(--error)}
.keys span.k.c-self{border:1px dashed var(--line)}
.matrix-wrap{overflow-x:auto}
section.pair{border:1px solid var(--line);border-left:6px solid var(--line);border-radius:6px;margin:12px 0;padding:4px 14px 10px}
section.pair.v-nogo{border-left-color:var(--fail);background:#fff;color:var(--fg)}
section.pair.v-incomplete{border-left-color:var(--error);background:#fff;color:var(--fg)}
section.pair h3{display:flex;flex-wrap:wrap;gap:6px 10px;align-items:center}
section.pair h3 .back{margin-left:auto;font-size:13px;font-weight:400}
p.flags{font-family:ui-monospace,SFMono-Regular,"DejaVu Sans Mono",Menlo,Consolas,monospace;font-size:12px;line-height:1.6;word-spacing:4px;overflow-wrap:anywhere;margin:4px 0}
`;

/** A matrix cell's class: c-go, c-nogo, c-incomplete. */
const cellClass = (v: PairVerdict): string => `c-${lookOf(v).tone}`;

const pairId = (i: number, j: number): string => `pair-${i}-${j}`;

/** A link to a pair's section when the page has the matrix, else its names as text. */
function pairRef(l: Layout | null, src: string, dst: string): string {
  const i = l ? l.names.indexOf(src) : -1;
  const j = l ? l.names.indexOf(dst) : -1;
  const p = l && i >= 0 && j >= 0 ? l.cells[i]?.[j] : undefined;
  const ij = p ? l?.at.get(p) : undefined;
  const text = `${e(src)} → ${e(dst)}`;
  return ij ? `<a href="#${pairId(ij[0], ij[1])}">${text}</a>` : text;
}

function htmlHeader(report: FleetReport): string {
  const s = report.summary;
  const o = report.options;
  const notes: string[] = [];
  if (report.newHost) notes.push(`<a href="#new-host">New host ${e(report.newHost.host)}</a>: ${report.newHost.ok ? 'OK' : '<strong>blocked</strong>'}, breaks ${plural(report.newHost.broken.length, 'pair')}`);
  if (report.unprobed.length > 0) notes.push(`<a href="#unprobed">${plural(report.unprobed.length, 'host')} not probed</a>`);
  const out: string[] = [];
  out.push(`<h1>Migration pre-flight: fleet of ${plural(report.hosts.length, 'host')}</h1>`);
  out.push(subtitle(report));
  out.push(
    verdictBox(verdictOfExit(s.exitCode), {
      id: 'summary',
      why: e(fleetVerdictReason(report)),
      total: `${plural(s.hosts, 'host')} (${s.probed} probed), ${plural(s.pairs, 'pair')}`,
      counts: `${countPill(s.go, 'go', 'pass')}${countPill(s.noGo, 'no-go', 'fail')}${countPill(s.incomplete, 'incomplete', 'error')}`,
      notes,
    }),
  );
  for (const u of report.unprobed) out.push(`<div class="alert"><strong>${e(u.target)} was not probed</strong> (${e(u.code)}): ${e(u.message)}</div>`);
  out.push(
    `<div class="meta"><div><h3>Run</h3>` +
      kv([
        ['Hosts', `${report.hosts.length} <span class="muted">(${s.probed} probed, ${s.hosts - s.probed} not)</span>`],
        ['Inventory', codeOr(o.inventory, 'none (hosts on the command line)')],
        ['Change', changeCell(o.changeId)],
        ...timingRows(report),
        ['Tool', `${e(report.tool.name)} ${e(report.tool.version)} <span class="muted">(fleet report schema ${report.schemaVersion})</span>`],
      ]) +
      `</div><div><h3>Options</h3>` +
      kv([
        ['Mode', `${e(MODE_PHRASE[o.mode])} <span class="muted">(--mode ${e(o.mode)})</span>`],
        ['Domains', o.domains.length === 0 ? "every running domain on each source (evacuation)" : codeList(o.domains)],
        ['Hypervisor', `<span class="muted">--hypervisor ${e(o.hypervisor ?? 'auto')}</span>`],
        ['Transport', e(o.transport)],
        ['Fail on', `${e(o.failOn)} <span class="muted">(exit code ${s.exitCode})</span>`],
        ['Concurrency', e(o.concurrency)],
        ['New host', codeOr(o.newHost)],
        ['Waivers file', codeOr(o.waivers)],
        ['Rule sets', rulesetsCell(report.rulesets)],
      ]) +
      `</div></div>`,
  );
  return out.join('\n');
}

function htmlMatrix(l: Layout): string {
  const n = l.names.length;
  if (n === 0) return `<section id="matrix"><h2>Matrix</h2><p class="muted">No hosts.</p></section>`;
  const head = l.names.map((name, j) => `<th scope="col" title="${e(name)}">${j + 1}</th>`).join('');
  const rows = l.names.map((name, i) => {
    const cells = l.names.map((dst, j) => {
      if (i === j) return `<td class="c-self" title="${e(name)}: same host"></td>`;
      const p = l.cells[i]?.[j];
      if (!p) return `<td class="c-none" title="${e(`${name} -> ${dst}`)}: not evaluated"></td>`;
      const title = `${p.src} -> ${p.dst}: ${p.verdict}, ${plural(p.problems.length, 'problem')}`;
      return `<td class="${cellClass(p.verdict)}"><a href="#${pairId(i, j)}" title="${e(title)}">${FLEET_GLYPH[p.verdict]}</a></td>`;
    });
    const down = l.down.has(i) ? ' <span class="unreach small">not probed</span>' : '';
    return `<tr><th scope="row" title="${e(l.labels[i] ?? name)}"><span class="n">${i + 1}</span>${e(name)}${down}</th>${cells.join('')}</tr>`;
  });
  const key = (cls: string, glyph: string, what: string): string => `<span><span class="k ${cls}">${glyph}</span>${what}</span>`;
  return (
    `<section id="matrix"><h2>Matrix</h2><p class="muted">Rows are sources, columns destinations (numbered as the rows). Each cell links to its pair.</p>` +
    `<div class="matrix-wrap"><table class="matrix"><thead><tr><th class="corner" scope="col">source \\ destination</th>${head}</tr></thead>` +
    `<tbody>${rows.join('')}</tbody></table></div>` +
    `<div class="keys">${key(cellClass('go'), FLEET_GLYPH.go, 'go')}${key(cellClass('no-go'), FLEET_GLYPH['no-go'], 'no-go')}${key(cellClass('incomplete'), FLEET_GLYPH.incomplete, 'incomplete')}${key('c-self', '', 'same host')}</div></section>`
  );
}

function pairSection(p: FleetPair, i: number, j: number): string {
  const s = p.summary;
  const blocked = p.problems.filter(isBlocked);
  const own = p.problems.filter((x) => !isBlocked(x));
  const rows = own.map(
    (x) =>
      `<tr class="row-${x.status}"><td>${badge(x.status)}</td><td>${sev(x.severity)}</td><td class="mono">${e(resultKey(x))}</td><td>${e(x.message)}</td></tr>`,
  );
  const parts: string[] = [];
  parts.push(
    `<p class="muted">${s.total} results: ${s.pass} pass, ${s.fail} fail, ${s.error} error, ${s.skip} skip, ${s.waived} waived (exit ${s.exitCode}).</p>`,
  );
  if (blocked.length > 0) {
    parts.push(
      `<div class="alert">${plural(blocked.length, 'rule was', 'rules were')} not evaluated because a host was not probed` +
        `${blocked[0] ? `: ${e(blocked[0].message)}` : ''}<ul class="ids">${blocked.map((x) => `<li class="mono">${e(resultKey(x))}</li>`).join('')}</ul></div>`,
    );
  }
  if (rows.length > 0) {
    parts.push(`<table class="overview"><thead><tr><th>Status</th><th>Severity</th><th>Rule</th><th>Message</th></tr></thead><tbody>${rows.join('')}</tbody></table>`);
  } else if (blocked.length === 0) {
    parts.push(`<p class="muted">No problem recorded.</p>`);
  }
  if (p.domains.length > 0) {
    parts.push(
      `<div class="label">Domains (${p.domains.length} moving)</div><table><tbody>${p.domains
        .map((d) => `<tr class="row-${lookOf(d.verdict).status}"><td>${verdictBadge(d.verdict)}</td><td class="mono">${e(d.name)}</td></tr>`)
        .join('')}</tbody></table>`,
    );
  } else {
    parts.push(`<p class="muted">No moving domain.</p>`);
  }
  return (
    `<section class="pair ${verdictClass(VERDICT_WORD[p.verdict])}" id="${pairId(i, j)}"><h3>${verdictBadge(p.verdict)} <span class="mono">${e(p.src)} → ${e(p.dst)}</span>` +
    `<a class="back" href="#matrix">back to the matrix</a></h3>${parts.join('\n')}</section>`
  );
}

function htmlPairs(report: FleetReport, l: Layout): string {
  const out: string[] = [];
  const failing = notGo(report);
  out.push(`<h2 id="pairs">Pairs that are not GO (${failing.length})</h2>`);
  if (failing.length === 0) out.push(`<p class="muted">None: every pair can migrate.</p>`);
  for (const p of failing) {
    const ij = l.at.get(p);
    if (ij) out.push(pairSection(p, ij[0], ij[1]));
  }
  // GO pairs get one row each, so that every cell of the matrix leads somewhere.
  const go = pairsOf(report).filter((p) => p.verdict === 'go' && l.at.has(p));
  if (go.length > 0) {
    const rows = go.map((p) => {
      const [i, j] = l.at.get(p) ?? [0, 0];
      const moving = p.domains.length === 0 ? '<span class="muted">no moving domain</span>' : `${plural(p.domains.length, 'domain')} go`;
      const waived = p.problems.filter((x) => x.status === 'waived');
      const note = p.problems.length === 0 ? '' : ` <span class="muted">(${p.problems.length} below the gate${waived.length > 0 ? `, ${waived.length} waived` : ''}: ${p.problems.map((x) => `<code>${e(resultKey(x))}</code>`).join(', ')})</span>`;
      return `<tr id="${pairId(i, j)}"><td>${verdictBadge('go')}</td><td class="mono">${e(p.src)} → ${e(p.dst)}</td><td>${moving}${note}</td><td><a href="#matrix">matrix</a></td></tr>`;
    });
    out.push(`<section id="go-pairs"><h2>Pairs that are GO (${go.length})</h2><table class="overview"><tbody>${rows.join('')}</tbody></table></section>`);
  }
  return out.join('\n');
}

function htmlBaseline(report: FleetReport): string {
  const b = report.cpuBaseline;
  const out: string[] = [];
  out.push(`<section id="cpu-baseline"><h2>CPU baseline</h2>`);
  if (b.hosts.length === 0) out.push(`<p class="unreach">No host's CPU flags were read.</p>`);
  else {
    out.push(
      `<p><strong>${plural(b.common.length, 'flag')}</strong> common to ${plural(b.hosts.length, 'host')} (${codeList(b.hosts)}); ` +
        `vendor${b.vendors.length === 1 ? '' : 's'}: ${codeList(b.vendors)}.</p>`,
    );
    if (b.vendors.length > 1) out.push(`<div class="alert">${b.vendors.length} CPU vendors: no guest CPU model migrates between them.</div>`);
  }
  if (b.common.length > 0) out.push(`<div class="label">Common flags</div><p class="flags">${b.common.map((f) => e(f)).join(' ')}</p>`);
  if (b.draggers.length > 0) {
    out.push(
      `<div class="label">Hosts that hold the baseline back</div><table><thead><tr><th>Host</th><th>Lacks</th><th>Flags every other host has</th></tr></thead><tbody>${b.draggers
        .map((d) => `<tr><td class="mono">${e(d.host)}</td><td>${d.lacks.length}</td><td><p class="flags">${d.lacks.map((f) => e(f)).join(' ')}</p></td></tr>`)
        .join('')}</tbody></table>`,
    );
  } else if (b.hosts.length > 1) out.push(`<p class="muted">No host holds the baseline back.</p>`);
  if (b.without.length > 0) {
    out.push(`<div class="label">Flags not read</div><ul>${b.without.map((w) => `<li><code>${e(w.host)}</code>: ${e(w.why)}</li>`).join('')}</ul>`);
  }
  out.push(`<div class="label">Named CPU models usable on every host</div>`);
  if (b.modelsEverywhere === null) {
    const why = modelsUnknownWhy(report);
    out.push(`<p>Unknown${why.length > 0 ? `:</p><ul>${why.map((w) => `<li>${e(w)}</li>`).join('')}</ul>` : '.</p>'}`);
  } else out.push(`<p>${codeList(b.modelsEverywhere, '<strong>none</strong>')}</p>`);
  out.push(`</section>`);
  return out.join('');
}

function htmlGate(report: FleetReport, l: Layout | null): string {
  const g = report.newHost;
  if (!g) return '';
  // The gate's box wears the verdict's colours: OK as GO, BLOCKED as NO-GO.
  const cls = verdictClass(g.ok ? 'GO' : 'NO-GO');
  const rows = g.broken.map((x) => `<tr class="row-fail"><td>${pairRef(l, x.src, x.dst)}</td><td>${codeList(x.problems)}</td></tr>`);
  const pre = g.preExisting.map((x) => `<li>${pairRef(l, x.src, x.dst)}</li>`);
  return (
    `<section id="new-host"><h2>New host gate: <span class="mono">${e(g.host)}</span></h2>` +
    `<div class="verdict ${cls}"><div class="word">${g.ok ? 'OK' : 'BLOCKED'}</div><div class="why">${
      g.broken.length === 0 ? 'It breaks no pair that works without it.' : `It breaks ${plural(g.broken.length, 'pair')} that work${g.broken.length === 1 ? 's' : ''} without it.`
    }</div></div>` +
    (rows.length > 0 ? `<table><thead><tr><th>Pair</th><th>Problems</th></tr></thead><tbody>${rows.join('')}</tbody></table>` : '') +
    `<p>${plural(g.preExisting.length, 'pre-existing failing pair')} with it (failing for every other host too, not counted)${pre.length > 0 ? ':' : '.'}</p>` +
    (pre.length > 0 ? `<ul>${pre.join('')}</ul>` : '') +
    `</section>`
  );
}

function htmlUnprobed(report: FleetReport): string {
  if (report.unprobed.length === 0) return '';
  const rows = report.unprobed.map((u) => `<tr class="row-error"><td class="mono">${e(u.target)}</td><td class="mono">${e(u.code)}</td><td>${e(u.message)}</td></tr>`);
  return `<section id="unprobed"><h2>Hosts not probed (${report.unprobed.length})</h2><table><thead><tr><th>Target</th><th>Code</th><th>Message</th></tr></thead><tbody>${rows.join('')}</tbody></table></section>`;
}

function hypervisorOf(h: HostReport): string {
  const hv = h.facts.hypervisor;
  if (!hv?.kind) return 'unknown';
  return `${HYPERVISOR_NAME[hv.kind]}${hv.toolstack ? ` (${hv.toolstack})` : ''}`;
}

function htmlHosts(report: FleetReport): string {
  const rows = report.hosts.map((h, i) => {
    const state = h.reachable
      ? `yes${h.error ? ` <span class="muted">(${e(h.error.code)}: ${e(h.error.message)})</span>` : ''}`
      : `<span class="unreach">no</span>${h.error ? `: ${e(h.error.code)}: ${e(h.error.message)}` : ''}`;
    return (
      `<tr${h.reachable ? '' : ' class="row-error"'}><td>${i + 1}</td><td class="mono">${e(h.target)}</td>` +
      `<td>${h.hostname === null ? '<span class="muted">unknown</span>' : e(h.hostname)}</td><td>${e(hypervisorOf(h))}</td><td>${state}</td></tr>`
    );
  });
  return `<section id="hosts"><h2>Hosts</h2><table><thead><tr><th>#</th><th>Target</th><th>Hostname</th><th>Hypervisor</th><th>Reachable</th></tr></thead><tbody>${rows.join('')}</tbody></table></section>`;
}

/**
 * The fleet for people: one self-contained HTML5 page (inline CSS, no script, nothing fetched,
 * the pair report's CSP) with the verdict, the heatmap (cells link to #pair-<i>-<j>, by index so
 * a host name never makes an id), a section per pair that is not GO (a fleet of more than 64
 * hosts: its compatibility groups and its causes instead), the CPU baseline, the
 * --new-host gate, the hosts not probed and a hosts table. Every string is escaped.
 */
export function renderFleetHtml(report: FleetReport): string {
  // Beyond FLEET_PAIRS_MAX_HOSTS hosts: the groups and the causes instead of the heatmap and the pairs.
  const l = isLarge(report) ? null : layout(report);
  const v = verdictOfExit(report.summary.exitCode);
  const body = [
    htmlHeader(report),
    ...(l ? [htmlMatrix(l), htmlPairs(report, l)] : [htmlGroups(report), htmlCauses(report)]),
    htmlBaseline(report),
    htmlGate(report, l),
    htmlUnprobed(report),
    htmlHosts(report),
    signOff(report.options.changeId),
    `<footer><div>Generated by ${e(report.tool.name)} ${e(report.tool.version)} from the run started ${e(formatTime(report.startedAt))}; the JSON report holds every host's probe output.</div></footer>`,
  ].filter((x) => x !== '');
  return htmlPage(`${v}: fleet of ${plural(report.hosts.length, 'host')} · ${e(report.tool.name)}`, `${CSS}${FLEET_CSS}`, body);
}
