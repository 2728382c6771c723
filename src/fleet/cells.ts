/**
 * The fleet's matrix as cells (classes.ts's ClassMatrix: one outcome index per ordered pair),
 * read without expanding the pairs: the report's run-length encoded form (FleetMatrix) and back,
 * pairs per outcome, verdict counts, and the --new-host gate, each in O(N^2) or less.
 */
import type { ClassMatrix } from './classes.js';
import type { FleetMatrix, FleetOutcome, FleetPair, FleetProblem, MatrixOutcome, NewHostGate, PairVerdict } from './types.js';

/** What these functions read of a ClassMatrix: `outcomes[cells[i * n + j]]` is the pair i -> j (the diagonal unused). */
export type Cells = Pick<ClassMatrix, 'n' | 'outcomes' | 'cells'>;

/** The k-th cell of row i (the diagonal skipped) is destination k, or k + 1 from the diagonal on. */
const destination = (i: number, k: number): number => (k < i ? k : k + 1);

/** The report's form: the problems and outcomes the cells use, in order of first use, and each row's runs (FleetMatrix). */
export function encodeMatrix(m: Cells): FleetMatrix {
  const { n, cells } = m;
  const index = new Int32Array(m.outcomes.length).fill(-1);
  const problems: FleetProblem[] = [];
  const problemIds = new Map<string, number>();
  const problemId = (p: FleetProblem): number => {
    const k = JSON.stringify([p.id, p.domain, p.severity, p.status, p.message, p.messageId]);
    let x = problemIds.get(k);
    if (x === undefined) problemIds.set(k, (x = problems.push(p) - 1));
    return x;
  };
  const outcomes: MatrixOutcome[] = [];
  const rows: number[][] = [];
  for (let i = 0; i < n; i++) {
    const row: number[] = [];
    let last = -1;
    for (let k = 0; k < n - 1; k++) {
      const o = cells[i * n + destination(i, k)] as number;
      let x = index[o] as number;
      if (x < 0) {
        x = index[o] = outcomes.length;
        const { problems: ps, ...rest } = m.outcomes[o] as FleetOutcome;
        outcomes.push({ ...rest, problems: ps.map(problemId) });
      }
      if (x === last) row[row.length - 1] = (row[row.length - 1] as number) + 1;
      else row.push(x, 1);
      last = x;
    }
    rows.push(row);
  }
  return { problems, outcomes, rows };
}

/** The cells of a report's matrix (n = its rows); throws on rows that do not cover n - 1 destinations or name no outcome, and on outcomes that name no problem. */
export function decodeMatrix(matrix: FleetMatrix): Cells {
  const n = matrix.rows.length;
  const outcomes = matrix.outcomes.map((o, k): FleetOutcome => ({
    ...o,
    problems: o.problems.map((p) => {
      const x = matrix.problems[p];
      if (x === undefined) throw new Error(`fleet matrix outcome ${k}: no problem ${p}`);
      return x;
    }),
  }));
  const cells = new Uint32Array(n * n);
  matrix.rows.forEach((row, i) => {
    let k = 0;
    for (let r = 0; r + 1 < row.length; r += 2) {
      const o = row[r] as number;
      const run = row[r + 1] as number;
      if (!(o >= 0 && o < matrix.outcomes.length) || !(run >= 1) || k + run > n - 1) throw new Error(`fleet matrix row ${i}: bad run [${o}, ${run}] at destination ${k}`);
      for (const end = k + run; k < end; k++) cells[i * n + destination(i, k)] = o;
    }
    if (k !== n - 1 || row.length % 2 !== 0) throw new Error(`fleet matrix row ${i}: covers ${k} of ${n - 1} destinations`);
  });
  return { n, outcomes, cells };
}

/** Every pair, as the report lists them for small fleets: by source then destination. */
export function expandPairs(m: Cells, targets: readonly string[]): FleetPair[] {
  const pairs: FleetPair[] = [];
  for (let i = 0; i < m.n; i++) {
    for (let j = 0; j < m.n; j++) {
      if (i !== j) pairs.push({ src: targets[i] as string, dst: targets[j] as string, ...(m.outcomes[m.cells[i * m.n + j] as number] as FleetOutcome) });
    }
  }
  return pairs;
}

