/**
 * Operators for the moving domains' own needs: where their disks live, whether the destination
 * accepts their guest CPU, and whether their live migration converges. Only types are imported
 * from operators.ts (which registers these), so the two modules load in either order.
 */
import type { ConvergenceEstimate, CpuSupport, GuestCpu, MigrationDisk } from '../types.js';
import type { HostOpResult, OpContext, OpResult } from './operators.js';
import type { AssertSpec } from './rule-schema.js';
import { modelsFor, modelsUnknownBecause } from './cpu-models.js';
import { duration, human, mibs } from './units.js';

const list = <T>(v: unknown): T[] => (Array.isArray(v) ? (v as T[]) : []);
const disk = (d: MigrationDisk): string => `${d.domain} ${d.target ?? '?'} (${d.source ?? 'no source'})`;

/**
 * src: migration.disks; dst: storage.networkMounts. Whether each disk is where the mode needs it.
 * live: reachable from the destination without copying (a network filesystem mounted at the same
 * path from the same export there, a network disk, a shared-pool volume); local disks need a
 * block migration (the message gives the bytes), host block devices cannot be judged from here.
 * block: local disks are copied; a shared disk the copy would include (libvirt copies every
 * writable, non-shareable disk unless told otherwise) would be mirrored onto itself.
 * cold and save: local disks and devices are copied by the operator (storage.block-space checks
 * the room); shared ones must be mounted identically, as for live.
 */
export function disksShared(src: unknown, dst: unknown, _a: AssertSpec, ctx: OpContext): OpResult {
  const dstMounts = list<{ mountpoint: string; export: string | null; fstype: string }>(dst);
  const disks = list<MigrationDisk>(src);
  const local: string[] = [];
  const unmounted: string[] = [];
  const unknown: string[] = [];
  const selfCopy: string[] = [];
  let bytesToCopy = 0;
  let sizesKnown = true;
  for (const d of disks) {
    const there = d.storage === 'shared-fs' && d.mount ? dstMounts.find((m) => m.mountpoint === d.mount?.mountpoint) : undefined;
    const identical = there !== undefined && there.export === d.mount?.export;
    if (d.storage === 'local') {
      local.push(`${disk(d)}${d.bytes !== null ? `, ${human(d.bytes)}` : ''}`);
      if (d.bytes === null) sizesKnown = false;
      else bytesToCopy += d.bytes;
    } else if (ctx.mode === 'block') {
      const shared = identical || d.storage === 'network' || d.storage === 'shared-pool';
      if (shared && !d.readonly && !d.shareable && d.source !== null) selfCopy.push(disk(d));
    } else if (d.storage === 'shared-fs' && d.mount) {
      if (!there) unmounted.push(`${disk(d)}: ${d.mount.fstype} ${d.mount.export ?? '?'} at ${d.mount.mountpoint} is not mounted there on the destination`);
      else if (!identical) unmounted.push(`${disk(d)}: ${d.mount.mountpoint} comes from ${d.mount.export ?? '?'} on the source but from ${there.export ?? '?'} on the destination`);
    } else if (d.storage === 'block' && ctx.mode === 'live') unknown.push(disk(d));
  }
  const data = { local, unmounted, unknown, selfCopy, bytesToCopy: sizesKnown ? bytesToCopy : null };
  if (selfCopy.length > 0) {
    const copy = disks.filter((d) => d.storage === 'local' && !d.readonly && !d.shareable && d.target !== null).map((d) => d.target);
    const fix = copy.length > 0 ? `copy only the local disks (virsh migrate --copy-storage-all --migrate-disks ${copy.join(',')})` : 'nothing is local: migrate without block copy (--mode live)';
    return {
      ok: false,
      messageId: 'disks.self-copy',
      data,
      defaultMessage: `on storage the destination shares, yet a block copy includes it by default and would mirror it onto itself: ${selfCopy.join('; ')}; ${fix}`,
    };
  }
  const parts: string[] = [];
  if (local.length > 0 && ctx.mode === 'live') {
    parts.push(
      `not on shared storage, so a live migration needs block migration (virsh migrate --copy-storage-all): ${local.join('; ')}` +
        (sizesKnown ? `; ${human(bytesToCopy)} to copy` : '; size unknown'),
    );
  }
  if (unmounted.length > 0) parts.push(`shared storage not mounted identically: ${unmounted.join('; ')}`);
  if (parts.length > 0) return { ok: false, messageId: local.length > 0 && ctx.mode === 'live' ? 'disks.local' : 'disks.unmounted', data, defaultMessage: parts.join('; ') };
  if (unknown.length > 0) {
    return {
      ok: false,
      undecided: `host block device(s) ${unknown.join('; ')}: cannot tell from here whether the destination sees the same LUN (check the multipath/WWN there)`,
      messageId: 'disks.block-unknown',
      data,
      defaultMessage: '',
    };
  }
  return { ok: true, messageId: 'pass', data, defaultMessage: '' };
}

