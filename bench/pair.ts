/**
 * Pair-check wall time against the floor: a plain parallel `ssh -o BatchMode=yes host true` to
 * both hosts (one OpenSSH handshake each). Runs on the lab; both are measured in the same run,
 * interleaved, and the medians and their ratio are printed.
 *
 *   npm run bench            (root; brings the lab up and down)
 *   RUNS=15 npm run bench
 *   BASELINE_BIN=/elsewhere/dist/bin/migrate-preflight.js npm run bench:pair   (another build, interleaved)
 *
 * The check gets --dirty-rate and --bandwidth: the lab's libvirt test driver cannot measure a
 * dirty rate, and without both figures the convergence rule ends in error (exit 3). On a real
 * host the measurement samples for a second or more, which no run that has to match the floor
 * can afford; so this is the fast path a user who wants it takes.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startLab } from '../test/lab/lab.js';
import { STANDARD } from '../test/lab/scenarios.js';

const RUNS = Number(process.env.RUNS ?? 9);
const BIN = fileURLToPath(new URL('../bin/migrate-preflight.js', import.meta.url));
const BASELINE = process.env.BASELINE_BIN;

function timed(cmd: string, args: string[]): Promise<{ ms: number; code: number | null }> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const p = spawn(cmd, args, { stdio: 'ignore' });
    p.on('close', (code) => resolve({ ms: performance.now() - t0, code }));
  });
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

const lab = await startLab(STANDARD);
try {
  const ssh = (h: string): Promise<{ ms: number; code: number | null }> => timed('ssh', ['-F', lab.sshConfig, '-o', 'BatchMode=yes', h, 'true']);
  const variants: { name: string; bin: string; ms: number[] }[] = [
    { name: 'pair check', bin: BIN, ms: [] },
    ...(BASELINE ? [{ name: `baseline ${BASELINE}`, bin: BASELINE, ms: [] }] : []),
  ];
  const floor: number[] = [];
  for (let i = 0; i < RUNS + 1; i++) {
    const t0 = performance.now();
    const both = await Promise.all([ssh('hv1'), ssh('hv2')]);
    const f = performance.now() - t0;
    if (both.some((b) => b.code !== 0)) throw new Error('ssh floor run failed');
    for (const v of variants) {
      const r = await timed(process.execPath, [v.bin, '-F', lab.sshConfig, '--libvirt-uri', lab.libvirtUri, '--quiet', '--dirty-rate', '10', '--bandwidth', '1000', 'hv1', 'hv2']);
      if (r.code !== 0) throw new Error(`${v.name} exited ${r.code}`);
      if (i > 0) v.ms.push(r.ms);
    }
    // The first round warms up: page cache, ARP.
    if (i > 0) floor.push(f);
  }
  const mf = median(floor);
  const raw = (xs: number[]): string => xs.map((x) => x.toFixed(0)).join(' ');
  process.stdout.write(`parallel ssh host true to both (floor), median of ${RUNS}: ${mf.toFixed(0)} ms\nraw floor: ${raw(floor)}\n`);
  for (const v of variants) {
    const m = median(v.ms);
    process.stdout.write(`${v.name} (node start-up included), median of ${RUNS}: ${m.toFixed(0)} ms, ratio to the floor ${(m / mf).toFixed(2)}\nraw: ${raw(v.ms)}\n`);
  }
} finally {
  await lab.stop();
}
