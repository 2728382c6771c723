/**
 * Fleet mode on the lab: wall time and peak memory of a full matrix (`migrate-preflight fleet`)
 * for 8, 16 and 32 hosts (the fleet of test/lab/fleet-scenario.ts, deliberate faults included:
 * one host drops QEMU's migration ports, so every run waits for that TCP connect to time out;
 * one host has no sshd). Each size: a warm-up run, then RUNS timed runs; medians are printed with
 * how time and memory grow with the host count, and where the time went (probing the hosts,
 * evaluating the pairs here). Targets (issue 7): 32 hosts in under 5 s and 250 MB on this
 * 2-core machine.
 *
 *   npm run bench:fleet         (root; brings a lab up and down per size)
 *   RUNS=9 SIZES=8,32 npm run bench:fleet
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startLab } from '../test/lab/lab.js';
import { COMMANDS, ensureCommands } from '../test/lab/packages.js';
import { expectedVerdict, fleetScenario } from '../test/lab/fleet-scenario.js';

const RUNS = Number(process.env.RUNS ?? 5);
const SIZES = (process.env.SIZES ?? '8,16,32').split(',').map(Number);
const BIN = fileURLToPath(new URL('../bin/migrate-preflight.js', import.meta.url));
const TIME = COMMANDS.time.path;

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

interface Run {
  readonly ms: number;
  readonly rssMiB: number;
  readonly code: number | null;
  readonly probingMs: number;
  readonly evaluatingMs: number;
  readonly pairs: number;
  /** Pairs whose verdict is not what the scenario's faults make it (fleet-scenario.ts expectedVerdict). */
  readonly wrong: readonly string[];
}

/** One fleet run under GNU time (its maximum resident set size is the peak memory of the whole process). */
function run(args: readonly string[], json: string): Promise<Run> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const p = spawn(TIME, ['-f', 'maxrss_kib=%M', process.execPath, BIN, ...args, '--json', json], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('error', reject);
    p.on('close', () => {
      const ms = performance.now() - t0;
      const m = /maxrss_kib=(\d+)/.exec(err);
      if (!m) return reject(new Error(`no memory figure from ${TIME}: ${err.slice(-300)}`));
      const rep = JSON.parse(readFileSync(json, 'utf8')) as {
        phasesMs: { probing: number; evaluating: number };
        pairs: { src: string; dst: string; verdict: string; problems: { id: string }[] }[];
        summary: { exitCode: number };
      };
      const wrong = rep.pairs
        .filter((p) => p.verdict !== expectedVerdict(Number(p.src.slice(1)), Number(p.dst.slice(1))))
        .map((p) => `${p.src}->${p.dst} ${p.verdict} (${p.problems.map((x) => x.id).join(', ')})`);
      resolve({ ms, rssMiB: Number(m[1]) / 1024, code: rep.summary.exitCode, probingMs: rep.phasesMs.probing, evaluatingMs: rep.phasesMs.evaluating, pairs: rep.pairs.length, wrong });
    });
  });
}

ensureCommands(['time'], (s) => process.stderr.write(`${s}\n`));
const dir = mkdtempSync(join(tmpdir(), 'mp-bench-fleet-'));
const rows: { n: number; runs: Run[] }[] = [];
try {
  for (const n of SIZES) {
    const lab = await startLab(fleetScenario(n));
    try {
      const hosts = Array.from({ length: n }, (_, i) => `f${i + 1}`);
      const args = ['fleet', '-q', '-F', lab.sshConfig, '--libvirt-uri', lab.libvirtUri, '--dirty-rate', '20', '--bandwidth', '1000', ...hosts];
      const runs: Run[] = [];
      for (let i = 0; i <= RUNS; i++) {
        const r = await run(args, join(dir, `fleet-${n}.json`));
        // Exit 3: f5 has no sshd, so its pairs are incomplete; anything else means the run went wrong.
        if (r.code !== 3 || r.pairs !== n * (n - 1)) throw new Error(`fleet of ${n}: exit ${r.code}, ${r.pairs} pairs`);
        if (i > 0) runs.push(r); // the first run warms the page cache and the hosts' ARP entries
      }
      rows.push({ n, runs });
      process.stdout.write(`${n} hosts done\n`);
    } finally {
      await lab.stop();
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const cpus = execFileSync('nproc', { encoding: 'utf8' }).trim();
process.stdout.write(`\nfleet full matrix on the lab (${cpus} CPUs; every lab host shares them), median of ${RUNS} runs per size:\n`);
process.stdout.write('  hosts  pairs   wall ms  probing ms  evaluating ms  peak RSS MiB\n');
const base = rows[0];
for (const { n, runs } of rows) {
  const wall = median(runs.map((r) => r.ms));
  const rss = median(runs.map((r) => r.rssMiB));
  const growth = base && base !== rows.find((x) => x.n === n) ? `  (x${(wall / median(base.runs.map((r) => r.ms))).toFixed(2)} time, x${(rss / median(base.runs.map((r) => r.rssMiB))).toFixed(2)} memory vs ${base.n})` : '';
  process.stdout.write(
    `  ${String(n).padStart(5)}  ${String(n * (n - 1)).padStart(5)}  ${wall.toFixed(0).padStart(8)}  ${median(runs.map((r) => r.probingMs)).toFixed(0).padStart(10)}  ${median(runs.map((r) => r.evaluatingMs)).toFixed(0).padStart(13)}  ${rss.toFixed(1).padStart(12)}${growth}\n`,
  );
}
for (const { n, runs } of rows) process.stdout.write(`raw ${n}: wall ${runs.map((r) => r.ms.toFixed(0)).join(' ')}; rss ${runs.map((r) => r.rssMiB.toFixed(0)).join(' ')}\n`);
// Fast is worth nothing if the matrix is wrong: every run's verdicts against the scenario's faults.
for (const { n, runs } of rows) {
  const bad = runs.filter((r) => r.wrong.length > 0);
  process.stdout.write(`matrix of ${n} as the faults make it: ${runs.length - bad.length}/${runs.length} runs${bad[0] ? `; e.g. ${bad[0].wrong.slice(0, 3).join('; ')}` : ''}\n`);
}
const big = rows.find((r) => r.n === 32);
if (big) {
  const wall = median(big.runs.map((r) => r.ms));
  const rss = median(big.runs.map((r) => r.rssMiB));
  process.stdout.write(`target 32 hosts: wall ${wall.toFixed(0)} ms (target < 5000) ${wall < 5000 ? 'MET' : 'NOT MET'}; peak RSS ${rss.toFixed(0)} MiB (target < 250) ${rss < 250 ? 'MET' : 'NOT MET'}\n`);
}
