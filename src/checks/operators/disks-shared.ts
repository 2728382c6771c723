import type { MigrationDisk } from '../../types.js';
import { defineOperator, type OpContext, type OpResult } from './define.js';
import { diskLabel as disk, list } from './values.js';
import { human } from '../units.js';

/** Whether a block migration copies the disk by default: writable, not shareable, with a source (libvirt's qemuMigrationAnyCopyDisk). */
const blockCopied = (d: MigrationDisk): boolean => !d.readonly && !d.shareable && d.source !== null;

/**
 * src: migration.disks; dst: storage.networkMounts. Whether each disk is where the mode needs it.
 * live: reachable from the destination without copying (a network filesystem mounted at the same
 * path from the same export there, a network disk, a shared-pool volume); local disks need a
 * block migration (the message gives the bytes), host block devices cannot be judged from here.
 * block: local disks are copied; a shared disk the copy would include (libvirt copies every
 * writable, non-shareable disk unless told otherwise) would be mirrored onto itself. A host block
 * device is included too (qemuMigrationAnyCopyDisk does not look at the storage), so whether it is
 * a LUN both hosts see (a self-copy) or a local one (copied; storage.block-space checks it exists)
 * cannot be judged from here either.
 * cold and save: local disks and devices are copied by the operator (storage.block-space checks
 * the room); shared ones must be mounted identically, as for live.
 */
function disksShared(src: unknown, dst: unknown, ctx: OpContext): OpResult {
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
      if (shared && blockCopied(d)) selfCopy.push(disk(d));
      else if (d.storage === 'block') unknown.push(disk(d));
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
    const copiedLun = ctx.mode === 'block' && disks.some((d) => d.storage === 'block' && blockCopied(d));
    return {
      ok: false,
      undecided:
        `host block device(s) ${unknown.join('; ')}: cannot tell from here whether the destination sees the same LUN (check the multipath/WWN there)` +
        (copiedLun ? '; if it does, the block copy would mirror it onto itself (leave it out: --migrate-disks with the other disks, or no block copy); if not, the copy writes into the device at that path there (storage.block-space checks it exists)' : ''),
      messageId: 'disks.block-unknown',
      data,
      defaultMessage: '',
    };
  }
  return { ok: true, messageId: 'pass', data, defaultMessage: '' };
}

export const disksSharedOp = defineOperator({
  name: 'disks-shared',
  kind: 'cross',
  summary: 'every moving disk is where the mode needs it: shared storage mounted identically for live, copied otherwise',
  params: {},
  evaluate: (src, dst, _p, ctx) => disksShared(src, dst, ctx),
});
