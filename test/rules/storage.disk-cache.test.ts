import { readFileSync } from 'node:fs';
import { migrationFacts } from '../../src/checks/migration.js';
import { parseDomainXmlList, parseVirshVersion } from '../../src/checks/probes/libvirt-xml.js';
import { parseProcMounts } from '../../src/checks/probes/system/mounts.js';
import { migrationPlan, testRule } from './rule-tester.js';

const fx = (path: string) => readFileSync(new URL(`../fixtures/${path}`, import.meta.url), 'utf8');
// The real-hypervisor lab (libvirt 9.0, QEMU 7.2.22): g1's qcow2, cache=none, on the sshfs mount /srv/shared.
const XML = fx('libvirt-qemu/dumpxml-migratable-tcg.xml');
const MOUNTS = fx('libvirt-qemu/proc-mounts-sshfs.txt');
const SSHFS = /^\S+ \/srv\/shared fuse\.sshfs /m;
const GLUSTER = MOUNTS.replace(SSHFS, 'nas.lab:/vol /srv/shared fuse.glusterfs ');
const NFS = MOUNTS.replace(SSHFS, 'nas.lab:/vol /srv/shared nfs4 ');
const WRITEBACK = XML.replace("cache='none'", "cache='writeback'");
/** The source's facts as its probes give them, with the move libvirt would be asked to make. */
function source(o: { version?: string; mounts?: string; xml?: string; unsafe?: boolean; noXml?: boolean } = {}) {
  const [x] = parseDomainXmlList(o.xml ?? XML);
  const v = parseVirshVersion(fx(o.version ?? 'libvirt-qemu/virsh-version.txt'));
  // noXml: `virsh dumpxml` gave no definition of g1 (the probe failed): the source lists it, its disks are unknown.
  const facts = { libvirt: { version: v.libvirt, hypervisor: v.hypervisor, domains: [{ name: 'g1', id: 1, uuid: x?.uuid, state: 'running', xml: o.noXml ? null : x }] }, storage: { mounts: parseProcMounts(o.mounts ?? MOUNTS) } } as never;
  return { ...(facts as object), migration: migrationFacts(facts, migrationPlan({ unsafe: o.unsafe ?? false })) } as never;
}

testRule('storage.disk-cache', [
  { name: 'GlusterFS is shared storage to libvirt: pass', src: source({ mounts: GLUSTER }), dst: {}, status: 'pass' },
  {
    name: 'sshfs is not, whatever the mount shows: libvirt refuses',
    src: source(),
    dst: {},
    status: 'fail',
    messageId: 'empty.failed',
    message: 'libvirt refuses this live migration as unsafe (virsh migrate --unsafe overrides it): g1 vda on fuse.sshfs /srv/shared: libvirt does not count fuse.sshfs as shared storage ("Migration without shared storage is unsafe")',
  },
  { name: '--unsafe skips the safety check: pass', src: source({ unsafe: true }), dst: {}, status: 'pass' },
  { name: 'cache=writeback on NFS with QEMU 7.2 (drops the page cache): pass', src: source({ mounts: NFS, xml: WRITEBACK }), dst: {}, status: 'pass' },
  {
    name: 'cache=writeback on NFS with QEMU 1.5.3 (CentOS 7): refused',
    src: source({ mounts: NFS, xml: WRITEBACK, version: 'virsh-version/centos7-libvirt-1.2.17.txt' }),
    dst: {},
    status: 'fail',
    messageId: 'empty.failed',
    message: /: g1 vda: cache=writeback on nfs4 \/srv\/shared with QEMU 1\.5\.3 \(before 4\.0\.0 QEMU cannot drop the destination's page cache/,
  },
  { name: 'the test driver has no such check: skip', src: source({ version: 'virsh-version/debian12-test-driver.txt' }), dst: {}, status: 'skip', messageId: 'skip.when' },
  { name: 'a block migration copies the disks: skip', src: source(), dst: {}, ctx: { mode: 'block' }, status: 'skip', messageId: 'skip.mode' },
  { name: 'which hypervisor runs is unknown: error, never a pass', src: { libvirt: { version: '9.0.0', hypervisor: null }, migration: { libvirtRefusals: [] } } as never, dst: {}, status: 'error', message: /source: fact libvirt.hypervisor.name was not collected/ },
  { name: 'no move facts: error', src: { libvirt: { hypervisor: { name: 'QEMU', version: '7.2.22' } } }, dst: {}, status: 'error', message: /source: fact migration.libvirtRefusals was not collected/ },
  { name: "the domain's XML not collected: its disks unknown, error, never a pass", src: source({ mounts: GLUSTER, noXml: true }), dst: {}, status: 'error', messageId: 'error.fact-missing', message: 'source: fact migration.libvirtRefusals is unknown: no definition of g1 (virsh dumpxml, probe virsh-domxml)' },
  // qemuMigrationSrcBeginPhase calls qemuMigrationSrcIsSafe only without VIR_MIGRATE_UNSAFE: no disk can make it refuse then.
  { name: 'its XML not collected, but --unsafe skips the check whatever the disks: pass', src: source({ noXml: true, unsafe: true }), dst: {}, status: 'pass' },
]);