/** libvirt feature names that /proc/cpuinfo spells differently. */
const CPUINFO_NAME: Readonly<Record<string, string>> = { sse3: 'pni', pclmuldq: 'pclmulqdq', 'tsc-deadline': 'tsc_deadline_timer', i64: 'lm', 'sse4.1': 'sse4_1', 'sse4.2': 'sse4_2', 'spec-ctrl': 'spec_ctrl' };
/** Features KVM emulates whatever the host has: never a reason to refuse. */
const EMULATED = new Set(['hypervisor', 'x2apic', 'tsc-deadline', 'arat', 'kvmclock', 'kvm_pv_eoi', 'kvm_pv_unhalt']);
const cpuinfoName = (f: string): string => (Object.hasOwn(CPUINFO_NAME, f) ? (CPUINFO_NAME[f] as string) : f.replace(/[-.]/g, '_').toLowerCase());

/**
 * src: migration.guestCpus; dst: libvirt.cpuSupport. host-passthrough (and an unexpanded
 * host-model) guests see the source host's CPU: the destination's flags must include the source's
 * (less `ignore`). A named model must be one libvirt reports usable on the destination (the
 * verdict `virsh hypervisor-cpu-compare` would give), and its required features must be there.
 */
export function guestCpuOp(src: unknown, dst: unknown, a: AssertSpec, ctx: OpContext): OpResult {
  const support = (dst ?? {}) as Partial<CpuSupport>;
  const flags = support.flags ? new Set(support.flags) : null;
  const ignore = new Set(a.ignore ?? []);
  const bad: string[] = [];
  const unsure: string[] = [];
  for (const g of list<GuestCpu>(src)) {
    if (g.hostFlags !== null) {
      // A cold move boots the guest afresh on the destination's own CPU: nothing to carry over.
      if (ctx.mode === 'cold') continue;
      if (!flags) {
        unsure.push(`${g.domain} (${g.mode}): the destination's CPU flags are unknown`);
        continue;
      }
      const missing = g.hostFlags.filter((f) => !flags.has(f) && !ignore.has(f));
      if (missing.length > 0) bad.push(`${g.domain} uses ${g.mode}: destination CPU lacks ${missing.sort().join(', ')}`);
      continue;
    }
    if (g.model === null) continue; // no <cpu> or only topology: the hypervisor's baseline model
    const models = modelsFor(support, g.virtType);
    const accel = g.virtType === 'qemu' ? ' under TCG' : '';
    if (!models) {
      unsure.push(`${g.domain} (model ${g.model}): the destination cannot say which CPU models it runs${accel} (${modelsUnknownBecause(support, g.virtType)})`);
    } else {
      const m = models.find((x) => x.name === g.model);
      const disabled = new Set(g.disabled);
      const blockers = (m?.blockers ?? []).filter((f) => !disabled.has(f));
      if (!m) bad.push(`${g.domain}: the destination's hypervisor does not offer CPU model ${g.model}${accel}`);
      else if (g.check === 'none') {
        // check='none' (what libvirt writes for a domain defined without <cpu>): neither libvirt nor
        // QEMU verifies the model; QEMU quietly leaves out what the host cannot give. Only features
        // the guest has on the source and would lose on the destination matter.
        const src = new Set(g.srcBlockers ?? []);
        const lost = g.srcBlockers === null ? [] : blockers.filter((f) => !src.has(f));
        if (lost.length > 0) bad.push(`${g.domain}: CPU model ${g.model} (check='none') would lose ${lost.join(', ')} on the destination${accel}: the running guest would see them vanish`);
      } else if (m.usable === 'no' && (m.blockers.length === 0 || blockers.length > 0)) {
        bad.push(`${g.domain}: CPU model ${g.model} is not usable on the destination${accel}${blockers.length ? ` (missing ${blockers.join(', ')})` : ''}`);
      } else if (m.usable === 'unknown') unsure.push(`${g.domain}: libvirt on the destination does not know whether model ${g.model} is usable`);
    }
    if (flags) {
      const missing = g.required.filter((f) => !EMULATED.has(f) && !flags.has(cpuinfoName(f)));
      if (missing.length > 0) bad.push(`${g.domain}: requires CPU feature(s) ${missing.join(', ')}, absent on the destination`);
    }
  }
  const data = { problems: bad, unsure };
  if (bad.length > 0) return { ok: false, messageId: 'guest-cpu.rejected', data, defaultMessage: bad.join('; ') };
  if (unsure.length > 0) return { ok: false, undecided: `cannot tell whether the destination accepts the guest CPU: ${unsure.join('; ')}`, messageId: 'guest-cpu.unknown', data, defaultMessage: '' };
  return { ok: true, messageId: 'pass', data, defaultMessage: '' };
}

