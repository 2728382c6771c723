/**
 * Operators for what a migration mode needs besides live migration on shared storage: room for
 * copied disks (block, cold, save), room and privacy for save images (save), and a network of its
 * own for a block copy (block). Only types are imported from operators.ts, which registers these.
 */
import type { HostFacts, Landing, MigrationDisk, MigrationFacts } from '../types.js';
import { movingDisks } from './migration.js';
import type { DirStat } from './probes/dir-stats.js';
import type { IpAddr } from './probes/system.js';
import type { HostOpResult, OpContext, OpResult } from './operators.js';
import type { AssertSpec } from './rule-schema.js';
import { duration, human, mibs } from './units.js';

const list = <T>(v: unknown): T[] => (Array.isArray(v) ? (v as T[]) : []);
const name = (d: MigrationDisk): string => `${d.domain} ${d.target ?? '?'} (${d.source ?? 'no source'})`;
const dirname = (p: string): string => p.replace(/\/[^/]*$/, '') || '/';
const trimSlash = (p: string): string => p.replace(/(.)\/+$/, '$1');

/**
 * What the destination's landing probe looks at (block, cold and save modes): the directories of
 * the moving file disks not on shared-pool or network storage, and every such disk's path.
 */
export function landingQuery(src: HostFacts, requested: readonly string[]): { dirs: string[]; files: string[] } {
  const disks = movingDisks(src, requested).filter((d) => d.source !== null && (d.storage === 'local' || d.storage === 'block' || d.storage === 'shared-fs'));
  return { dirs: [...new Set(disks.filter((d) => d.type === 'file').map((d) => dirname(d.source as string)))], files: [...new Set(disks.map((d) => d.source as string))] };
}

/**
 * What a copy writes on the destination: the virtual size for raw images (they are created at
 * full size), the allocation for the others (qcow2 grows as the copy writes).
 */
export function landingBytes(d: MigrationDisk): number | null {
  return (d.format ?? 'raw') === 'raw' ? (d.capacityBytes ?? d.bytes) : d.bytes;
}

