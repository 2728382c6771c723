/**
 * Compatibility groups: hosts that can all take each other's guests. A greedy clique cover of the
 * symmetric go graph (hosts i and j are joined when i -> j and j -> i are both go), on bitsets: one
 * row of 32-bit words per host. Each group starts at the uncovered host with the most uncovered
 * neighbours, then adds, of the hosts joined to all it has so far, the one joined to most of the
 * others (ties: the first in host order; hosts joined to all the others are added at once, as the
 * greedy would take them one by one). Deterministic; about O(N^2 / 32) per group plus the edges.
 */
import { goOutcomes, type Cells } from './cells.js';
import { cpuBaseline } from './matrix.js';
import type { HostReport } from '../types.js';
import type { FleetGroup } from './types.js';

function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

/** Word w of a bitset (0 past its end). */
const at = (words: Uint32Array, w: number): number => words[w] ?? 0;
const setBit = (words: Uint32Array, i: number): void => void (words[i >>> 5] = at(words, i >>> 5) | (1 << (i & 31)));
const clearBit = (words: Uint32Array, i: number): void => void (words[i >>> 5] = at(words, i >>> 5) & ~(1 << (i & 31)));
const add = (xs: Int32Array, i: number, d: number): void => void (xs[i] = (xs[i] ?? 0) + d);

/** Calls `f` with the index of every bit set in both `a` and `b` (b: every bit when omitted), in order. */
function eachBit(a: Uint32Array, f: (i: number) => void, b?: Uint32Array): void {
  for (let w = 0; w < a.length; w++) {
    let x = b ? at(a, w) & at(b, w) : at(a, w);
    while (x !== 0) {
      const low = x & -x;
      f(w * 32 + 31 - Math.clz32(low));
      x ^= low;
    }
  }
}

/** |a AND b| over one row of words each. */
function andCount(a: Uint32Array, b: Uint32Array): number {
  let c = 0;
  for (let w = 0; w < a.length; w++) c += popcount((at(a, w) & at(b, w)) >>> 0);
  return c;
}

/** The groups as host indices, largest first (ties: the one with the first host first), each in host order. */
export function compatibilityGroups(m: Cells): number[][] {
  const { n, cells } = m;
  const words = (n + 31) >>> 5;
  const go = goOutcomes(m);
  const adj = new Uint32Array(n * words);
  const row = (i: number): Uint32Array => adj.subarray(i * words, (i + 1) * words);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      if (go[cells[i * n + j] as number] && go[cells[j * n + i] as number]) {
        setBit(row(i), j);
        setBit(row(j), i);
      }
    }
  }
  const uncovered = new Uint32Array(words);
  for (let i = 0; i < n; i++) setBit(uncovered, i);
  const degree = new Int32Array(n);
  for (let i = 0; i < n; i++) degree[i] = andCount(row(i), uncovered);
  // Per candidate: how many of the other candidates it is joined to.
  const inP = new Int32Array(n);
  const candidates = new Uint32Array(words);
  const dropped = new Uint32Array(words);
  const groups: number[][] = [];
  for (let left = n; left > 0; ) {
    let seed = -1;
    eachBit(uncovered, (i) => {
      if (seed < 0 || (degree[i] as number) > (degree[seed] as number)) seed = i;
    });
    const group = [seed];
    for (let w = 0; w < words; w++) candidates[w] = at(row(seed), w) & at(uncovered, w);
    let size = 0;
    eachBit(candidates, (u) => {
      inP[u] = andCount(row(u), candidates);
      size++;
    });
    while (size > 0) {
      let best = -1;
      const universal: number[] = [];
      eachBit(candidates, (u) => {
        if (inP[u] === size - 1) universal.push(u);
        if (best < 0 || (inP[u] as number) > (inP[best] as number)) best = u;
      });
      if (universal.length > 0) {
        // Joined to every other candidate: taken together; the rest are joined to them all and lose them as candidates.
        group.push(...universal);
        for (const u of universal) clearBit(candidates, u);
        size -= universal.length;
        eachBit(candidates, (u) => add(inP, u, -universal.length));
        continue;
      }
      group.push(best);
      // Drop best and the candidates not joined to it; the others lose a neighbour per host dropped.
      const b = row(best);
      for (let w = 0; w < words; w++) {
        dropped[w] = at(candidates, w) & ~at(b, w);
        candidates[w] = at(candidates, w) & at(b, w);
      }
      clearBit(dropped, best);
      size--;
      eachBit(candidates, (u) => add(inP, u, -1));
      eachBit(dropped, (r) => {
        size--;
        eachBit(row(r), (u) => add(inP, u, -1), candidates);
      });
    }
    group.sort((x, y) => x - y);
    for (const g of group) clearBit(uncovered, g);
    for (const g of group) eachBit(row(g), (u) => add(degree, u, -1));
    left -= group.length;
    groups.push(group);
  }
  return groups.sort((x, y) => y.length - x.length || (x[0] as number) - (y[0] as number));
}

/** The compatibility groups of the report: their hosts' targets and each group's own CPU baseline (cpuBaseline on its hosts). */
export function fleetGroups(m: Cells, hosts: readonly HostReport[], ignore: readonly string[]): FleetGroup[] {
  return compatibilityGroups(m).map((g) => {
    const members = g.map((i) => hosts[i] as HostReport);
    return { hosts: members.map((h) => h.target), cpuBaseline: cpuBaseline(members, ignore) };
  });
}