/** How many pairs have each outcome (the diagonal not counted). */
export function pairsPerOutcome(m: Cells): Uint32Array {
  const count = new Uint32Array(m.outcomes.length);
  for (let i = 0; i < m.n; i++) {
    for (let j = 0; j < m.n; j++) {
      const o = m.cells[i * m.n + j] as number;
      if (i !== j) count[o] = (count[o] as number) + 1;
    }
  }
  return count;
}

/** Pairs per verdict. */
export function verdictCounts(m: Cells): Record<PairVerdict, number> {
  const per = pairsPerOutcome(m);
  const out: Record<PairVerdict, number> = { go: 0, 'no-go': 0, incomplete: 0 };
  m.outcomes.forEach((o, k) => (out[o.verdict] += per[k] as number));
  return out;
}

/** Per outcome: 1 when it is go. */
export function goOutcomes(m: Cells): Uint8Array {
  return Uint8Array.from(m.outcomes, (o) => (o.verdict === 'go' ? 1 : 0));
}

/** A problem as the gate names it: "network.bridges [web01]". */
const problemName = (r: FleetOutcome['problems'][number]): string => `${r.id}${r.domain ? ` [${r.domain}]` : ''}`;

/**
 * --new-host: the pairs with the new host that fail while the other side works with some other
 * host ("X can evacuate elsewhere but not to H"), and those that fail for every other host too.
 * Go pairs per source and per destination are counted once, so the gate is O(N^2).
 */
export function newHostGate(host: string, targets: readonly string[], m: Cells): NewHostGate {
  const h = targets.indexOf(host);
  const broken: NewHostGate['broken'][number][] = [];
  const preExisting: { src: string; dst: string }[] = [];
  if (h >= 0) {
    const go = goOutcomes(m);
    const { n, cells } = m;
    const goFrom = new Uint32Array(n);
    const goTo = new Uint32Array(n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        if (i !== j && go[cells[i * n + j] as number]) {
          goFrom[i] = (goFrom[i] as number) + 1;
          goTo[j] = (goTo[j] as number) + 1;
        }
      }
    }
    // Only hosts other than H and X are alternatives: as the pair with H is not go, H is not among the go ones counted.
    const alone = n <= 2;
    for (let x = 0; x < n; x++) {
      if (x === h) continue;
      for (const [s, d, worksElsewhere] of [
        [x, h, (goFrom[x] as number) > 0],
        [h, x, (goTo[x] as number) > 0],
      ] as const) {
        const o = m.outcomes[cells[s * n + d] as number] as FleetOutcome;
        if (o.verdict === 'go') continue;
        const pair = { src: targets[s] as string, dst: targets[d] as string };
        if (worksElsewhere || alone) broken.push({ ...pair, problems: o.problems.map(problemName) });
        else preExisting.push(pair);
      }
    }
  }
  return { host, broken, preExisting, ok: broken.length === 0 };
}

/** The cells of a list of every pair by source then destination (as `pairs` holds them): each pair its own outcome. Throws on a list in another order. */
export function cellsOfPairs(targets: readonly string[], pairs: readonly FleetPair[]): Cells {
  const n = targets.length;
  if (pairs.length !== n * (n - 1)) throw new Error(`${pairs.length} pairs for ${n} hosts`);
  const cells = new Uint32Array(n * n);
  const outcomes: FleetOutcome[] = [];
  let k = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      if (i === j) continue;
      const { src, dst, ...outcome } = pairs[k] as FleetPair;
      if (src !== targets[i] || dst !== targets[j]) throw new Error(`pair ${k} is ${src} -> ${dst}, not ${targets[i]} -> ${targets[j]}`);
      cells[i * n + j] = k++;
      outcomes.push(outcome);
    }
  }
  return { n, outcomes, cells };
}
