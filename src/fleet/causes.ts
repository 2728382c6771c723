/**
 * Why pairs are not GO, by cause: each failure or error of a pair that is not go, keyed on its
 * rule id, message id and status (not its domain), counted over the pairs without expanding them:
 * the causes of each outcome first, then the cells row by row, a source or destination bitset per cause.
 */
import { SEVERITIES } from '../types.js';
import type { Cells } from './cells.js';
import type { FleetCause, FleetOutcome } from './types.js';

/** Example pairs per cause. */
const EXAMPLES = 3;

interface Tally {
  readonly id: string;
  readonly messageId: string;
  readonly status: 'fail' | 'error';
  severity: FleetCause['severity'];
  pairs: number;
  readonly sources: Uint8Array;
  readonly destinations: Uint8Array;
  readonly examples: FleetCause['examples'][number][];
  /** The last source an example was taken from: at most one per source. */
  exampleSrc: number;
}

type Problem = FleetOutcome['problems'][number];

/** The causes, most pairs first (then the most severe, then by id and message id). */
export function failingCauses(m: Cells, targets: readonly string[]): FleetCause[] {
  const { n, cells } = m;
  const tallies: Tally[] = [];
  const byKey = new Map<string, number>();
  // Per outcome: its causes (tally index), each with the first problem of the outcome with it and the most severe one's severity.
  const perOutcome = m.outcomes.map((o): { tally: number; problem: Problem; severity: Problem['severity'] }[] => {
    if (o.verdict === 'go') return [];
    const seen = new Map<number, { tally: number; problem: Problem; severity: Problem['severity'] }>();
    for (const p of o.problems) {
      if (p.status !== 'fail' && p.status !== 'error') continue;
      const key = `${p.id}\u0000${p.messageId}\u0000${p.status}`;
      let t = byKey.get(key);
      if (t === undefined) {
        byKey.set(key, (t = tallies.length));
        tallies.push({ id: p.id, messageId: p.messageId, status: p.status, severity: p.severity, pairs: 0, sources: new Uint8Array(n), destinations: new Uint8Array(n), examples: [], exampleSrc: -1 });
      }
      const had = seen.get(t);
      if (!had) seen.set(t, { tally: t, problem: p, severity: p.severity });
      else if (moreSevere(p.severity, had.severity)) had.severity = p.severity;
    }
    return [...seen.values()];
  });
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      if (i === j) continue;
      for (const { tally, problem, severity } of perOutcome[cells[i * n + j] as number] ?? []) {
        const t = tallies[tally] as Tally;
        t.pairs++;
        t.sources[i] = 1;
        t.destinations[j] = 1;
        if (moreSevere(severity, t.severity)) t.severity = severity;
        if (t.examples.length < EXAMPLES && t.exampleSrc !== i) {
          t.exampleSrc = i;
          t.examples.push({ src: targets[i] as string, dst: targets[j] as string, domain: problem.domain, message: problem.message });
        }
      }
    }
  }
  const ones = (xs: Uint8Array): number => xs.reduce((a, x) => a + x, 0);
  return tallies
    .filter((t) => t.pairs > 0)
    .map((t): FleetCause => ({ id: t.id, messageId: t.messageId, status: t.status, severity: t.severity, pairs: t.pairs, sources: ones(t.sources), destinations: ones(t.destinations), examples: t.examples }))
    .sort((a, b) => b.pairs - a.pairs || SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity) || cmp(a.id, b.id) || cmp(a.messageId, b.messageId) || cmp(a.status, b.status));
}

const moreSevere = (a: Problem['severity'], b: Problem['severity']): boolean => SEVERITIES.indexOf(a) < SEVERITIES.indexOf(b);
const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
