import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { evaluateRule } from '../../src/checks/evaluate.js';
import { migrationFacts } from '../../src/checks/migration.js';
import { loadRules } from '../../src/checks/rules.js';
import { parseDomainXmlList } from '../../src/checks/probes/libvirt-xml.js';
import { parseProcMounts } from '../../src/checks/probes/system/mounts.js';
import { parseDomblkinfo } from '../../src/checks/probes/virsh.js';
import { migrationPlan, testRule } from './rule-tester.js';

const fx = (path: string) => readFileSync(new URL(`../fixtures/${path}`, import.meta.url), 'utf8');
// The real-hypervisor lab (test/fixtures/libvirt-qemu): g1's qcow2 on the sshfs mount /srv/shared; /srv/local is a local tmpfs.
const XML = fx('libvirt-qemu/dumpxml-migratable-tcg.xml');
const MOUNTS = fx('libvirt-qemu/proc-mounts-sshfs.txt');
function mounted(text: string) {
  const m = parseProcMounts(text);
  return { storage: { mounts: m, networkMounts: m.filter((x) => x.network) } } as never;
}
const DST = mounted(MOUNTS);
// A 10 GiB qcow2 with 964 MiB allocated (virsh domblkinfo, test/fixtures/virsh-domblkinfo): its file size and allocation, as the disk-sizes probe's stat reads them.
const info = parseDomblkinfo(fx('virsh-domblkinfo/tp-libvirt-pr4624-jeos27-qcow2.txt'));
function g1(xml = XML, o: { noXml?: boolean } = {}) {
  const [x] = parseDomainXmlList(xml);
  const source = x?.disks[0]?.source ?? null;
  const size = { kind: 'file', path: source, uuid: null, target: null, capacityBytes: info.physicalBytes, allocationBytes: info.allocationBytes };
  // noXml: `virsh dumpxml` gave no definition of g1 (the probe failed): the source lists it, its disks are unknown.
  const facts = { ...(DST as object), libvirt: { domains: [{ name: 'g1', id: 1, uuid: x?.uuid, state: 'running', xml: o.noXml ? null : x }], diskSizes: [size] } } as never;
  return { migration: migrationFacts(facts, migrationPlan()) } as never;
}
const local = XML.replace("file='/srv/shared/g1.qcow2'", "file='/srv/local/g1.qcow2'");
const lun = XML.replace("<disk type='file' device='disk'>", "<disk type='block' device='disk'>").replace("<source file='/srv/shared/g1.qcow2'/>", "<source dev='/dev/mapper/mpatha'/>");
// Real lab reports: hv3 mounts /srv/vmstore from another export than hv1.
const report = (name: string) => JSON.parse(fx(`reports/${name}.json`)).hosts;
const baseline = report('baseline');

