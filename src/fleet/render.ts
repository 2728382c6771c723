/**
 * Renderers of the fleet report (`migrate-preflight fleet`): console, HTML and JSON. Pure: the
 * output depends on the report only. Hosts are untrusted: every string that came from one (and,
 * to be safe, every string at all) is sanitised for the terminal or escaped for HTML.
 */
import { Chalk, type ChalkInstance } from 'chalk';
import type { HostReport } from '../types.js';
import type { CpuBaseline, FleetPair, FleetReport, NewHostGate, PairVerdict } from './types.js';
import { sanitizeForTerminal as clean } from '../report/sanitize.js';
import { badge, CSS, escapeHtml as e, formatDuration, formatTime, hostLabel, htmlPage, kv, sev, signOff } from '../report/html.js';
import { VERDICT_LABEL } from '../report/domains.js';
import { resultKey } from '../checks/drift.js';
import { MODE_PHRASE } from '../checks/rule-schema.js';
import { HYPERVISOR_NAME } from '../checks/probes/hypervisor.js';

export interface FleetConsoleContext {
  readonly color: boolean;
  readonly quiet: boolean;
}

type Problem = FleetPair['problems'][number];

/** One matrix cell's mark, the same with colour on or off. */
export const FLEET_GLYPH: Record<PairVerdict | 'self', string> = { go: '✓', 'no-go': '✗', incomplete: '?', self: '·' };

/** Failing pairs listed one per line before "+N more". */
const MAX_PAIR_LINES = 40;
/** Problem ids on one pair line before "+N more". */
const MAX_IDS = 10;
/** Flag or model names on one line before "+N more". */
const MAX_NAMES = 12;
/** Hosts that lack flags, one line each, before "+N more". */
const MAX_DRAGGERS = 10;
/** Row labels of the console matrix are cut to this many characters (the legend has them whole). */
const ROW_LABEL = 20;
/** Legend entries are cut to this many characters. */
const LEGEND_LABEL = 48;
/** The console legend wraps at this width. */
const LEGEND_WIDTH = 100;

/** Rules that errored only because a host was not probed (they all say the same thing). */
const BLOCKED = 'error.unreachable';

// ---------------------------------------------------------------------------------------------
// Layout shared by the renderers
// ---------------------------------------------------------------------------------------------

interface Layout {
  /** Host names in inventory order: the matrix's rows and columns. */
  readonly names: readonly string[];
  /** "target (hostname)" when the host calls itself something else: the legend's text. */
  readonly labels: readonly string[];
  /** cells[i][j]: the pair from host i to host j (undefined on the diagonal or when missing). */
  readonly cells: readonly (readonly (FleetPair | undefined)[])[];
  /** Row and column of each pair. */
  readonly at: ReadonlyMap<FleetPair, readonly [number, number]>;
  /** Hosts that were not probed, by index. */
  readonly down: ReadonlySet<number>;
}

/**
 * Places each pair in the matrix: by name (a pair's src/dst against the hosts' targets), else by
 * position (pairs are listed by source then destination, in inventory order, without self pairs).
 */
function layout(report: FleetReport): Layout {
  const names = report.hosts.map((h) => h.target);
  const n = names.length;
  const index = new Map<string, number>();
  names.forEach((name, i) => {
    if (!index.has(name)) index.set(name, i);
  });
  const cells: (FleetPair | undefined)[][] = names.map(() => names.map(() => undefined));
  const at = new Map<FleetPair, readonly [number, number]>();
  report.pairs.forEach((p, k) => {
    let i = index.get(p.src);
    let j = index.get(p.dst);
    if (i === undefined || j === undefined || i === j) {
      if (n < 2) return;
      i = Math.floor(k / (n - 1));
      const r = k % (n - 1);
      j = r >= i ? r + 1 : r;
      if (i >= n) return;
    }
    const row = cells[i];
    if (row === undefined || row[j] !== undefined) return;
    row[j] = p;
    at.set(p, [i, j]);
  });
  const unprobed = new Set(report.unprobed.map((u) => u.target));
  const down = new Set<number>();
  report.hosts.forEach((h, i) => {
    if (!h.reachable || unprobed.has(h.target)) down.add(i);
  });
  return { names, labels: report.hosts.map(hostLabel), cells, at, down };
}

