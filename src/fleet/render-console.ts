/**
 * The fleet report for a terminal (renderFleetConsole). Hosts are untrusted: every string that
 * came from one (and, to be safe, every string at all) goes through sanitizeForTerminal.
 */
import { Chalk, type ChalkInstance } from 'chalk';
import type { CpuBaseline, FleetCause, FleetPair, FleetReport, NewHostGate, PairVerdict } from './types.js';
import { sanitizeForTerminal as clean } from '../report/sanitize.js';
import { formatTime, isBlocked, lookOf, plural, resultKey, VERDICT_LOOK, verdictOfExit } from '../report/view.js';
import { MODE_PHRASE } from '../checks/vocabulary.js';
import { blockedPairsByHost, blockedPairsOf, causeLabel, causesOf, FLEET_GLYPH, groupCpu, isLarge, layout, modelsUnknownWhy, names, notGo, onlyBlocked, type Layout } from './render-layout.js';

export interface FleetConsoleContext {
  readonly color: boolean;
  readonly quiet: boolean;
}

type Problem = FleetPair['problems'][number];

/** Failing pairs listed one per line before "+N more". */
const MAX_PAIR_LINES = 40;
/** Problem ids on one pair line before "+N more". */
const MAX_IDS = 10;
/** Large fleets: groups of more than one host listed before "+N more", and the hosts named per group. */
const MAX_GROUPS = 20;
const GROUP_HOSTS = 8;
/** Large fleets: causes listed before "+N more". */
const MAX_CAUSES = 25;
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
  const large = isLarge(report);
  const l = large ? null : layout(report);
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
  const blocked = l ? null : blockedPairsByHost(report);
  for (const u of report.unprobed) {
    const i = l ? l.names.indexOf(u.target) : -1;
    const n = blocked ? (blocked.get(u.target) ?? 0) : l && i >= 0 ? blockedPairsOf(l, report.pairs ?? [], i) : 0;
    lines.push(c.red(`  not probed: ${clean(u.target)}: ${clean(u.code)}: ${clean(u.message)}`) + (n > 0 ? c.dim(` (${plural(n, 'pair')} incomplete)`) : ''));
  }
  if (l) lines.push(...pairLines(c, report, l, ctx.quiet));
  else {
    if (!ctx.quiet) lines.push('', ...groupLines(c, report));
    lines.push('', ...causeLines(c, report, ctx.quiet));
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

/** A fleet of up to 64 hosts: the matrix, then one line per pair that is not GO (those only blocked by a host not probed left out). */
function pairLines(c: ChalkInstance, report: FleetReport, l: Layout, quiet: boolean): string[] {
  const lines = quiet ? [] : ['', ...matrix(c, l)];
  const failing = notGo(report).filter((p) => !onlyBlocked(l, p));
  if (failing.length > 0) {
    lines.push('');
    if (!quiet) lines.push(c.bold(`Pairs that are not GO (${failing.length}):`));
    const shown = failing.length > MAX_PAIR_LINES ? failing.slice(0, MAX_PAIR_LINES - 1) : failing;
    for (const p of shown) lines.push(pairLine(c, p));
    if (shown.length < failing.length) lines.push(c.dim(`  +${failing.length - shown.length} more pairs (see the HTML or JSON report)`));
  }
  return lines;
}

/** A large fleet's compatibility groups: size, hosts, and what each group's CPU baseline adds to the fleet's. */
function groupLines(c: ChalkInstance, report: FleetReport): string[] {
  const groups = report.groups.filter((g) => g.hosts.length > 1);
  const alone = report.groups.filter((g) => g.hosts.length === 1).map((g) => g.hosts[0] as string);
  const out = [c.bold(`Compatibility groups (${report.groups.length})`) + c.dim(' (every ordered pair within a group is GO; every host in one group)')];
  const shown = groups.length > MAX_GROUPS ? groups.slice(0, MAX_GROUPS - 1) : groups;
  const width = String(report.groups.length).length;
  shown.forEach((g, k) => {
    const cpu = groupCpu(report, g);
    out.push(`  ${String(k + 1).padStart(width)}. ${c.bold(plural(g.hosts.length, 'host'))}: ${clean(names(g.hosts, GROUP_HOSTS))}`);
    const models = cpu.models === null ? 'models unknown' : cpu.extraModels && cpu.extraModels.length > 0 ? `models beyond the fleet's: ${clean(names(cpu.extraModels, 6))}` : 'no model beyond the fleet\'s';
    const flags = cpu.extraFlags.length > 0 ? `${plural(cpu.flags, 'common flag')} (+${cpu.extraFlags.length} beyond the fleet's: ${clean(names(cpu.extraFlags, 6))})` : plural(cpu.flags, 'common flag');
    out.push(c.dim(`  ${' '.repeat(width + 2)}${flags}; ${models}`));
  });
  if (shown.length < groups.length) {
    const rest = groups.slice(shown.length);
    out.push(c.dim(`  +${rest.length} more groups of ${rest.reduce((a, g) => a + g.hosts.length, 0)} hosts (see the HTML or JSON report)`));
  }
  if (alone.length > 0) out.push(c.yellow(`  ${plural(alone.length, 'host')} in no group with another (no other host takes its guests and gives it theirs): `) + clean(names(alone, GROUP_HOSTS)));
  return out;
}

/** A large fleet's pairs that are not GO, by cause: one line each with its counts and a first example. */
function causeLines(c: ChalkInstance, report: FleetReport, quiet: boolean): string[] {
  const { listed, blocked } = causesOf(report);
  const s = report.summary;
  const out = quiet ? [] : [c.bold(`Pairs that are not GO by cause`) + c.dim(` (${s.noGo + s.incomplete} of ${plural(s.pairs, 'pair')}; a pair counts under each of its causes)`)];
  if (listed.length === 0 && blocked.length === 0) out.push(c.green('  none: every pair is GO'));
  const shown = listed.length > MAX_CAUSES ? listed.slice(0, MAX_CAUSES - 1) : listed;
  for (const x of shown) out.push(...causeLine(c, x));
  if (shown.length < listed.length) out.push(c.dim(`  +${listed.length - shown.length} more causes (see the HTML or JSON report)`));
  if (blocked.length > 0) {
    const most = Math.max(...blocked.map((x) => x.pairs));
    out.push(c.dim(`  ${plural(blocked.length, 'rule')} not evaluated on up to ${plural(most, 'pair')} with a host not probed (see "not probed" above)`));
  }
  return out;
}

function causeLine(c: ChalkInstance, x: FleetCause): string[] {
  const first = x.examples[0];
  const example = first ? `      e.g. ${clean(first.src)} -> ${clean(first.dst)}${first.domain ? ` [${clean(first.domain)}]` : ''}: ${clean(truncate(first.message, 100))}` : '';
  return [
    `  ${mark(c, x.status === 'fail' ? 'no-go' : 'incomplete')} ${c.bold(clean(causeLabel(x)))} (${x.severity}${x.status === 'fail' ? '' : ', error'}): ` +
      `${plural(x.pairs, 'pair')}, ${plural(x.sources, 'source')}, ${plural(x.destinations, 'destination')}`,
    ...(example ? [c.dim(example)] : []),
  ];
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
