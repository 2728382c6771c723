import { readFileSync } from 'node:fs';
import { migrationFacts } from '../../src/checks/migration.js';
import { parseDomainXmlList } from '../../src/checks/probes/libvirt-xml.js';
import { parseSnapshotCounts } from '../../src/checks/probes/virsh.js';
import { migrationPlan, testRule } from './rule-tester.js';

// The lab guest g1 as `virsh dumpxml --migratable` prints it (test/fixtures/libvirt-qemu), nothing in the way.
const XML = readFileSync(new URL('../fixtures/libvirt-qemu/dumpxml-migratable-tcg.xml', import.meta.url), 'utf8');
const withDevice = (device: string) => XML.replace('</devices>', `${device}\n  </devices>`);
const PCI = "<hostdev mode='subsystem' type='pci' managed='yes'><source><address domain='0x0000' bus='0x03' slot='0x00' function='0x0'/></source></hostdev>";
const USB = "<hostdev mode='subsystem' type='usb' managed='yes'><source><vendor id='0x0781'/><product id='0x5567'/></source></hostdev>";
/** The virsh-snapshots probe's output for a domain: none; a listing of its snapshots (none listed: snapshot-list failed); an earlier report's count ('': unknown). */
const NONE = (u: string): string => `snapshots ${u} 0\n`;
const listed = (...names: string[]) => (u: string): string => `snapshots ${u}\n${names.map((n) => `${n}\n`).join('')}\n`;
const counted = (n: string) => (u: string): string => `snapshots ${u} ${n}\n`;

/** The move of g1, defined by `xml`, with its snapshots as the virsh-snapshots probe printed them (null: the probe gave nothing). */
function g1(xml = XML, snapshots: ((uuid: string) => string) | null = NONE) {
  const [x] = parseDomainXmlList(xml);
  const count = snapshots === null ? {} : { snapshots: parseSnapshotCounts(snapshots(x?.uuid ?? '')).get(x?.uuid ?? '') };
  const facts = { libvirt: { domains: [{ name: 'g1', id: 1, uuid: x?.uuid, state: 'running', xml: x, ...count }] } } as never;
  return { migration: migrationFacts(facts, migrationPlan()) } as never;
}

testRule('domain.migration-blockers', [
  { name: 'the lab guest has nothing libvirt refuses', src: g1(), dst: {}, status: 'pass' },
  { name: 'a USB host device is re-plugged on the destination: pass', src: g1(withDevice(USB)), dst: {}, status: 'pass' },
  { name: 'PCI passthrough is refused', src: g1(withDevice(PCI)), dst: {}, status: 'fail', messageId: 'empty.failed', message: "libvirt refuses to migrate it: g1: cannot migrate a domain with <hostdev mode='subsystem' type='pci'>" },
  {
    name: 'snapshots are refused too, each reason listed',
    src: g1(withDevice(PCI), listed('before-upgrade', 'nightly 2026-12-01')),
    dst: {},
    ctx: { mode: 'block' },
    status: 'fail',
    messageId: 'empty.failed',
    message: "libvirt refuses to migrate it: g1: cannot migrate a domain with <hostdev mode='subsystem' type='pci'>, g1: cannot migrate domain with 2 snapshots",
  },
  { name: "an earlier report's count of snapshots is read too", src: g1(XML, counted('3')), dst: {}, ctx: { mode: 'block' }, status: 'fail', messageId: 'empty.failed', message: 'libvirt refuses to migrate it: g1: cannot migrate domain with 3 snapshots' },
  // Bug (reported): an unknown count (null) adds no blocker, so the rule passes without knowing whether g1 has snapshots.
  { name: 'snapshots not counted (listed with snapshots, but snapshot-list failed): error, never a pass', src: g1(XML, listed()), dst: {}, status: 'error', messageId: 'error.fact-missing', message: /source: fact migration.blockers is unknown: the snapshots of g1 were not counted/ },
  { name: 'no snapshot count at all (the virsh-snapshots probe gave nothing): error', src: g1(XML, null), dst: {}, status: 'error', messageId: 'error.fact-missing' },
  { name: "snapshots not counted in an earlier report's format: error", src: g1(XML, counted('')), dst: {}, status: 'error', messageId: 'error.fact-missing' },
  { name: 'PCI passthrough is refused whatever the snapshots: fail, not error', src: g1(withDevice(PCI), listed()), dst: {}, status: 'fail', messageId: 'empty.failed', message: "libvirt refuses to migrate it: g1: cannot migrate a domain with <hostdev mode='subsystem' type='pci'>" },
  { name: 'a cold move defines the guest anew: skip', src: g1(withDevice(PCI)), dst: {}, ctx: { mode: 'cold' }, status: 'skip', messageId: 'skip.mode' },
  { name: 'no move facts: error, never a pass', src: {}, dst: {}, status: 'error', messageId: 'error.fact-missing', message: /source: fact migration.blockers was not collected/ },
]);
