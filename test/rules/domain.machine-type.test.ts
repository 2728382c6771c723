import { readFileSync } from 'node:fs';
import { migrationFacts } from '../../src/checks/migration.js';
import { parseCapabilities, parseDomainXmlList, parseVirshVersion } from '../../src/checks/probes/libvirt-xml.js';
import { migrationPlan, testRule } from './rule-tester.js';

const fx = (path: string) => readFileSync(new URL(`../fixtures/${path}`, import.meta.url), 'utf8');
// The lab guest g1 runs on pc-i440fx-7.2; its QEMU 7.2.22 offers pc-i440fx-7.2 and older, no 9.x type.
const XML = fx('libvirt-qemu/dumpxml-migratable-tcg.xml');
const Q35_91 = XML.replace("machine='pc-i440fx-7.2'", "machine='pc-q35-9.1'"); // as on a QEMU 9.1 host (virsh-domstats/thinkbox-*)
function g1(xml = XML, o: { noXml?: boolean } = {}) {
  const [x] = parseDomainXmlList(xml);
  // noXml: `virsh dumpxml` gave no definition of g1 (the probe failed): the source lists it, its machine type is unknown.
  const facts = { libvirt: { domains: [{ name: 'g1', id: 1, uuid: x?.uuid, state: 'running', xml: o.noXml ? null : x }] } } as never;
  return { migration: migrationFacts(facts, migrationPlan()) } as never;
}
/** A destination as `virsh version` and `virsh capabilities` describe it. */
const dst = (version: string, caps: string) => ({ libvirt: { hypervisor: parseVirshVersion(fx(version)).hypervisor, machineTypes: [...new Set(parseCapabilities(fx(caps)).guests.flatMap((g) => g.machines))] } }) as never;
const QEMU72 = dst('libvirt-qemu/virsh-version.txt', 'libvirt-qemu/capabilities.xml');

testRule('domain.machine-type', [
  { name: 'the destination QEMU offers the guest machine type', src: g1(), dst: QEMU72, status: 'pass' },
  {
    name: 'a QEMU 9.1 machine type on a QEMU 7.2 destination',
    src: g1(Q35_91),
    dst: QEMU72,
    status: 'fail',
    messageId: 'subset.missing',
    message: "destination QEMU lacks machine type(s) pc-q35-9.1 (the guest's device model is tied to it)",
  },
  { name: 'a cold boot needs the type as well', src: g1(Q35_91), dst: QEMU72, ctx: { mode: 'cold' }, status: 'fail', messageId: 'subset.missing' },
  { name: 'the test driver lists no machine types: skip', src: g1(), dst: dst('virsh-version/debian12-test-driver.txt', 'virsh-caps/debian12-test-driver.xml'), status: 'skip', messageId: 'skip.when' },
  { name: 'virsh capabilities not collected: error, never a pass', src: g1(), dst: { libvirt: { hypervisor: { name: 'QEMU', version: '7.2.22' } } }, status: 'error', message: /destination: fact libvirt.machineTypes was not collected/ },
  { name: "the destination's hypervisor unknown: error", src: g1(), dst: { libvirt: { hypervisor: null } } as never, status: 'error', message: /destination: fact libvirt.hypervisor.name was not collected/ },
  { name: 'no move facts: error', src: {}, dst: QEMU72, status: 'error', message: /source: fact migration.machines was not collected/ },
  { name: "the domain's XML not collected: its machine type unknown, error, never a pass", src: g1(XML, { noXml: true }), dst: QEMU72, status: 'error', messageId: 'error.fact-missing', message: 'source: fact migration.machines is unknown: no definition of g1 (virsh dumpxml, probe virsh-domxml)' },
  { name: 'not a Xen rule: skip', src: g1(Q35_91), dst: QEMU72, ctx: { hypervisor: 'xen' }, status: 'skip', messageId: 'skip.hypervisor' },
]);
