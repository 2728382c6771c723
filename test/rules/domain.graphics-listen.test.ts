import { readFileSync } from 'node:fs';
import { parseDomainXmlList } from '../../src/checks/probes/libvirt-xml.js';
import { labHosts, movedFrom, testRule, withoutDefinitions } from './rule-tester.js';

// Real `virsh dumpxml --migratable` of three running lab guests (test/fixtures/libvirt-qemu): VNC and SPICE on the
// source's address 10.203.40.11 (their `virsh migrate` failed: QEMU could not bind it on the destination) and VNC
// with qemu.conf's listen (it migrated); the lab's reports give both hosts' addresses (the destination: 10.203.40.12).
const XML = parseDomainXmlList(readFileSync(new URL('../fixtures/libvirt-qemu/dumpxml-migratable-graphics.xml', import.meta.url), 'utf8'));
const clean = labHosts('clean');
const domains = XML.map((x, i) => ({ id: i + 1, name: x.name, state: 'running', uuid: x.uuid, xml: x, snapshots: 0 }));
const libvirt = { ...clean.src.facts.libvirt, domains };
/** The guest `name` listening on `address` instead (as `virsh edit` would make it). */
const listening = (name: string, address: string) => ({
  ...libvirt,
  domains: domains.map((d) => (d.name === name ? { ...d, xml: { ...d.xml, graphics: d.xml.graphics?.map((g) => ({ ...g, listens: g.listens.map((l) => ({ ...l, address })) })) } } : d)),
});
const dst = clean.dst.facts;

testRule('domain.graphics-listen', [
  {
    name: "VNC on the source's own address: fail, QEMU cannot bind it on the destination",
    src: movedFrom({ libvirt }, 'g-vnc-src'),
    dst,
    status: 'fail',
    messageId: 'listens-local.foreign',
    message: 'g-vnc-src: its vnc console listens on 10.203.40.11, an address the destination does not have: QEMU cannot bind it there',
  },
  { name: 'SPICE likewise', src: movedFrom({ libvirt }, 'g-spice-src'), dst, status: 'fail', message: /^g-spice-src: its spice console listens on 10\.203\.40\.11,/ },
  { name: "qemu.conf's listen (no address in the migratable XML): pass", src: movedFrom({ libvirt }, 'g-vnc-def'), dst, status: 'pass' },
  { name: 'an address the destination has (10.203.40.12): pass', src: movedFrom({ libvirt: listening('g-vnc-src', '10.203.40.12') }, 'g-vnc-src'), dst, status: 'pass' },
  ...['0.0.0.0', '::', '127.0.0.1', '[::1]', '::0', 'localhost'].map((address) => ({ name: `${address}: binds anywhere, pass`, src: movedFrom({ libvirt: listening('g-vnc-src', address) }, 'g-vnc-src'), dst, status: 'pass' as const })),
  {
    name: 'a host name: error, the destination resolves it for itself',
    src: movedFrom({ libvirt: listening('g-vnc-src', 'console.example') }, 'g-vnc-src'),
    dst,
    status: 'error',
    messageId: 'listens-local.unknown',
    message: /g-vnc-src: its vnc console listens on console\.example, a name the destination resolves for itself \(not checked\)$/,
  },
  {
    name: 'graphics of a definition saved before they were read: error, never a pass',
    src: movedFrom({ libvirt: { ...libvirt, domains: domains.map((d) => ({ ...d, xml: { ...d.xml, graphics: undefined } })) } }, 'g-vnc-src'),
    dst,
    status: 'error',
    messageId: 'error.fact-missing',
  },
  { name: 'the definition not collected: error', src: movedFrom({ libvirt: withoutDefinitions(libvirt) }, 'g-vnc-src'), dst, status: 'error', messageId: 'error.fact-missing' },
  { name: "the destination's addresses not collected: error", src: movedFrom({ libvirt }, 'g-vnc-src'), dst: { ...dst, network: { bridges: dst.network.bridges } }, status: 'error', messageId: 'error.fact-missing' },
]);
