import type { Landing } from '../../types.js';
import type { XenMove, XenMovingDisk } from '../../model/move.js';
import type { MountFacts } from '../../model/system.js';
import { defineOperator, type OpResult } from './define.js';

const diskName = (d: XenMovingDisk): string => `${d.domain} ${d.target ?? '?'} (${d.path ?? 'empty'})`;

/**
 * The moving disks and the domains whose disks are unknown. The operand is the move; a rule
 * written against `src: xenMove.disks` (as the built-in one was) hands the list alone, which
 * says nothing of domains missing from `xl list -l`.
 */
function movingDisks(src: unknown): { disks: readonly XenMovingDisk[]; unconfigured: readonly string[] } {
  if (Array.isArray(src)) return { disks: src as XenMovingDisk[], unconfigured: [] };
  const move = (src ?? {}) as Partial<XenMove>;
  return { disks: move.disks ?? [], unconfigured: move.unconfigured ?? [] };
}

/**
 * src: xenMove; dst: storage. Xen's live migration moves memory only, so every disk must
 * be reachable from the destination at the same path: image files on a network filesystem
 * mounted at the same place from the same export; host block devices (shared LVM, iSCSI, DRBD)
 * present there too. Other backends (iscsi:, drbd:, rbd ... scripts) are set up by the
 * destination's hotplug scripts and are not checked. The disks of a domain `xl list -l` left
 * out (xenMove.unconfigured) are unknown, not absent: the rule cannot pass on them.
 */
function xenStorage(src: unknown, dst: unknown): OpResult {
  const { disks, unconfigured } = movingDisks(src);
  const storage = (dst ?? {}) as { mounts?: readonly MountFacts[]; landing?: Landing };
  const local: string[] = [];
  const unmounted: string[] = [];
  const absent: string[] = [];
  const unchecked: string[] = [];
  for (const d of disks) {
    if (d.path === null || d.cdrom) continue;
    if (d.kind === 'file') {
      if (d.mount === null) {
        local.push(diskName(d));
        continue;
      }
      const there = (storage.mounts ?? []).find((m) => m.network && m.mountpoint === d.mount?.mountpoint);
      if (!there) unmounted.push(`${diskName(d)}: ${d.mount.fstype} ${d.mount.export ?? '?'} at ${d.mount.mountpoint} is not mounted there on the destination`);
      else if (there.export !== d.mount.export) unmounted.push(`${diskName(d)}: ${d.mount.mountpoint} comes from ${d.mount.export ?? '?'} on the source but from ${there.export ?? '?'} on the destination`);
    } else if (d.kind === 'phy') {
      if (storage.landing === undefined) unchecked.push(diskName(d));
      else if (!storage.landing.files.some((f) => f.path === d.path)) absent.push(diskName(d));
    }
  }
  const data = { local, unmounted, absent, unchecked, unconfigured };
  const parts = [
    local.length ? `on the source's own disk, which the destination cannot reach (Xen migrates memory only; copy the image and migrate cold): ${local.join('; ')}` : '',
    unmounted.length ? `shared storage not mounted identically: ${unmounted.join('; ')}` : '',
    absent.length ? `block device missing on the destination (shared LVM, iSCSI or DRBD must present it there too): ${absent.join('; ')}` : '',
  ].filter(Boolean);
  if (parts.length > 0) return { ok: false, messageId: local.length ? 'xen-storage.local' : unmounted.length ? 'xen-storage.unmounted' : 'xen-storage.absent', data, defaultMessage: parts.join('; ') };
  // What is known to be wrong is reported first; then what could not be looked at.
  const unknown = [
    unconfigured.length ? `disks unknown for ${unconfigured.join(', ')}: \`xl list -l\` has no configuration for them` : '',
    unchecked.length ? `the destination's block devices were not looked at: ${unchecked.join('; ')}` : '',
  ].filter(Boolean);
  if (unknown.length > 0) return { ok: false, undecided: unknown.join('; '), messageId: unconfigured.length ? 'xen-storage.unknown' : 'xen-storage.unchecked', data, defaultMessage: '' };
  return { ok: true, messageId: 'pass', data, defaultMessage: '' };
}

export const xenStorageOp = defineOperator({
  name: 'xen-storage',
  kind: 'cross',
  summary: 'Xen: every disk of a moving guest is reachable from the destination at the same path',
  params: {},
  evaluate: (src, dst) => xenStorage(src, dst),
});
