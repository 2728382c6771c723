/**
 * The large fleet's HTML blocks (more than FLEET_PAIRS_MAX_HOSTS hosts): instead of an N x N
 * heatmap, the compatibility groups with each group's CPU baseline, and the pairs that are not GO
 * summarised by cause. Every string is escaped.
 */
import { codeList, escapeHtml as e, verdictBadge } from '../report/html-kit.js';
import { plural } from '../report/view.js';
import { causeLabel, causesOf, groupCpu } from './render-layout.js';
import type { FleetReport } from './types.js';

/** The compatibility groups, largest first; each host's name is in the page once. */
export function htmlGroups(report: FleetReport): string {
  const rows = report.groups.map((g, k) => {
    const cpu = groupCpu(report, g);
    const flags = `${cpu.flags}${cpu.extraFlags.length > 0 ? ` <span class="muted">(+${cpu.extraFlags.length} beyond the fleet's)</span><p class="flags">${cpu.extraFlags.map((f) => e(f)).join(' ')}</p>` : ''}`;
    const models = cpu.models === null ? '<span class="muted">unknown</span>' : cpu.extraModels && cpu.extraModels.length > 0 ? codeList(cpu.extraModels) : '<span class="muted">none beyond the fleet\'s</span>';
    const shown = g.hosts.length <= 12 ? codeList(g.hosts) : `<details><summary>${codeList(g.hosts.slice(0, 8))} … (+${g.hosts.length - 8})</summary>${codeList(g.hosts)}</details>`;
    return `<tr${g.hosts.length === 1 ? ' class="row-error"' : ''}><td>${k + 1}</td><td>${g.hosts.length}</td><td>${shown}</td><td>${flags}</td><td>${models}</td></tr>`;
  });
  return (
    `<section id="groups"><h2>Compatibility groups (${report.groups.length})</h2>` +
    `<p class="muted">Every ordered pair within a group is GO: its hosts can all take each other's guests. Each host is in one group (a greedy cover, largest first); a group of one is a host that exchanges guests with no other. A guest CPU made of a group's common flags (or a model named here or usable fleet-wide) runs on every host of the group.</p>` +
    `<table><thead><tr><th>#</th><th>Hosts</th><th>Members</th><th>Common CPU flags</th><th>CPU models beyond the fleet's</th></tr></thead><tbody>${rows.join('')}</tbody></table></section>`
  );
}

/** The pairs that are not GO, by cause (rule and message), the most pairs first, with examples. */
export function htmlCauses(report: FleetReport): string {
  const { listed, blocked } = causesOf(report);
  const s = report.summary;
  const rows = [...listed, ...blocked].map((x) => {
    const examples = x.examples.map((p) => `<li><span class="mono">${e(p.src)} → ${e(p.dst)}</span>${p.domain ? ` [${e(p.domain)}]` : ''}: ${e(p.message)}</li>`).join('');
    return (
      `<tr class="${x.status === 'fail' ? 'row-fail' : 'row-error'}"><td>${verdictBadge(x.status === 'fail' ? 'no-go' : 'incomplete')}</td><td class="mono">${e(causeLabel(x))}</td><td>${e(x.severity)}</td>` +
      `<td>${x.pairs}</td><td>${x.sources}</td><td>${x.destinations}</td><td><ul>${examples}</ul></td></tr>`
    );
  });
  return (
    `<section id="causes"><h2>Pairs that are not GO, by cause</h2>` +
    `<p>${plural(s.noGo + s.incomplete, 'pair')} of ${s.pairs} are not GO (${s.noGo} no-go, ${s.incomplete} incomplete); a pair counts under each of its causes. Every pair is in the JSON report's <code>matrix</code>.</p>` +
    (rows.length === 0
      ? `<p class="muted">None: every pair can migrate.</p>`
      : `<table><thead><tr><th></th><th>Cause</th><th>Severity</th><th>Pairs</th><th>Sources</th><th>Destinations</th><th>Examples</th></tr></thead><tbody>${rows.join('')}</tbody></table>`) +
    `</section>`
  );
}
