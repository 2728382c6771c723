/**
 * Pair check on the real-hypervisor lab (libvirtd 9 + QEMU 7.2, a TCG guest running on the
 * source), against two baselines measured in the same run, interleaved:
 * - floor: a plain parallel `ssh -o BatchMode=yes host true` to both hosts (one OpenSSH handshake each);
 * - same commands: the very scripts the check sends each host (its planner and script builder,
 *   round 2 planned from the check's own report), run by OpenSSH, one session per host, both hosts
 *   at once; on each host the two first-round scripts at once (as the check's two channels), then
 *   the second round. It does not wait for the other host's first round as the check's source
 *   must: what the check costs beyond it is the tool itself (Node, ssh2, parsing, rules, report).
 *
 *   npm run bench:pair-hv          (root; brings the lab up and down; RUNS=15 for more runs)
 *   LAB=standard npm run bench:pair-hv   (the same three on the standard lab's hv1 -> hv2, libvirt's test driver)
 */
import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildScript, newBoundary } from '../src/checks/collect.js';
import { channelGroups, probesOf, secondRound, type ProbeContext, type ProbeId } from '../src/checks/probes/index.js';
import type { Known } from '../src/checks/probes/probe.js';
import { scriptProbe } from '../src/pair/collection.js';
import { DEFAULTS } from '../src/pair/options.js';
import { collectSettings } from '../src/pair/probe.js';
import { loadSshConfig, resolveTarget } from '../src/ssh/target.js';
import type { Report } from '../src/types.js';
import { ensureGuest } from '../test/lab/guest.js';
import { hypervisor, NAS } from '../test/lab/hv-scenario.js';
import { startLab } from '../test/lab/lab.js';
import { startGuest } from '../test/lab/oracle.js';
import { STANDARD } from '../test/lab/scenarios.js';

const RUNS = Number(process.env.RUNS ?? 9);
if (!Number.isInteger(RUNS) || RUNS < 1) throw new Error(`RUNS must be a positive integer, got ${process.env.RUNS}`);
const BIN = fileURLToPath(new URL('../bin/migrate-preflight.js', import.meta.url));
const ON_STANDARD = process.env.LAB === 'standard';
const NAMES = ON_STANDARD ? { src: 'hv1', dst: 'hv2' } : { src: 'src', dst: 'dst' };

function timed(cmd: string, args: readonly string[], stdin = ''): Promise<{ ms: number; code: number | null; stderr: string }> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ['pipe', 'ignore', 'pipe'] });
    const err: Buffer[] = [];
    p.stderr.on('data', (b: Buffer) => err.push(b));
    p.on('error', reject);
    p.on('close', (code) => resolve({ ms: performance.now() - t0, code, stderr: Buffer.concat(err).toString('utf8') }));
    p.stdin.end(stdin);
  });
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

/** A round's script as the collection builds it (src/pair/collection.ts). */
function script(ids: readonly ProbeId[], ctx: ProbeContext): string {
  const probes = ids.map((id) => scriptProbe(id, ctx));
  return buildScript(probes, newBoundary(), Math.max(1, Math.floor(DEFAULTS.probeTimeoutMs / 1000)));
}

/**
 * What the check sends each host, from the settings it runs with and its own report of the pair
 * (the second round is planned from the first round's facts, which the report holds).
 */
function pairScripts(report: Report, sshConfig: string, libvirtUri: string): Record<'src' | 'dst', string> {
  const settings = collectSettings({ libvirtUri, dirtyRateMiBs: 10, bandwidthMiBs: 1000 }, 2, true);
  const config = loadSshConfig(sshConfig);
  const t = { src: resolveTarget(NAMES.src, config, { sshConfigFile: sshConfig }), dst: resolveTarget(NAMES.dst, config, { sshConfigFile: sshConfig }) };
  const out = { src: '', dst: '' };
  for (const side of ['src', 'dst'] as const) {
    const other = side === 'src' ? 'dst' : 'src';
    const role = { src: side === 'src', dst: side === 'dst', peers: 1 };
    const ctx: ProbeContext = { ...settings.base, domains: settings.domains, peer: { host: t[other].host, sshPort: t[other].port } };
    const ids = probesOf(role, 1, settings.plan);
    const known: Known = { self: report.hosts[side].facts, peers: [{ host: t[other].host, sshPort: t[other].port, facts: report.hosts[other].facts }], mode: settings.mode, domains: settings.domains };
    const two = secondRound(role, settings.plan, ctx, known);
    // Each channel's script beside the main one (in a subshell of its own), then round 2.
    const [first = [], ...rest] = channelGroups(ids);
    out[side] = [...rest.map((g) => `(\n${script(g, ctx)}\n) &`), script(first, ctx), 'wait', two.ids.length > 0 ? script(two.ids, two.ctx) : ':'].join('\n');
  }
  return out;
}

