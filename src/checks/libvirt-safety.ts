/**
 * libvirt's own storage safety check for a live migration (qemuMigrationSrcIsSafe in
 * src/qemu/qemu_migration.c), as the versions the source reports run it. libvirt refuses, unless
 * the migration is forced with --unsafe:
 * - a file disk on a filesystem it does not count as shared (virFileIsSharedFS: statfs magic
 *   numbers, plus the FUSE subtypes glusterfs and quobyte) with "Migration without shared storage
 *   is unsafe". sshfs, lustre, ceph-fuse, MooseFS ... are network filesystems libvirt does NOT
 *   know: our own storage rules see them as shared, libvirt refuses them;
 * - a disk with a host page cache (cache other than none/directsync) on shared storage, "Migration
 *   may lead to data corruption if disks use cache other than none or directsync", but only where
 *   QEMU cannot drop the incoming side's cache: QEMU 4.0 and later can
 *   (QEMU_CAPS_MIGRATION_FILE_DROP_CACHE), so modern pairs migrate writeback disks.
 * Exempt: empty and read-only disks, disks a block migration copies, cluster filesystems (GFS2,
 * OCFS2: any cache mode), network disks (rbd, iscsi, gluster, nbd). A local file disk is left to
 * storage.disk-paths, which says what to do about it (block migration).
 */
import type { HostFacts, MigrationDisk } from '../types.js';
import type { MigrationPlan } from './migration-plan.js';
import { compareVersions } from './probes/libvirt-xml.js';

/** /proc/mounts types of the filesystems libvirt 9.0 counts as shared (virFileIsSharedFSType). */
const LIBVIRT_SHARED_FS: ReadonlySet<string> = new Set(['nfs', 'nfs4', 'gfs2', 'ocfs2', 'afs', 'smbfs', 'smb3', 'cifs', 'ceph', 'gpfs', 'acfs', 'fuse.glusterfs', 'fuse.quobyte']);
/**
 * BeeGFS is missing from libvirt 9.0 (Debian 12's binary has no BeeGFS magic number) and present
 * in later releases: counted as shared from libvirt 10.0 on, to be safe.
 */
const BEEGFS_SINCE = '10.0.0';
/** Cluster filesystems: libvirt skips the cache check on them (virFileIsClusterFS). */
const CLUSTER_FS: ReadonlySet<string> = new Set(['gfs2', 'ocfs2']);
/** The first QEMU whose incoming migration drops the page cache of file disks. */
const DROP_CACHE_SINCE = '4.0.0';

/** Whether libvirt (at this version) counts a filesystem type as shared. */
export function libvirtCountsShared(fstype: string, libvirtVersion: string | null): boolean {
  if (LIBVIRT_SHARED_FS.has(fstype)) return true;
  if (fstype === 'beegfs') return libvirtVersion !== null && compareVersions(libvirtVersion, BEEGFS_SINCE) >= 0;
  return false;
}

const where = (d: MigrationDisk): string => (d.mount ? `${d.mount.fstype} ${d.mount.mountpoint}` : (d.source ?? d.storage));

/**
 * Whether libvirt runs its storage safety check on this move at all: only the QEMU driver has it,
 * only for a live migration, and --unsafe skips it (qemuMigrationSrcBeginPhase calls
 * qemuMigrationSrcIsSafe unless VIR_MIGRATE_UNSAFE or VIR_MIGRATE_OFFLINE). When it does not run,
 * no disk can make it refuse, whatever the disks are.
 */
export function libvirtChecksStorage(src: HostFacts, plan: Pick<MigrationPlan, 'mode' | 'unsafe'>): boolean {
  return plan.mode === 'live' && !plan.unsafe && src.libvirt?.hypervisor?.name === 'QEMU';
}

/**
 * The disks libvirt would refuse the live migration for, each with libvirt's own reason; empty
 * when it would not refuse (or does not check: --unsafe, other modes, other hypervisors).
 */
export function libvirtRefusals(disks: readonly MigrationDisk[], src: HostFacts, plan: Pick<MigrationPlan, 'mode' | 'unsafe'>): string[] {
  const hv = src.libvirt?.hypervisor;
  if (!libvirtChecksStorage(src, plan) || !hv) return [];
  const libvirtVersion = src.libvirt?.version ?? null;
  const dropsCache = compareVersions(hv.version, DROP_CACHE_SINCE) >= 0;
  const out: string[] = [];
  for (const d of disks) {
    if (d.storage === 'empty' || d.readonly) continue;
    const name = `${d.domain} ${d.target ?? '?'}`;
    if (d.storage === 'shared-fs' && d.mount) {
      if (!libvirtCountsShared(d.mount.fstype, libvirtVersion)) {
        out.push(`${name} on ${where(d)}: libvirt does not count ${d.mount.fstype} as shared storage ("Migration without shared storage is unsafe")`);
        continue;
      }
      if (CLUSTER_FS.has(d.mount.fstype)) continue;
    } else if (d.storage !== 'block' && d.storage !== 'shared-pool') {
      continue; // network disks are safe; local ones are storage.disk-paths' business
    }
    if (d.shareable || d.cache === 'none' || d.cache === 'directsync' || dropsCache) continue;
    out.push(`${name}: cache=${d.cache ?? 'default (writeback)'} on ${where(d)} with QEMU ${hv.version} (before ${DROP_CACHE_SINCE} QEMU cannot drop the destination's page cache: "Migration may lead to data corruption if disks use cache other than none or directsync")`);
  }
  return out;
}
