/**
 * What the fleet renderers (render-console.ts, render-html.ts) share: where each pair sits in the
 * N x N matrix, which pairs are not GO, and the lists both print. Pure.
 */
import { FLEET_PAIRS_MAX_HOSTS, type FleetCause, type FleetGroup, type FleetPair, type FleetReport, type PairVerdict } from './types.js';
import { hostLabel, isBlocked } from '../report/view.js';
import { decodeMatrix, expandPairs } from './cells.js';

/** One matrix cell's mark, the same with colour on or off. */
export const FLEET_GLYPH: Record<PairVerdict | 'self', string> = { go: '✓', 'no-go': '✗', incomplete: '?', self: '·' };

/** Flag or model names on one line before "+N more". */
const MAX_NAMES = 12;

/** The matrix both renderers draw: its hosts and where each pair sits. */
export interface Layout {
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
export function layout(report: FleetReport): Layout {
  const names = report.hosts.map((h) => h.target);
  const n = names.length;
  const index = new Map<string, number>();
  names.forEach((name, i) => {
    if (!index.has(name)) index.set(name, i);
  });
  const cells: (FleetPair | undefined)[][] = names.map(() => names.map(() => undefined));
  const at = new Map<FleetPair, readonly [number, number]>();
  pairsOf(report).forEach((p, k) => {
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
  return { names, labels: report.hosts.map((h) => hostLabel(h)), cells, at, down: downOf(report) };
}

/** Hosts that were not probed, by index. */
function downOf(report: FleetReport): Set<number> {
  const unprobed = new Set(report.unprobed.map((u) => u.target));
  const down = new Set<number>();
  report.hosts.forEach((h, i) => {
    if (!h.reachable || unprobed.has(h.target)) down.add(i);
  });
  return down;
}

/** A fleet too large to list pair by pair: the renderers show its groups and causes instead of the matrix. */
export const isLarge = (report: FleetReport): boolean => report.hosts.length > FLEET_PAIRS_MAX_HOSTS;

/** Every pair: the report's list, else (a large fleet) expanded from its matrix. */
export function pairsOf(report: FleetReport): readonly FleetPair[] {
  return report.pairs ?? expandPairs(decodeMatrix(report.matrix), report.hosts.map((h) => h.target));
}

/** Per host not probed (by target): its pairs that say only that, read from the matrix without expanding it. */
export function blockedPairsByHost(report: FleetReport): Map<string, number> {
  const m = decodeMatrix(report.matrix);
  const only = m.outcomes.map((o) => o.verdict === 'incomplete' && o.problems.every(isBlocked));
  const out = new Map<string, number>();
  for (const i of downOf(report)) {
    let k = 0;
    for (let j = 0; j < m.n; j++) if (j !== i) k += (only[m.cells[i * m.n + j] as number] ? 1 : 0) + (only[m.cells[j * m.n + i] as number] ? 1 : 0);
    out.set(report.hosts[i]?.target ?? '', k);
  }
  return out;
}

/** The causes to list one by one, and those that say only that a host was not probed (shown as one line). */
export function causesOf(report: FleetReport): { readonly listed: readonly FleetCause[]; readonly blocked: readonly FleetCause[] } {
  return { listed: report.causes.filter((x) => !isBlocked(x)), blocked: report.causes.filter(isBlocked) };
}

/** "cpu.flags: flags.missing", the cause's words. */
export const causeLabel = (x: FleetCause): string => `${x.id}: ${x.messageId}`;

/** What a group's CPU baseline adds to the fleet's: flags and named models beyond those every host has. */
export function groupCpu(report: FleetReport, g: FleetGroup): { readonly flags: number; readonly extraFlags: readonly string[]; readonly models: readonly string[] | null; readonly extraModels: readonly string[] | null } {
  const fleetFlags = new Set(report.cpuBaseline.common);
  const fleetModels = new Set(report.cpuBaseline.modelsEverywhere ?? []);
  const b = g.cpuBaseline;
  return {
    flags: b.common.length,
    extraFlags: b.common.filter((f) => !fleetFlags.has(f)),
    models: b.modelsEverywhere,
    extraModels: b.modelsEverywhere?.filter((x) => !fleetModels.has(x)) ?? null,
  };
}

/** A pair that says nothing beyond "a host was not probed": one of its hosts is down and every problem says only that. */
export function onlyBlocked(l: Layout, p: FleetPair): boolean {
  const ij = l.at.get(p);
  if (!ij || !(l.down.has(ij[0]) || l.down.has(ij[1]))) return false;
  return p.verdict === 'incomplete' && p.problems.every(isBlocked);
}

/** How many pairs with host i say only that a host was not probed. */
export function blockedPairsOf(l: Layout, pairs: readonly FleetPair[], i: number): number {
  return pairs.filter((p) => {
    const ij = l.at.get(p);
    return ij !== undefined && (ij[0] === i || ij[1] === i) && onlyBlocked(l, p);
  }).length;
}

/** Failing pairs first, then incomplete ones, each in inventory order. */
export function notGo(report: FleetReport): FleetPair[] {
  const pairs = pairsOf(report);
  return [...pairs.filter((p) => p.verdict === 'no-go'), ...pairs.filter((p) => p.verdict === 'incomplete')];
}

/** Names joined by ", ", at most `max` of them, then "... (+N more)". */
export function names(xs: readonly string[], max = MAX_NAMES): string {
  const more = xs.length > max ? ` ... (+${xs.length - max} more)` : '';
  return xs.slice(0, max).join(', ') + more;
}

/** Why libvirt's usable models are unknown on some host: "hv4: not probed; hv2: virsh domcapabilities failed". */
/** Why the models usable everywhere are unknown: one entry per reason, naming the hosts it holds for. */
export function modelsUnknownWhy(report: FleetReport): string[] {
  const byReason = new Map<string, string[]>();
  for (const h of report.hosts) {
    const cs = h.facts.libvirt?.cpuSupport;
    if (cs?.models) continue;
    const why = !h.reachable ? 'not probed' : (cs?.modelsUnknownBecause ?? 'libvirt did not report its CPU models');
    byReason.set(why, [...(byReason.get(why) ?? []), h.target]);
  }
  return [...byReason].map(([why, hosts]) => `${names(hosts, 4)}: ${why}`);
}
