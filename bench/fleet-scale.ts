/**
 * Fleet at scale: the full matrix of synthetic regions (bench/fleet-hosts.ts: real facts varied
 * as real regions vary) evaluated by classes, one fleet size per child process so that each
 * size's peak memory is its own. For the smallest size the pair-by-pair evaluation runs too, in
 * the same process: the ratio is against that baseline, and every pair's outcome must equal it.
 * Goals (issue 19): 1,000 hosts in under 10 s and 1 GB on one core; 5,000 in under 60 s.
 *
 *   npm run bench:fleet-scale                 (sizes 100, 1000, 5000; 3 runs each, medians)
 *   SIZES=100,1000 RUNS=5 npm run bench:fleet-scale
 *   CPUINFO=DIR       a folder of cpuinfo dumps instead of ../shared/corpus/cpuinfo
 *
 * Prints one line per size: hosts=N seconds=S peakMB=M (and the classes' figures beside it; reportSeconds:
 * what the report makes of the cells: encoded matrix, compatibility groups, causes, a --new-host gate).
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { rulesFor } from '../src/check.js';
import { matrixViews } from '../src/fleet/assemble.js';
import { jsonChunks } from '../src/report/json-chunks.js';
import { newHostGate } from '../src/fleet/cells.js';
import { evaluateByClasses } from '../src/fleet/classes.js';
import { evaluateMatrix, type MatrixInput } from '../src/fleet/matrix.js';
import { reportOptions } from '../src/pair/evaluate.js';
import { syntheticFleet } from './fleet-hosts.js';

const input = (): MatrixInput => ({ ruleSet: rulesFor({}), options: reportOptions({ dirtyRateMiBs: 2, bandwidthMiBs: 1000, domains: [] }), waivers: [], now: new Date() });
// The matrix's JSON as the report writes it (in pieces: 5,000 hosts' is longer than a string can be).
const jsonLength = (v: unknown): number => {
  let n = 0;
  for (const piece of jsonChunks(v)) n += piece.length;
  return n;
};
const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1] as number;

if (process.argv[2] === '--one') {
  // A child: one size, one run.
  const n = Number(process.argv[3]);
  const probed = syntheticFleet(n, { cpuinfo: process.env.CPUINFO });
  const t0 = performance.now();
  const m = evaluateByClasses(probed, input());
  const seconds = (performance.now() - t0) / 1000;
  // What the report makes of the cells (encoded matrix, groups, causes, a gate), and the matrix's JSON size.
  const t1 = performance.now();
  const views = matrixViews(m, probed.map((p) => p.report), []);
  newHostGate(probed[0]?.report.target ?? '', probed.map((p) => p.report.target), m);
  const viewSeconds = (performance.now() - t1) / 1000;
  const out: Record<string, unknown> = { seconds, viewSeconds, matrixMB: jsonLength(views.matrix) / 1e6, groups: views.groups.length, largestGroup: views.groups[0]?.hosts.length ?? 0, outcomes: m.outcomes.length, evaluations: m.stats.ruleEvaluations, ruleCells: m.stats.ruleCells, go: 0 };
  let go = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (i !== j && m.outcomes[m.cells[i * n + j] as number]?.verdict === 'go') go++;
  out.go = go;
  if (process.env.COMPARE === '1') {
    const t1 = performance.now();
    const plain = evaluateMatrix(probed, input());
    out.pairwiseSeconds = (performance.now() - t1) / 1000;
    let k = 0;
    let differ = 0;
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        if (i === j) continue;
        const { src: _s, dst: _d, ...want } = plain[k++] as (typeof plain)[number];
        if (JSON.stringify(want) !== JSON.stringify(m.outcomes[m.cells[i * n + j] as number])) differ++;
      }
    out.differ = differ;
  }
  out.peakMB = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(`${JSON.stringify(out)}\n`);
} else {
  const sizes = (process.env.SIZES ?? '100,1000,5000').split(',').map(Number);
  const runs = Number(process.env.RUNS ?? 3);
  const self = fileURLToPath(import.meta.url);
  for (const [k, n] of sizes.entries()) {
    const rows: Record<string, number>[] = [];
    for (let r = 0; r < runs; r++) {
      const p = spawnSync(process.execPath, ['--max-old-space-size=8192', self, '--one', String(n)], { encoding: 'utf8', env: { ...process.env, COMPARE: k === 0 && r === 0 ? '1' : '0' }, maxBuffer: 1 << 20 });
      if (p.status !== 0) throw new Error(`hosts=${n}: exit ${p.status}: ${p.stderr.slice(-500)}`);
      rows.push(JSON.parse(p.stdout.trim().split('\n').pop() as string));
    }
    const first = rows[0] as Record<string, number>;
    const s = median(rows.map((x) => x.seconds as number));
    const extra = first.pairwiseSeconds !== undefined ? ` pairwiseSeconds=${first.pairwiseSeconds.toFixed(2)} speedup=${(first.pairwiseSeconds / (first.seconds as number)).toFixed(1)}x differingPairs=${first.differ}` : '';
    process.stdout.write(
      `hosts=${n} seconds=${s.toFixed(2)} peakMB=${median(rows.map((x) => x.peakMB as number)).toFixed(0)} pairs=${n * (n - 1)} go=${first.go} outcomes=${first.outcomes} ruleEvaluations=${first.evaluations} of ${first.ruleCells}` +
        ` reportSeconds=${median(rows.map((x) => x.viewSeconds as number)).toFixed(2)} matrixJsonMB=${(first.matrixMB as number).toFixed(1)} groups=${first.groups} largestGroup=${first.largestGroup}${extra} runs=${rows.map((x) => (x.seconds as number).toFixed(2)).join(',')}\n`,
    );
    if (first.differ) process.exitCode = 1;
  }
}