/** A pair that says nothing beyond "a host was not probed": one of its hosts is down and every problem says only that. */
function onlyBlocked(l: Layout, p: FleetPair): boolean {
  const ij = l.at.get(p);
  if (!ij || !(l.down.has(ij[0]) || l.down.has(ij[1]))) return false;
  return p.verdict === 'incomplete' && p.problems.every((x) => x.messageId === BLOCKED);
}

/** How many pairs with host i say only that a host was not probed. */
function blockedPairsOf(l: Layout, pairs: readonly FleetPair[], i: number): number {
  return pairs.filter((p) => {
    const ij = l.at.get(p);
    return ij !== undefined && (ij[0] === i || ij[1] === i) && onlyBlocked(l, p);
  }).length;
}

/** "cpu.flags [web01] (critical)", with the status when it is not a plain failure. */
function problemLabel(p: Problem): string {
  return `${resultKey(p)} (${p.severity}${p.status === 'fail' ? '' : `, ${p.status}`})`;
}

/** Failing pairs first, then incomplete ones, each in inventory order. */
function notGo(report: FleetReport): FleetPair[] {
  return [...report.pairs.filter((p) => p.verdict === 'no-go'), ...report.pairs.filter((p) => p.verdict === 'incomplete')];
}

function truncate(s: string, max: number): string {
  const cps = Array.from(s);
  return cps.length <= max ? s : `${cps.slice(0, max - 1).join('')}…`;
}