testRule('storage.disk-paths', [
  { name: 'a disk on a network filesystem mounted alike on both hosts passes', src: g1(), dst: DST, status: 'pass' },
  { name: 'a guest without disks has nothing to share', src: g1(XML.replace(/<disk[^]*<\/disk>/, '')), dst: DST, status: 'pass' },
  {
    name: 'the same mount point from another export (lab report hv1 -> hv3)',
    src: baseline.src.facts,
    dst: baseline.dst.facts,
    status: 'fail',
    messageId: 'disks.unmounted',
    // The lab's file server exports from its own temporary directory (the report's mounts say which).
    message: /^shared storage not mounted identically: db01 vda \(\/srv\/vmstore\/db01\.qcow2\): \/srv\/vmstore comes from root@10\.203\.40\.10:\/tmp\/mp-lab0-\w+\/nas\/exports\/vmstore on the source but from root@10\.203\.40\.10:\/tmp\/mp-lab0-\w+\/nas\/exports\/other on the destination$/,
  },
  {
    name: 'the mount missing on the destination',
    src: g1(),
    dst: mounted(MOUNTS.replace(/^.* \/srv\/shared fuse\.sshfs .*\n/m, '')),
    status: 'fail',
    messageId: 'disks.unmounted',
    message: 'shared storage not mounted identically: g1 vda (/srv/shared/g1.qcow2): fuse.sshfs root@10.203.40.10:/tmp/mp-lab0-JXjTA6/nas/exports/shared at /srv/shared is not mounted there on the destination',
  },
  {
    name: 'a local disk needs a block migration, with the bytes to copy',
    src: g1(local),
    dst: DST,
    status: 'fail',
    messageId: 'disks.local',
    message: 'not on shared storage, so a live migration needs block migration (virsh migrate --copy-storage-all): g1 vda (/srv/local/g1.qcow2), 964.3 MiB; 964.3 MiB to copy',
  },
  { name: 'a cold move copies a local disk by hand: pass', src: g1(local), dst: DST, ctx: { mode: 'cold' }, status: 'pass' },
  {
    name: 'a block copy of a shared disk would mirror it onto itself',
    src: g1(),
    dst: DST,
    ctx: { mode: 'block' },
    status: 'fail',
    messageId: 'disks.self-copy',
    message: /yet a block copy includes it by default and would mirror it onto itself: g1 vda \(\/srv\/shared\/g1\.qcow2\); nothing is local: migrate without block copy \(--mode live\)$/,
  },
  { name: 'a host block device: SAN LUN or local, cannot tell: error', src: g1(lun), dst: DST, status: 'error', messageId: 'disks.block-unknown', message: /host block device\(s\) g1 vda \(\/dev\/mapper\/mpatha\): cannot tell from here/ },
  // Bug (reported): in block mode the same LUN passes, though if both hosts see it the copy mirrors it onto itself (as disks.self-copy says of shared files).
  {
    name: 'a host block device in a block copy: shared or not, cannot tell: error',
    src: g1(lun),
    dst: DST,
    ctx: { mode: 'block' },
    status: 'error',
    messageId: 'disks.block-unknown',
    message: /^host block device\(s\) g1 vda \(\/dev\/mapper\/mpatha\): cannot tell from here whether the destination sees the same LUN .*; if it does, the block copy would mirror it onto itself/,
  },
  { name: 'destination mounts not collected: error, never a pass', src: g1(), dst: {}, status: 'error', messageId: 'error.fact-missing', message: /destination: fact storage.networkMounts was not collected/ },
  { name: 'no move facts on the source: error', src: DST, dst: DST, status: 'error', messageId: 'error.fact-missing', message: /source: fact migration.disks was not collected/ },
  { name: "the domain's XML not collected: its disks unknown, error, never a pass", src: g1(XML, { noXml: true }), dst: DST, status: 'error', messageId: 'error.fact-missing', message: 'source: fact migration.disks is unknown: no definition of g1 (virsh dumpxml, probe virsh-domxml)' },
  { name: 'not a Xen rule: skip', src: g1(local), dst: DST, ctx: { hypervisor: 'xen' }, status: 'skip', messageId: 'skip.hypervisor' },
]);

// In a run the host report carries the probe's failure: the error names it (virsh-domxml provides the move's disks).
describe('storage.disk-paths with virsh-domxml failed', () => {
  it('names the probe', () => {
    const rule = loadRules().rules.find((r) => r.id === 'storage.disk-paths');
    const host = (facts: never, probeErrors: { probe: string; reason: string }[] = []) => ({ target: 'h', connection: null, hostname: 'h', reachable: true, error: null, hostKey: null, facts, probes: {}, probeErrors });
    const src = host(g1(XML, { noXml: true }), [{ probe: 'virsh-domxml', reason: 'exit code 1: error: failed to connect to the hypervisor' }]);
    const r = evaluateRule(rule as NonNullable<typeof rule>, { src, dst: host(DST) }, { hypervisor: 'kvm', transport: 'ssh', mode: 'live', dstSshPort: 22 });
    expect([r.status, r.messageId, r.message]).toEqual(['error', 'error.fact-missing', 'source: probe virsh-domxml failed: exit code 1: error: failed to connect to the hypervisor']);
  });
});