/** Advice for a migration that will not converge, with the figures that would make it. */
function advice(e: ConvergenceEstimate): string {
  const p = e.prediction;
  if (!p || e.dirtyBytesPerSec === null || e.bandwidthBytesPerSec === null) return '';
  const why =
    p.reason === 'dirty-rate-exceeds-bandwidth'
      ? `dirty rate ${mibs(e.dirtyBytesPerSec)} is not below the bandwidth ${mibs(e.bandwidthBytesPerSec)}`
      : `after ${p.rounds} rounds ${human((p.downtimeMs / 1000) * e.bandwidthBytesPerSec)} is still dirty, a ${duration(p.downtimeMs / 1000)} pause (limit ${e.maxDowntimeMs} ms)`;
  return (
    `${e.domain} will not converge: ${why}; it needs at least ${mibs(p.neededBandwidthBytesPerSec)} of bandwidth, or a dirty rate under ` +
    `${mibs(p.maxDirtyBytesPerSec)}: raise the bandwidth (dedicated migration network, virsh migrate-setspeed), enable auto-converge ` +
    `(--auto-converge) or post-copy (--postcopy), raise --max-downtime, or migrate in a quieter window`
  );
}

/** src: migration.convergence. Every running moving domain's pre-copy must converge within the downtime limit. */
export function convergesOp(v: unknown): HostOpResult {
  const estimates = list<ConvergenceEstimate>(v);
  const failing = estimates.filter((e) => e.prediction && !e.prediction.converges).map(advice);
  if (failing.length > 0) return { ok: false, detail: failing.join('; ') };
  const missing = estimates.filter((e) => e.prediction === null && (e.state === 'running' || e.state === 'paused'));
  if (missing.length > 0) return { ok: false, detail: '', undecided: `cannot predict convergence: ${missing.map((e) => `${e.domain}: ${e.missing}`).join('; ')}` };
  return { ok: true, detail: '' };
}