function names(xs: readonly string[], max = MAX_NAMES): string {
  const more = xs.length > max ? ` ... (+${xs.length - max} more)` : '';
  return xs.slice(0, max).join(', ') + more;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** Why libvirt's usable models are unknown on some host: "hv4: not probed; hv2: virsh domcapabilities failed". */
/** Why the models usable everywhere are unknown: one entry per reason, naming the hosts it holds for. */
function modelsUnknownWhy(report: FleetReport): string[] {
  const byReason = new Map<string, string[]>();
  for (const h of report.hosts) {
    const cs = h.facts.libvirt?.cpuSupport;
    if (cs?.models) continue;
    const why = !h.reachable ? 'not probed' : (cs?.modelsUnknownBecause ?? 'libvirt did not report its CPU models');
    byReason.set(why, [...(byReason.get(why) ?? []), h.target]);
  }
  return [...byReason].map(([why, hosts]) => `${names(hosts, 4)}: ${why}`);
}

function hypervisorOf(h: HostReport): string {
  const hv = h.facts.hypervisor;
  if (!hv?.kind) return 'unknown';
  return `${HYPERVISOR_NAME[hv.kind]}${hv.toolstack ? ` (${hv.toolstack})` : ''}`;
}

function fleetVerdict(report: FleetReport): 'GO' | 'NO-GO' | 'INCOMPLETE' {
  const x = report.summary.exitCode;
  return x === 0 ? 'GO' : x === 1 ? 'NO-GO' : 'INCOMPLETE';
}

// ---------------------------------------------------------------------------------------------
// Console
// ---------------------------------------------------------------------------------------------

/**
 * The fleet for a terminal: header, hosts not probed, the N x N matrix (one mark per ordered
 * pair), one line per pair that is not GO with its problems' ids, the CPU baseline, the
 * --new-host gate and one summary line. quiet: only hosts not probed, the failing pairs, the
 * gate and the summary. Every host-provided string goes through sanitizeForTerminal.
 */
export function renderFleetConsole(report: FleetReport, ctx: FleetConsoleContext): string {
  const c = new Chalk({ level: ctx.color ? 1 : 0 });
  const l = layout(report);
  const lines: string[] = [];
  const o = report.options;
  if (!ctx.quiet) {
    lines.push(
      c.bold(`${clean(report.tool.name)} ${clean(report.tool.version)} fleet: ${plural(report.hosts.length, 'host')}`) +
        `, ${MODE_PHRASE[o.mode]} (--mode ${o.mode})`,
    );
    lines.push(c.dim(`  started ${formatTime(report.startedAt)}, fail-on ${o.failOn}${o.newHost === null ? '' : `, new host ${clean(o.newHost)}`}`));
    if (o.inventory !== null) lines.push(c.dim(`  inventory ${clean(o.inventory)}`));
  }
  for (const u of report.unprobed) {
    const i = l.names.indexOf(u.target);
    const n = i < 0 ? 0 : blockedPairsOf(l, report.pairs, i);
    lines.push(c.red(`  not probed: ${clean(u.target)}: ${clean(u.code)}: ${clean(u.message)}`) + (n > 0 ? c.dim(` (${plural(n, 'pair')} incomplete)`) : ''));
  }
  if (!ctx.quiet) lines.push('', ...matrix(c, l));
  const failing = notGo(report).filter((p) => !onlyBlocked(l, p));
  if (failing.length > 0) {
    lines.push('');
    if (!ctx.quiet) lines.push(c.bold(`Pairs that are not GO (${failing.length}):`));
    const shown = failing.length > MAX_PAIR_LINES ? failing.slice(0, MAX_PAIR_LINES - 1) : failing;
    for (const p of shown) lines.push(pairLine(c, p));
    if (shown.length < failing.length) lines.push(c.dim(`  +${failing.length - shown.length} more pairs (see the HTML or JSON report)`));
  }
  if (!ctx.quiet) lines.push('', ...baseline(c, report, report.cpuBaseline));
  if (report.newHost) lines.push('', ...gate(c, report.newHost));
  const s = report.summary;
  const colour = s.exitCode === 0 ? c.green.bold : s.exitCode === 1 ? c.red.bold : c.magenta.bold;
  if (s.interrupted) lines.push('', c.magenta(`Interrupted (${s.interrupted}): this report holds what was collected until then.`));
  lines.push('');
  lines.push(
    colour(
      `FLEET  ${plural(s.hosts, 'host')} (${s.probed} probed), ${plural(s.pairs, 'pair')}: ${s.go} go, ${s.noGo} no-go, ${s.incomplete} incomplete` +
        ` (exit ${s.exitCode}, ${(report.durationMs / 1000).toFixed(2)} s)`,
    ),
  );
  return `${lines.join('\n')}\n`;
}

function mark(c: ChalkInstance, v: PairVerdict | 'self' | 'none'): string {
  switch (v) {
    case 'go':
      return c.green(FLEET_GLYPH.go);
    case 'no-go':
      return c.red.bold(FLEET_GLYPH['no-go']);
    case 'incomplete':
      return c.magenta.bold(FLEET_GLYPH.incomplete);
    case 'self':
      return c.dim(FLEET_GLYPH.self);
    default:
      return ' ';
  }
}

/**
 * Rows are sources, columns destinations, both numbered; one character per cell and a space.
 * Column numbers are written vertically (tens above units) so a 32-host fleet stays ~90 wide.
 */
function matrix(c: ChalkInstance, l: Layout): string[] {
  const n = l.names.length;
  if (n === 0) return ['No hosts.'];
  const digits = String(n).length;
  const labels = l.names.map((name) => truncate(clean(name), ROW_LABEL));
  const corner = 'src \\ dst';
  const width = Math.max(...labels.map((x) => x.length), corner.length - digits - 1);
  const lead = (s: string): string => `  ${s.padEnd(digits + 1 + width)}  `;
  const out: string[] = [];
  out.push(c.bold('Matrix') + c.dim(' (rows: source, columns: destination)'));
  for (let d = 0; d < digits; d++) {
    const row = l.names.map((_, j) => String(j + 1).padStart(digits)[d] ?? ' ').join(' ');
    out.push(`${lead(d === digits - 1 ? corner : '')}${c.dim(row)}`.trimEnd());
  }
  l.names.forEach((_, i) => {
    const label = `${String(i + 1).padStart(digits)} ${(labels[i] ?? '').padEnd(width)}`;
    const marks = l.names.map((__, j) => (i === j ? mark(c, 'self') : mark(c, l.cells[i]?.[j]?.verdict ?? 'none')));
    out.push(`  ${l.down.has(i) ? c.red(label) : label}  ${marks.join(' ')}`);
  });
  out.push(
    `  ${mark(c, 'go')} go  ${mark(c, 'no-go')} no-go  ${mark(c, 'incomplete')} incomplete  ${mark(c, 'self')} same host`,
  );
  // The legend: number -> host (full name, with the hostname when it differs), wrapped.
  const entries = l.names.map((_, i) => `${i + 1}=${truncate(clean(l.labels[i] ?? ''), LEGEND_LABEL)}`);
  let line = '  hosts:';
  for (const entry of entries) {
    if (Array.from(line).length + 1 + Array.from(entry).length > LEGEND_WIDTH && line !== '  hosts:') {
      out.push(line);
      line = '        ';
    }
    line += ` ${entry}`;
  }
  out.push(line);
  return out;
}

function pairLine(c: ChalkInstance, p: FleetPair): string {
  const g = p.verdict === 'no-go' ? mark(c, 'no-go') : mark(c, 'incomplete');
  const blocked = p.problems.filter((x) => x.messageId === BLOCKED);
  const own = p.problems.filter((x) => x.messageId !== BLOCKED);
  const ids = own.slice(0, MAX_IDS).map((x) => clean(problemLabel(x)));
  if (own.length > MAX_IDS) ids.push(`... (+${own.length - MAX_IDS} more)`);
  if (blocked.length > 0) ids.push(`${plural(blocked.length, 'rule')} not evaluated (a host was not probed)`);
  const what = ids.length > 0 ? ids.join(', ') : p.verdict === 'incomplete' ? 'incomplete (no result says why)' : 'no problem recorded';
  return `  ${g} ${c.bold(`${clean(p.src)} -> ${clean(p.dst)}`)}: ${what}`;
}

function baseline(c: ChalkInstance, report: FleetReport, b: CpuBaseline): string[] {
  const out: string[] = [];
  out.push(c.bold('CPU baseline') + c.dim(' (x86 flags on every host whose flags were read)'));
  if (b.hosts.length === 0) out.push(c.magenta('  no host\'s CPU flags were read'));
  else {
    out.push(`  ${plural(b.common.length, 'common flag')} on ${plural(b.hosts.length, 'host')}; vendor${b.vendors.length === 1 ? '' : 's'}: ${clean(b.vendors.join(', ') || 'unknown')}`);
    if (b.vendors.length > 1) out.push(c.red(`  ${b.vendors.length} CPU vendors: no guest CPU model migrates between them`));
  }
  const shown = b.draggers.length > MAX_DRAGGERS ? b.draggers.slice(0, MAX_DRAGGERS - 1) : b.draggers;
  for (const d of shown) {
    out.push(c.yellow(`  ${clean(d.host)} lacks ${plural(d.lacks.length, 'flag')} all others have: `) + clean(names(d.lacks)));
  }
  if (shown.length < b.draggers.length) out.push(c.dim(`  +${b.draggers.length - shown.length} more hosts lack flags the others have`));
  if (b.hosts.length > 1 && b.draggers.length === 0) out.push(c.green('  no host holds the baseline back'));
  for (const w of b.without) out.push(c.dim(`  flags not read: ${clean(w.host)}: ${clean(w.why)}`));
  if (b.modelsEverywhere === null) {
    const why = modelsUnknownWhy(report);
    out.push(c.magenta(`  models usable everywhere: unknown`) + (why.length > 0 ? `; ${clean(names(why, 3))}` : ''));
  } else {
    out.push(`  models usable everywhere: ${b.modelsEverywhere.length === 0 ? c.red('none') : clean(names(b.modelsEverywhere))}`);
  }
  return out;
}

function gate(c: ChalkInstance, g: NewHostGate): string[] {
  const out: string[] = [];
  const n = g.preExisting.length;
  const pre = n > 0 ? ` (not counted: ${plural(n, 'pre-existing failing pair')} with it, failing for the other hosts too)` : '';
  if (g.broken.length === 0 && g.ok) out.push(c.green.bold(`NEW HOST ${clean(g.host)}: OK, breaks no pair that works without it`) + c.dim(pre));
  else {
    out.push(c.red.bold(`NEW HOST ${clean(g.host)}: ${g.ok ? 'OK' : 'BLOCKED'}, breaks ${plural(g.broken.length, 'pair')} that work${g.broken.length === 1 ? 's' : ''} without it`) + c.dim(pre));
    const shown = g.broken.length > MAX_PAIR_LINES ? g.broken.slice(0, MAX_PAIR_LINES - 1) : g.broken;
    for (const x of shown) {
      const more = x.problems.length > MAX_IDS ? ` ... (+${x.problems.length - MAX_IDS} more)` : '';
      out.push(`  ${mark(c, 'no-go')} ${c.bold(`${clean(x.src)} -> ${clean(x.dst)}`)}: ${clean(x.problems.slice(0, MAX_IDS).join(', ') || 'no problem recorded')}${more}`);
    }
    if (shown.length < g.broken.length) out.push(c.dim(`  +${g.broken.length - shown.length} more pairs`));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// HTML
// ---------------------------------------------------------------------------------------------

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

const CELL_CLASS: Record<PairVerdict, string> = { go: 'c-go', 'no-go': 'c-nogo', incomplete: 'c-incomplete' };
const PAIR_BADGE: Record<PairVerdict, string> = {
  go: '<span class="badge s-pass">GO</span>',
  'no-go': '<span class="badge s-fail">NO-GO</span>',
  incomplete: '<span class="badge s-error">INCOMPLETE</span>',
};

const pairId = (i: number, j: number): string => `pair-${i}-${j}`;

/** A link to a pair's section when it is in the matrix, else its names as text. */
function pairRef(l: Layout, report: FleetReport, src: string, dst: string): string {
  const p = report.pairs.find((x) => x.src === src && x.dst === dst);
  const ij = p ? l.at.get(p) : undefined;
  const text = `${e(src)} → ${e(dst)}`;
  return ij ? `<a href="#${pairId(ij[0], ij[1])}">${text}</a>` : text;
}

function codeList(items: readonly string[], none = '<span class="muted">none</span>'): string {
  return items.length === 0 ? none : items.map((i) => `<code>${e(i)}</code>`).join(', ');
}

function htmlHeader(report: FleetReport, l: Layout): string {
  const s = report.summary;
  const o = report.options;
  const v = fleetVerdict(report);
  const cls = v === 'GO' ? 'v-go' : v === 'NO-GO' ? 'v-nogo' : 'v-incomplete';
  const why =
    v === 'GO'
      ? `Every pair can migrate${o.failOn === 'never' ? ' (the gate is disabled: --fail-on never)' : ` (no failure at or above ${o.failOn} severity)`}.`
      : v === 'NO-GO'
        ? `${s.noGo} of ${plural(s.pairs, 'pair')} cannot migrate (a failure at or above ${o.failOn} severity).`
        : s.interrupted
          ? `The run was interrupted (${s.interrupted}); this report holds what was collected until then.`
          : `${s.incomplete} of ${plural(s.pairs, 'pair')} could not be fully checked${s.hosts > s.probed ? `; ${plural(s.hosts - s.probed, 'host')} not probed` : ''}.`;
  const count = (n: number, what: string, k: string): string => `<span class="count s-${k}${n === 0 ? ' zero' : ''}">${n} ${what}</span>`;
  const notes: string[] = [];
  if (report.newHost) notes.push(`<a href="#new-host">New host ${e(report.newHost.host)}</a>: ${report.newHost.ok ? 'OK' : '<strong>blocked</strong>'}, breaks ${plural(report.newHost.broken.length, 'pair')}`);
  if (report.unprobed.length > 0) notes.push(`<a href="#unprobed">${plural(report.unprobed.length, 'host')} not probed</a>`);
  const out: string[] = [];
  out.push(`<h1>Migration pre-flight: fleet of ${plural(report.hosts.length, 'host')}</h1>`);
  out.push(`<p class="sub">${e(report.tool.name)} ${e(report.tool.version)} · ${e(formatTime(report.startedAt))} · run by ${e(`${report.runBy.user}@${report.runBy.host}`)}</p>`);
  out.push(
    `<section class="verdict ${cls}" id="summary" aria-label="verdict"><div class="word">${v}</div><div><div class="why">${e(why)}</div>` +
      `<div class="counts"><span class="count total">${plural(s.hosts, 'host')} (${s.probed} probed), ${plural(s.pairs, 'pair')}</span>` +
      `${count(s.go, 'go', 'pass')}${count(s.noGo, 'no-go', 'fail')}${count(s.incomplete, 'incomplete', 'error')}</div>` +
      `${notes.length > 0 ? `<div class="notes">${notes.join(' · ')}</div>` : ''}</div></section>`,
  );
  for (const u of report.unprobed) out.push(`<div class="alert"><strong>${e(u.target)} was not probed</strong> (${e(u.code)}): ${e(u.message)}</div>`);
  const ruleSets =
    report.rulesets.length === 0
      ? '<span class="muted">none</span>'
      : report.rulesets.map((r) => `<code>${e(r.path)}</code><br><span class="muted mono small">sha256 ${e(r.sha256)}</span>`).join('<br>');
  out.push(
    `<div class="meta"><div><h3>Run</h3>` +
      kv([
        ['Hosts', `${report.hosts.length} <span class="muted">(${s.probed} probed, ${l.down.size} not)</span>`],
        ['Inventory', o.inventory === null ? '<span class="muted">none (hosts on the command line)</span>' : `<code>${e(o.inventory)}</code>`],
        ['Change', o.changeId ? `<code>${e(o.changeId)}</code>` : '<span class="muted">none (--change-id)</span>'],
        ['Started', e(formatTime(report.startedAt))],
        ['Finished', e(formatTime(report.finishedAt))],
        ['Duration', e(formatDuration(report.durationMs))],
        ['Run by', `<code>${e(`${report.runBy.user}@${report.runBy.host}`)}</code>`],
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
        ['New host', o.newHost === null ? '<span class="muted">none</span>' : `<code>${e(o.newHost)}</code>`],
        ['Waivers file', o.waivers === null ? '<span class="muted">none</span>' : `<code>${e(o.waivers)}</code>`],
        ['Rule sets', ruleSets],
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
      return `<td class="${CELL_CLASS[p.verdict]}"><a href="#${pairId(i, j)}" title="${e(title)}">${FLEET_GLYPH[p.verdict]}</a></td>`;
    });
    const down = l.down.has(i) ? ' <span class="unreach small">not probed</span>' : '';
    return `<tr><th scope="row" title="${e(l.labels[i] ?? name)}"><span class="n">${i + 1}</span>${e(name)}${down}</th>${cells.join('')}</tr>`;
  });
  const key = (cls: string, glyph: string, what: string): string => `<span><span class="k ${cls}">${glyph}</span>${what}</span>`;
  return (
    `<section id="matrix"><h2>Matrix</h2><p class="muted">Rows are sources, columns destinations (numbered as the rows). Each cell links to its pair.</p>` +
    `<div class="matrix-wrap"><table class="matrix"><thead><tr><th class="corner" scope="col">source \\ destination</th>${head}</tr></thead>` +
    `<tbody>${rows.join('')}</tbody></table></div>` +
    `<div class="keys">${key('c-go', FLEET_GLYPH.go, 'go')}${key('c-nogo', FLEET_GLYPH['no-go'], 'no-go')}${key('c-incomplete', FLEET_GLYPH.incomplete, 'incomplete')}${key('c-self', '', 'same host')}</div></section>`
  );
}

function pairSection(p: FleetPair, i: number, j: number): string {
  const s = p.summary;
  const blocked = p.problems.filter((x) => x.messageId === BLOCKED);
  const own = p.problems.filter((x) => x.messageId !== BLOCKED);
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
      `<div class="alert">${blocked.length} ${blocked.length === 1 ? 'rule was' : 'rules were'} not evaluated because a host was not probed` +
        `${blocked[0] ? `: ${e(blocked[0].message)}` : ''}<ul class="ids">${blocked.map((x) => `<li class="mono">${e(resultKey(x))}</li>`).join('')}</ul></div>`,
    );
  }
  if (rows.length > 0) {
    parts.push(`<table class="overview"><thead><tr><th>Status</th><th>Severity</th><th>Rule</th><th>Message</th></tr></thead><tbody>${rows.join('')}</tbody></table>`);
  } else if (blocked.length === 0) {
    parts.push(`<p class="muted">No problem recorded.</p>`);
  }
  if (p.domains.length > 0) {
    const cls = { go: 'pass', 'no-go': 'fail', unknown: 'error' } as const;
    parts.push(
      `<div class="label">Domains (${p.domains.length} moving)</div><table><tbody>${p.domains
        .map((d) => `<tr class="row-${cls[d.verdict]}"><td><span class="badge s-${cls[d.verdict]}">${VERDICT_LABEL[d.verdict]}</span></td><td class="mono">${e(d.name)}</td></tr>`)
        .join('')}</tbody></table>`,
    );
  } else {
    parts.push(`<p class="muted">No moving domain.</p>`);
  }
  const v = p.verdict === 'no-go' ? 'v-nogo' : 'v-incomplete';
  return (
    `<section class="pair ${v}" id="${pairId(i, j)}"><h3>${PAIR_BADGE[p.verdict]} <span class="mono">${e(p.src)} → ${e(p.dst)}</span>` +
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
  const go = report.pairs.filter((p) => p.verdict === 'go' && l.at.has(p));
  if (go.length > 0) {
    const rows = go.map((p) => {
      const [i, j] = l.at.get(p) ?? [0, 0];
      const moving = p.domains.length === 0 ? '<span class="muted">no moving domain</span>' : `${plural(p.domains.length, 'domain')} go`;
      const waived = p.problems.filter((x) => x.status === 'waived');
      const note = p.problems.length === 0 ? '' : ` <span class="muted">(${p.problems.length} below the gate${waived.length > 0 ? `, ${waived.length} waived` : ''}: ${p.problems.map((x) => `<code>${e(resultKey(x))}</code>`).join(', ')})</span>`;
      return `<tr id="${pairId(i, j)}"><td>${PAIR_BADGE.go}</td><td class="mono">${e(p.src)} → ${e(p.dst)}</td><td>${moving}${note}</td><td><a href="#matrix">matrix</a></td></tr>`;
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

function htmlGate(report: FleetReport, l: Layout): string {
  const g = report.newHost;
  if (!g) return '';
  const cls = g.ok ? 'v-go' : 'v-nogo';
  const rows = g.broken.map((x) => `<tr class="row-fail"><td>${pairRef(l, report, x.src, x.dst)}</td><td>${codeList(x.problems)}</td></tr>`);
  const pre = g.preExisting.map((x) => `<li>${pairRef(l, report, x.src, x.dst)}</li>`);
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
 * a host name never makes an id), a section per pair that is not GO, the CPU baseline, the
 * --new-host gate, the hosts not probed and a hosts table. Every string is escaped.
 */
export function renderFleetHtml(report: FleetReport): string {
  const l = layout(report);
  const v = fleetVerdict(report);
  const body = [
    htmlHeader(report, l),
    htmlMatrix(l),
    htmlPairs(report, l),
    htmlBaseline(report),
    htmlGate(report, l),
    htmlUnprobed(report),
    htmlHosts(report),
    signOff(report.options.changeId),
    `<footer><div>Generated by ${e(report.tool.name)} ${e(report.tool.version)} from the run started ${e(formatTime(report.startedAt))}; the JSON report holds every host's probe output.</div></footer>`,
  ].filter((x) => x !== '');
  return htmlPage(`${v}: fleet of ${plural(report.hosts.length, 'host')} · ${e(report.tool.name)}`, `${CSS}${FLEET_CSS}`, body);
}

// ---------------------------------------------------------------------------------------------
// JSON
// ---------------------------------------------------------------------------------------------

/** The fleet report as saved: the whole object, indented. */
export function renderFleetJson(report: FleetReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