const hv = await startLab(ON_STANDARD ? STANDARD : { hosts: [NAS, hypervisor('src'), hypervisor('dst')] });
const uri = ON_STANDARD ? hv.libvirtUri : 'qemu:///system';
const FLAGS = ['--libvirt-uri', uri, '--dirty-rate', '10', '--bandwidth', '1000'];
const json = join(tmpdir(), `mp-bench-pair-hv-${process.pid}.json`);
try {
  if (!ON_STANDARD) await startGuest(hv, 'src', ensureGuest(), { name: 'web', dirtyMiBps: 2 });
  const ours = (extra: readonly string[] = []) => timed(process.execPath, [BIN, '-F', hv.sshConfig, ...FLAGS, '--quiet', ...extra, NAMES.src, NAMES.dst]);
  const first = await ours(['--json', json]);
  if (first.code !== 0) throw new Error(`pair check exited ${first.code}: ${first.stderr.slice(0, 400)}`);
  const scripts = pairScripts(JSON.parse(readFileSync(json, 'utf8')) as Report, hv.sshConfig, uri);
  const ssh = (h: 'src' | 'dst', cmd: string, stdin = '') => timed('ssh', ['-F', hv.sshConfig, '-o', 'BatchMode=yes', NAMES[h], cmd], stdin);
  const both = async (f: (h: 'src' | 'dst') => ReturnType<typeof ssh>): Promise<number> => {
    const t0 = performance.now();
    const r = await Promise.all([f('src'), f('dst')]);
    const bad = r.find((x) => x.code !== 0);
    if (bad) throw new Error(`ssh exited ${bad.code}: ${bad.stderr.slice(0, 400)}`);
    return performance.now() - t0;
  };
  const floor: number[] = [];
  const same: number[] = [];
  const check: number[] = [];
  for (let i = 0; i < RUNS + 1; i++) {
    const f = await both((h) => ssh(h, 'true'));
    const s = await both((h) => ssh(h, '/bin/sh -s', scripts[h]));
    const r = await ours();
    if (r.code !== 0) throw new Error(`pair check exited ${r.code}: ${r.stderr.slice(0, 400)}`);
    if (i === 0) continue; // warm-up
    floor.push(f);
    same.push(s);
    check.push(r.ms);
  }
  const [mf, ms, mc] = [median(floor), median(same), median(check)];
  process.stdout.write(
    `${ON_STANDARD ? 'standard lab (libvirt test driver), hv1 -> hv2' : 'real-hypervisor lab (libvirtd + QEMU, a running TCG guest)'}, medians of ${RUNS}:\n` +
      `  pair check (node start-up included):            ${mc.toFixed(0)} ms\n` +
      `  the same commands over plain ssh (one session per host): ${ms.toFixed(0)} ms\n` +
      `  parallel ssh host true (floor):                   ${mf.toFixed(0)} ms\n` +
      `ratio check/floor: ${(mc / mf).toFixed(2)}  check/same-commands: ${(mc / ms).toFixed(2)}  same-commands/floor: ${(ms / mf).toFixed(2)}\n` +
      `raw check: ${check.map((x) => x.toFixed(0)).join(' ')}\nraw same: ${same.map((x) => x.toFixed(0)).join(' ')}\nraw floor: ${floor.map((x) => x.toFixed(0)).join(' ')}\n`,
  );
} finally {
  rmSync(json, { force: true });
  await hv.stop();
}
