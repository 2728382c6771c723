import type { Landing, MigrationDisk } from '../../types.js';
import { dirname, landingBytes, trimSlash } from '../landing.js';
import type { DirStat } from '../../model/system.js';
import { human } from '../units.js';
import { defineOperator, type OpContext, type OpResult } from './define.js';
import { diskLabel as name, list } from './values.js';

/**
 * Whether the mode copies this disk to the destination, or (block mode, read-only) needs it there.
 * Cold and save moves copy what is not on shared storage. A block migration copies every writable,
 * non-shareable disk with a source, wherever it lives (libvirt's qemuMigrationAnyCopyDisk does not
 * look at the storage): a file on a network filesystem lands in whatever the destination has at
 * that path, the same export (the file is there: storage.disk-paths reports the self-copy), another
 * one, its own disk, or nothing. Network disks and shared-pool volumes are not created there
 * (qemuMigrationDstPrecreateDisk skips them or finds the volume): nothing to land.
 */
function copied(d: MigrationDisk, mode: OpContext['mode']): boolean {
  if (d.source === null || d.storage === 'empty' || d.shareable) return false;
  if (d.storage === 'local' || d.storage === 'block') return true;
  return mode === 'block' && d.storage === 'shared-fs' && d.type === 'file';
}

interface Need {
  readonly where: string;
  readonly availableBytes: number | null;
  bytes: number;
  readonly disks: string[];
}

/**
 * src: migration.disks; dst: storage.landing. Every disk the mode copies must have a place on the
 * destination: a file's directory with room (raw: virtual size, else allocation; summed per
 * filesystem), and in block mode a storage pool with that directory as target (libvirt creates a
 * missing image through it); a volume's pool with room; a host block device already in place.
 * Block mode does not copy read-only disks: they must be there already.
 */
function blockSpace(src: unknown, dst: unknown, ctx: OpContext): OpResult {
  const landing = dst as Landing;
  const files = new Set(list<{ path: string }>(landing.files).map((f) => f.path));
  const dirs = new Map(list<DirStat>(landing.dirs).map((d) => [d.path, d]));
  const problems: string[] = [];
  const unknown: string[] = [];
  const needs = new Map<string, Need>();
  const need = (key: string, where: string, availableBytes: number | null, bytes: number, disk: string): void => {
    const n = needs.get(key) ?? { where, availableBytes, bytes: 0, disks: [] };
    n.bytes += bytes;
    n.disks.push(disk);
    needs.set(key, n);
  };
  let copyBytes = 0;
  for (const d of list<MigrationDisk>(src)) {
    if (!copied(d, ctx.mode)) continue;
    const path = d.source ?? '';
    const bytes = landingBytes(d);
    const label = `${name(d)}${bytes !== null ? `, ${human(bytes)}` : ''}`;
    if (d.type === 'block') {
      if (!files.has(path)) problems.push(`${name(d)} is a host block device: nothing creates it on the destination; create ${path} there first (e.g. an LV of at least ${bytes !== null ? human(bytes) : 'the same size'})`);
      continue;
    }
    if (ctx.mode === 'block' && d.readonly) {
      if (!files.has(path)) problems.push(`${name(d)} is read-only, so the copy leaves it out: put the same file at ${path} on the destination, or eject it`);
      continue;
    }
    if (bytes === null) {
      unknown.push(`${name(d)}: its size on the source is unknown`);
      continue;
    }
    if (d.type === 'volume') {
      const pool = landing.pools?.find((p) => p.name === d.pool);
      if (!landing.pools) unknown.push(`${name(d)}: the destination's storage pools are unknown (the virsh-pools probe gave none)`);
      else if (!pool) problems.push(`${name(d)}: the destination has no storage pool ${d.pool ?? '?'} for volume ${d.volume ?? '?'}`);
      else need(`pool:${pool.name}`, `pool ${pool.name}`, pool.availableBytes, bytes, label);
      copyBytes += bytes;
      continue;
    }
    if (files.has(path)) continue; // already in place: libvirt (or the operator) writes into it
    const dir = dirname(path);
    const st = dirs.get(dir);
    if (!st) {
      unknown.push(`${name(d)}: ${dir} was not examined on the destination`);
      continue;
    }
    if (!st.exists || st.fileType !== 'directory') {
      problems.push(`${name(d)}: ${dir} does not exist on the destination`);
      continue;
    }
    // Unknown pools leave the pool check open, not passed; the room is still checked (a shortage fails whatever the pools).
    if (ctx.mode === 'block' && !landing.pools) {
      unknown.push(`${name(d)}: libvirt creates the missing image through a storage pool whose target is ${dir}, and the destination's storage pools are unknown (the virsh-pools probe gave none)`);
    } else if (ctx.mode === 'block' && landing.pools && !landing.pools.some((p) => p.targetPath !== null && trimSlash(p.targetPath) === dir)) {
      problems.push(
        `${name(d)}: libvirt creates the missing image through a storage pool whose target is ${dir}, and the destination has none ` +
          `("no storage pool with matching target path"): define one (virsh pool-define-as NAME dir --target ${dir}; virsh pool-start NAME) or create the image there first`,
      );
      continue;
    }
    copyBytes += bytes;
    need(`fs:${st.mountpoint ?? dir}`, st.mountpoint && st.mountpoint !== dir ? `${dir} (filesystem ${st.mountpoint})` : dir, st.availableBytes, bytes, label);
  }
  for (const n of needs.values()) {
    if (n.availableBytes === null) unknown.push(`${n.where}: free space unknown`);
    else if (n.bytes > n.availableBytes) {
      problems.push(`${n.where} on the destination has ${human(n.availableBytes)} free, the copy needs ${human(n.bytes)} (${n.disks.join('; ')}): short by ${human(n.bytes - n.availableBytes)}`);
    }
  }
  const data = { problems, unknown, copyBytes, places: [...needs.values()].map((n) => ({ where: n.where, bytes: n.bytes, availableBytes: n.availableBytes })) };
  if (problems.length > 0) return { ok: false, messageId: 'block-space.short', data, defaultMessage: problems.join('; ') };
  if (unknown.length > 0) return { ok: false, undecided: `cannot tell whether the copied disks fit on the destination: ${unknown.join('; ')}`, messageId: 'block-space.unknown', data, defaultMessage: '' };
  return { ok: true, messageId: 'pass', data, defaultMessage: '' };
}

export const blockSpaceOp = defineOperator({
  name: 'block-space',
  kind: 'cross',
  summary: 'every disk the mode copies has a place on the destination (directory with room, pool, device)',
  params: {},
  evaluate: (src, dst, _p, ctx) => blockSpace(src, dst, ctx),
});
