import { readFileSync } from 'node:fs';
import { migrationFacts } from '../../src/checks/migration.js';
import { parseDomainXmlList } from '../../src/checks/probes/libvirt-xml.js';
import { migrationPlan, testRule } from './rule-tester.js';

// The lab guest g1 (test/fixtures/libvirt-qemu): one writable qcow2 disk; as a raw image; with a raw read-only ISO.
const XML = readFileSync(new URL('../fixtures/libvirt-qemu/dumpxml-migratable-tcg.xml', import.meta.url), 'utf8');
const RAW = XML.replace("type='qcow2'", "type='raw'").replace('g1.qcow2', 'g1.img');
const ISO = XML.replace('</devices>', "<disk type='file' device='cdrom'><driver name='qemu' type='raw'/><source file='/srv/shared/debian-12.iso'/><target dev='sda' bus='sata'/><readonly/></disk></devices>");
function g1(xml: string, o: { noXml?: boolean } = {}) {
  const [x] = parseDomainXmlList(xml);
  // noXml: `virsh dumpxml` gave no definition of g1 (the probe failed): the source lists it, its disks are unknown.
  const facts = { libvirt: { domains: [{ name: 'g1', id: 1, uuid: x?.uuid, state: 'running', xml: o.noXml ? null : x }] } } as never;
  return { migration: migrationFacts(facts, migrationPlan({ mode: 'save' })) } as never;
}
const save = { mode: 'save' } as const;

testRule('storage.image-format', [
  { name: 'a qcow2 disk can hold an internal snapshot', src: g1(XML), dst: {}, ctx: save, status: 'pass' },
  { name: 'a read-only raw ISO does not count', src: g1(ISO), dst: {}, ctx: save, status: 'pass' },
  {
    name: 'a writable raw disk cannot',
    src: g1(RAW),
    dst: {},
    ctx: save,
    status: 'fail',
    messageId: 'empty.failed',
    message: 'internal snapshots with memory (QEMU savevm/loadvm, virsh snapshot-create) need qcow2 or qed on every writable disk: g1 vda (raw); virsh save to a file is not affected',
  },
  { name: 'no move facts: error, never a pass', src: {}, dst: {}, ctx: save, status: 'error', messageId: 'error.fact-missing', message: /source: fact migration.snapshotBlockers was not collected/ },
  { name: "the domain's XML not collected: its disks unknown, error, never a pass", src: g1(XML, { noXml: true }), dst: {}, ctx: save, status: 'error', messageId: 'error.fact-missing', message: 'source: fact migration.snapshotBlockers is unknown: no definition of g1 (virsh dumpxml, probe virsh-domxml)' },
  { name: 'other modes take no snapshot: skip', src: g1(RAW), dst: {}, ctx: { mode: 'cold' }, status: 'skip', messageId: 'skip.mode' },
]);
