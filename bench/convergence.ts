/**
 * The convergence model against QEMU: a grid of (guest dirty rate, bandwidth cap) cells on the
 * real-hypervisor lab. For each cell a TCG guest rewrites D MiB/s of its memory; migrate-preflight
 * predicts the live migration at `--bandwidth B` (measuring the dirty rate itself, as a user's run
 * does), then `virsh migrate --live --bandwidth B` runs for real (cancelled after 60 s: it does not
 * converge). Printed per cell: the prediction, what QEMU did (`virsh domjobinfo --completed`), and
 * the error of the predicted total time and downtime; then how many cells agree.
 *
 *   npm run bench:convergence          (root; brings the lab up and down; ~10 min)
 *   CELLS=0:16,30:16 npm run bench:convergence
 */
import { readFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ConvergenceEstimate, Report } from '../src/types.js';
import { ensureGuest } from '../test/lab/guest.js';
import { hypervisor, NAS } from '../test/lab/hv-scenario.js';
import { startLab } from '../test/lab/lab.js';
import { migrate, mustOnHost, onHost, parseJobinfo, startGuest } from '../test/lab/oracle.js';

const BIN = fileURLToPath(new URL('../bin/migrate-preflight.js', import.meta.url));
/** dirty MiB/s : bandwidth cap MiB/s. */
const DEFAULT_CELLS = ['0:16', '4:16', '12:16', '30:16', '0:64', '12:64', '30:64', '60:64'];
const CELLS = (process.env.CELLS ?? DEFAULT_CELLS.join(',')).split(',').map((c) => c.split(':').map(Number) as [number, number]);
const MEM_MIB = 320;
const WSS_MIB = 128;
const TIMEOUT_S = 60;
/** Written once at boot, so the guest's memory is mostly non-zero, as a guest that has run a while (the model sends every page). */
const FILL_MIB = MEM_MIB - WSS_MIB - 120;

function run(args: string[]): Promise<number | null> {
  return new Promise((resolve) => spawn(process.execPath, [BIN, ...args], { stdio: 'ignore' }).on('close', resolve));
}

const pct = (pred: number, real: number): string => `${pred >= real ? '+' : ''}${(((pred - real) / real) * 100).toFixed(0)}%`;
const lab = await startLab({ hosts: [NAS, hypervisor('src'), hypervisor('dst')] });
const out = mkdtempSync(join(tmpdir(), 'mp-conv-'));
const rows: string[] = [];
let agree = 0;
let disagree = 0;
let uncertain = 0;
const timeErrors: number[] = [];
try {
  const img = ensureGuest();
  for (const [i, [dirty, bw]] of CELLS.entries()) {
    const name = `conv${i}`;
    await startGuest(lab, 'src', img, { name, memMiB: MEM_MIB, dirtyMiBps: dirty, wssMiB: WSS_MIB, fillMiB: FILL_MIB, wsData: true });
    await new Promise((r) => setTimeout(r, 3000)); // the guest's working set is written once: steady state
    const json = join(out, `${name}.json`);
    await run(['-F', lab.sshConfig, '--libvirt-uri', 'qemu:///system', '-q', '-d', name, '--bandwidth', String(bw), '--json', json, 'src', 'dst']);
    const report = JSON.parse(readFileSync(json, 'utf8')) as Report;
    const est = report.domains?.[0]?.convergence as ConvergenceEstimate | undefined;
    const m = await migrate(lab, 'src', 'dst', name, ['--live', '--persistent', '--bandwidth', String(bw)], TIMEOUT_S);
    const job = m.ok ? parseJobinfo(await mustOnHost(lab, 'src', `virsh domjobinfo --completed ${name}`)) : {};
    const realS = m.ok ? Number.parseFloat(job['Time elapsed'] ?? 'NaN') / 1000 : null;
    const realDown = m.ok ? Number.parseFloat(job['Total downtime'] ?? 'NaN') : null;
    const p = est?.prediction ?? null;
    const predicted = p ? (p.converges ? 'converges' : 'never') : `uncertain (${est?.missing ?? 'no estimate'})`;
    const actual = m.ok ? 'converged' : `did not (${m.error.slice(0, 60)})`;
    if (!p) uncertain++;
    else if (p.converges === m.ok) agree++;
    else disagree++;
    if (p?.converges && realS !== null) timeErrors.push((p.totalSeconds - realS) / realS);
    const measured = est?.dirtyBytesPerSec != null ? (est.dirtyBytesPerSec / 2 ** 20).toFixed(1) : '?';
    rows.push(
      [
        `dirty ${String(dirty).padStart(2)} MiB/s (measured ${measured})`,
        `cap ${String(bw).padStart(2)} MiB/s`,
        `predicted ${predicted}${p?.converges ? ` ${p.totalSeconds.toFixed(1)} s, pause ${p.downtimeMs.toFixed(0)} ms` : ''}`,
        `QEMU ${actual}${realS !== null ? ` ${realS.toFixed(1)} s, pause ${realDown} ms (${job['Iteration'] ?? '?'} iterations)` : ''}`,
        p?.converges && realS !== null ? `time ${pct(p.totalSeconds, realS)}` : '',
      ].join(' | '),
    );
    process.stderr.write(`${rows.at(-1)}\n`);
    // Clean up both sides for the next cell.
    await onHost(lab, 'dst', `virsh -q destroy ${name}; virsh -q undefine ${name}`);
    await onHost(lab, 'src', `virsh -q destroy ${name}; virsh -q undefine ${name}`);
  }
} finally {
  await lab.stop();
}
const sorted = timeErrors.map(Math.abs).sort((a, b) => a - b);
process.stdout.write(
  `${rows.join('\n')}\n\n` +
    `cells: ${CELLS.length}; prediction agrees with QEMU: ${agree}, disagrees: ${disagree}, uncertain (error, no verdict): ${uncertain}\n` +
    (sorted.length
      ? `total time error on converging cells: median ${(sorted[sorted.length >> 1]! * 100).toFixed(0)}%, worst ${(sorted.at(-1)! * 100).toFixed(0)}%\n`
      : ''),
);
