/**
 * What the fleet renderers (render-console.ts, render-html.ts) share: where each pair sits in the
 * N x N matrix, which pairs are not GO, and the lists both print. Pure.
 */
import type { FleetPair, FleetReport, PairVerdict } from './types.js';
import { hostLabel, isBlocked } from '../report/view.js';

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
  return { names, labels: report.hosts.map((h) => hostLabel(h)), cells, at, down };
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
  return [...report.pairs.filter((p) => p.verdict === 'no-go'), ...report.pairs.filter((p) => p.verdict === 'incomplete')];
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
