/**
 * The oracle: what real libvirt and QEMU do with a migration, on the real-hypervisor lab. Every
 * command runs on a lab host over SSH, as an operator would run it.
 */
import { spawn } from 'node:child_process';
import { shq as q } from '../../src/checks/shell.js';
import { untilOk } from './sh.js';
import type { Report } from '../../src/types.js';
import { consoleLog, guestXml, SHARED, type GuestSpec } from './hv-scenario.js';
import type { GuestImage } from './guest.js';
import type { Lab } from './lab.js';

export interface Ran {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

/** Runs a shell script on a lab host as root, over SSH. */
export function onHost(lab: Lab, host: string, script: string): Promise<Ran> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const p = spawn('ssh', ['-F', lab.sshConfig, '-o', 'BatchMode=yes', host, script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('close', (code) => resolve({ code, stdout, stderr, ms: performance.now() - t0 }));
  });
}

/** Like onHost, but a non-zero exit is an error naming the host and what it printed. */
export async function mustOnHost(lab: Lab, host: string, script: string): Promise<string> {
  const r = await onHost(lab, host, script);
  if (r.code !== 0) throw new Error(`${host}: exit ${r.code}: ${r.stderr.trim() || r.stdout.trim()} (running: ${script.slice(0, 200)})`);
  return r.stdout;
}

/**
 * Defines and starts a guest on `host` (its qcow2 image created first where the spec puts it),
 * then waits until its kernel's /init has started dirtying memory (the serial console says so).
 */
export async function startGuest(lab: Lab, host: string, img: GuestImage, g: GuestSpec, opts: { start?: boolean } = {}): Promise<void> {
  const disk = g.disk ?? `${SHARED}/${g.name}.qcow2`;
  const xml = guestXml(img, g);
  // The host's own /var/lib/libvirt: /tmp is shared by every lab host.
  const file = `/var/lib/libvirt/${g.name}.xml`;
  await mustOnHost(
    lab,
    host,
    [
      `mkdir -p "$(dirname ${q(disk)})"`,
      `[ -e ${q(disk)} ] || qemu-img create -q -f qcow2 ${q(disk)} 64M`,
      ...(g.pool ? [`virsh -q pool-refresh ${q(g.pool)}`] : []),
      `printf '%s' ${q(xml)} > ${q(file)}`,
      `virsh -q define ${q(file)} >/dev/null`,
      ...(opts.start === false ? [] : [`virsh -q start ${q(g.name)} >/dev/null`]),
    ].join(' && '),
  );
  // KVM on this machine's kind runs the guest's vCPU but its kernel never reaches the console (seen on
  // 2026-12-04, host-passthrough too): a running QEMU with KVM state is what its migration moves.
  if (opts.start === false || g.virtType === 'kvm') return;
  // Booting the kernel under TCG takes a few seconds; the console log (virtlogd) tells when /init runs.
  await mustOnHost(
    lab,
    host,
    untilOk(`grep -q 'lab-guest: ready' ${q(consoleLog(g.name))} 2>/dev/null`, 900, 0.1, `guest ${g.name} did not come up in 90 s`),
  );
}

export interface MigrateResult {
  readonly ok: boolean;
  /** libvirt's error, "error: " stripped, or ''. */
  readonly error: string;
  readonly ms: number;
  /** The guest's state on the destination afterwards. */
  readonly dstState: string;
  /** On failure: the last lines of QEMU's log for the guest on each side ('' when it worked), to tell a refusal from a crash. */
  readonly qemuLog: string;
}

/** The last lines of libvirt's QEMU log of a guest on a host. */
async function qemuLogTail(lab: Lab, host: string, guest: string): Promise<string> {
  const r = await onHost(lab, host, `tail -n 8 ${q(`/var/log/libvirt/qemu/${guest}.log`)} 2>&1`);
  return `${host}: ${r.stdout.trim().split('\n').join(' | ')}`;
}

/**
 * `virsh migrate` on the source, as an operator would type it, bounded: after `timeoutS` virsh
 * gets SIGINT, which makes it abort the migration job (then SIGKILL 3 s later).
 */
export async function migrate(lab: Lab, src: string, dst: string, guest: string, flags: readonly string[] = ['--live'], timeoutS = 60): Promise<MigrateResult> {
  const r = await onHost(lab, src, `timeout -k 3 -s INT ${timeoutS} virsh migrate ${flags.map(q).join(' ')} ${q(guest)} ${q(`qemu+ssh://${dst}.lab/system`)}`);
  const state = await onHost(lab, dst, `virsh -q domstate ${q(guest)} 2>/dev/null`);
  const error = r.stderr
    .split('\n')
    .map((l) => l.replace(/^error: /, '').trim())
    .filter((l) => l && !/^Failed to (start|create)|^operation failed: migration out job: canceled by client$/.test(l))
    .join(' / ');
  const qemuLog = r.code === 0 ? '' : `${await qemuLogTail(lab, src, guest)} // ${await qemuLogTail(lab, dst, guest)}`;
  return { ok: r.code === 0, error: r.code === 0 ? '' : error || `exit ${r.code}${r.code === 124 ? ' (timed out)' : ''}`, ms: r.ms, dstState: state.stdout.trim(), qemuLog };
}

/** `virsh domjobinfo --completed` on the source after a migration: QEMU's own figures. */
export function parseJobinfo(out: string): Record<string, string> {
  const o: Record<string, string> = {};
  for (const line of out.split('\n')) {
    const m = /^([^:]+):\s+(.*)$/.exec(line.trim());
    if (m) o[m[1] as string] = m[2] as string;
  }
  return o;
}

/** The failures and errors of a report that block at --fail-on major (the default), as "rule-id: message" lines. */
export function failures(r: Report): string[] {
  return r.results.filter((x) => (x.status === 'fail' || x.status === 'error') && (x.severity === 'critical' || x.severity === 'major')).map((x) => `${x.id}: ${x.message}`);
}