/** Whether the mode copies this disk to the destination (the others are shared, or empty). */
function copied(d: MigrationDisk, mode: OpContext['mode'], landing: Landing): boolean {
  if (d.source === null || d.storage === 'empty' || d.shareable) return false;
  if (d.storage === 'local' || d.storage === 'block') return true;
  // Block mode copies a disk on a network filesystem the destination does not mount: it lands on the destination's own disk.
  if (mode === 'block' && d.storage === 'shared-fs' && d.type === 'file') {
    const dir = landing.dirs.find((x) => x.path === dirname(d.source ?? ''));
    return dir !== undefined && dir.exists && dir.mountpoint !== d.mount?.mountpoint;
  }
  return false;
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
export function blockSpace(src: unknown, dst: unknown, _a: AssertSpec, ctx: OpContext): OpResult {
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
    if (!copied(d, ctx.mode, landing)) continue;
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
      if (!landing.pools) unknown.push(`${name(d)}: the destination's storage pools are unknown`);
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
    if (ctx.mode === 'block' && landing.pools && !landing.pools.some((p) => p.targetPath !== null && trimSlash(p.targetPath) === dir)) {
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

type SaveImage = MigrationFacts['saveImage'];
type StorageFacts = { saveDir?: DirStat | null; mounts?: readonly { mountpoint: string; export: string | null }[] };

/**
 * src: migration.saveImage; dst: storage. The save images (about the guests' memory) must fit in
 * --save-dir on the source, and on the destination too unless that directory is the same network
 * filesystem there (virsh restore reads the image on the destination).
 */
export function saveSpace(src: unknown, dst: unknown): OpResult {
  const img = src as SaveImage;
  const storage = (dst ?? {}) as StorageFacts;
  const problems: string[] = [];
  const unknown: string[] = [];
  const room = (dir: DirStat | null | undefined, host: string, why: string): void => {
    if (!dir) unknown.push(`the save directory was not examined on the ${host}`);
    else if (!dir.exists || dir.fileType !== 'directory') problems.push(`${dir.path} does not exist on the ${host}${why}`);
    else if (dir.availableBytes === null) unknown.push(`free space in ${dir.path} on the ${host} is unknown`);
    else if (dir.availableBytes < img.bytes) {
      problems.push(`${dir.path} on the ${host} has ${human(dir.availableBytes)} free, the save images need about ${human(img.bytes)} (the guests' memory)${why}: short by ${human(img.bytes - dir.availableBytes)}`);
    }
  };
  room(img.dir, 'source', '');
  const m = img.sharedMount;
  const shared = m !== null && storage.saveDir?.mountpoint === m.mountpoint && (storage.mounts ?? []).some((x) => x.mountpoint === m.mountpoint && x.export === m.export);
  if (!shared) room(storage.saveDir, 'destination', ' (not shared with the source: the images are copied there to be restored)');
  const data = { bytes: img.bytes, shared, problems, unknown };
  if (problems.length > 0) return { ok: false, messageId: 'save-space.short', data, defaultMessage: problems.join('; ') };
  if (unknown.length > 0) return { ok: false, undecided: `cannot tell whether the save images fit: ${unknown.join('; ')}`, messageId: 'save-space.unknown', data, defaultMessage: '' };
  return { ok: true, messageId: 'pass', data, defaultMessage: '' };
}

/** A directory that only its owner (and group) can enter: others must neither read nor write it. */
export function privateDir(v: unknown): HostOpResult {
  const d = v as DirStat | null;
  if (!d || !d.exists || d.mode === null) return { ok: false, detail: '', undecided: `${d?.path ?? 'the save directory'} does not exist or cannot be read, so its permissions are unknown` };
  const bad: string[] = [];
  if (d.mode & 0o004) bad.push('readable by others');
  if (d.mode & 0o002) bad.push('writable by others');
  if (bad.length === 0) return { ok: true, detail: '' };
  return { ok: false, detail: `${d.path} is ${bad.join(' and ')} (mode ${d.mode.toString(8).padStart(4, '0')}, ${d.owner ?? '?'}:${d.group ?? '?'})` };
}

/**
 * src: migration.transfer; dst: network.ifaddrs. The address migration data goes to (the
 * destination's hostname, as libvirt uses it) should be on another interface than the one the
 * destination is managed through: a block copy saturates the link it runs on.
 */
export function dedicatedLink(src: unknown, dst: unknown): OpResult {
  const t = src as MigrationFacts['transfer'];
  const addrs = list<IpAddr>(dst);
  const target = t.migrationAddresses?.[0] ?? null;
  if (target === null || t.managementAddress === null) {
    return { ok: false, undecided: 'cannot tell where migration data would go: the destination hostname did not resolve on the source, or its management address is unknown', messageId: 'migration-interface.unknown', data: {}, defaultMessage: '' };
  }
  const migIf = addrs.find((a) => a.address === target)?.ifname ?? null;
  const mgmtIf = addrs.find((a) => a.address === t.managementAddress)?.ifname ?? null;
  const data = { migrationAddress: target, migrationInterface: migIf, managementAddress: t.managementAddress, managementInterface: mgmtIf, copyBytes: t.copyBytes };
  if (migIf === null && target !== t.managementAddress) {
    return { ok: false, undecided: `the destination hostname resolves to ${target} on the source, an address the destination does not have (see network.hostname-resolution)`, messageId: 'migration-interface.unknown', data, defaultMessage: '' };
  }
  if (target !== t.managementAddress && migIf !== mgmtIf) return { ok: true, messageId: 'pass', data, defaultMessage: '' };
  const load =
    t.copyBytes === null
      ? 'a block copy of disks of unknown size'
      : `the block copy of ${human(t.copyBytes)}${t.bandwidthBytesPerSec ? ` (about ${duration(t.copyBytes / t.bandwidthBytesPerSec)} at ${mibs(t.bandwidthBytesPerSec)})` : ''} and the guests' memory`;
  return {
    ok: false,
    messageId: 'migration-interface.shared',
    data,
    defaultMessage:
      `migration data would go to ${target}${migIf ? ` (${migIf})` : ''}, the interface the destination is managed through (${t.managementAddress}): ` +
      `${load} would compete with management traffic; give migration a network of its own (virsh migrate --migrateuri tcp://ADDR --disks-uri tcp://ADDR, or migration_host in the destination's qemu.conf)`,
  };
}
