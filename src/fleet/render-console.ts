/**
 * The fleet report for a terminal (renderFleetConsole). Hosts are untrusted: every string that
 * came from one (and, to be safe, every string at all) goes through sanitizeForTerminal.
 */
import { Chalk, type ChalkInstance } from 'chalk';
import type { CpuBaseline, FleetPair, FleetReport, NewHostGate, PairVerdict } from './types.js';
import { sanitizeForTerminal as clean } from '../report/sanitize.js';
import { formatTime, isBlocked, lookOf, plural, resultKey, VERDICT_LOOK, verdictOfExit } from '../report/view.js';
import { MODE_PHRASE } from '../checks/vocabulary.js';
import { blockedPairsOf, FLEET_GLYPH, layout, modelsUnknownWhy, names, notGo, onlyBlocked, type Layout } from './render-layout.js';

export interface FleetConsoleContext {
  readonly color: boolean;
  readonly quiet: boolean;
}

type Problem = FleetPair['problems'][number];

/** Failing pairs listed one per line before "+N more". */
const MAX_PAIR_LINES = 40;
/** Problem ids on one pair line before "+N more". */
const MAX_IDS = 10;
/** Hosts that lack flags, one line each, before "+N more". */
const MAX_DRAGGERS = 10;
/** Row labels of the console matrix are cut to this many characters (the legend has them whole). */
const ROW_LABEL = 20;
/** Legend entries are cut to this many characters. */
const LEGEND_LABEL = 48;
/** The console legend wraps at this width. */
const LEGEND_WIDTH = 100;

/** "cpu.flags [web01] (critical)", with the status when it is not a plain failure. */
function problemLabel(p: Problem): string {
  return `${resultKey(p)} (${p.severity}${p.status === 'fail' ? '' : `, ${p.status}`})`;
}

function truncate(s: string, max: number): string {
  const cps = Array.from(s);
  return cps.length <= max ? s : `${cps.slice(0, max - 1).join('')}…`;
}

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
  const colour = c[VERDICT_LOOK[verdictOfExit(s.exitCode)].colour].bold;
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
  if (v === 'self') return c.dim(FLEET_GLYPH.self);
  if (v === 'none') return ' ';
  // In the verdict's colour; the marks that need a look (no-go, incomplete) in bold.
  const paint = c[lookOf(v).colour];
  return v === 'go' ? paint(FLEET_GLYPH.go) : paint.bold(FLEET_GLYPH[v]);
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
  const blocked = p.problems.filter(isBlocked);
  const own = p.problems.filter((x) => !isBlocked(x));
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
