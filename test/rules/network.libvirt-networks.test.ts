import { labHosts, movedFrom, testRule, withoutDefinitions } from './rule-tester.js';

// Real lab reports: web01 on hv1 uses the NAT network default (bridge virbr0), db01 none; hv2's default is
// on virbr0 too, hv3's on virbr1.
const clean = labHosts('clean');
const problems = labHosts('problems');
const { networks: _, ...noNets } = clean.src.facts.libvirt; // `virsh net-dumpxml` failed on the source
const noXml = withoutDefinitions(clean.src.facts.libvirt); // `virsh dumpxml` failed

testRule('network.libvirt-networks', [
  { name: 'default on virbr0 on both hosts', src: clean.src.facts, dst: clean.dst.facts, status: 'pass' },
  { name: 'db01 uses no libvirt network: nothing to match', src: movedFrom(clean.src.facts, 'db01'), dst: problems.dst.facts, status: 'pass' },
  { name: "the destination's default is on another bridge", src: problems.src.facts, dst: problems.dst.facts, status: 'fail', messageId: 'match.differs', message: 'differs: default bridge: source virbr0, destination virbr1' },
  { name: 'the destination has no network default', src: clean.src.facts, dst: { libvirt: { networks: [] } } as never, status: 'fail', messageId: 'match.missing', message: 'destination lacks default' },
  { name: "destination's networks not collected: error", src: clean.src.facts, dst: { libvirt: { version: '9.0.0' } } as never, status: 'error', messageId: 'error.fact-missing', message: /destination: fact libvirt.networks was not collected/ },
  { name: "source's networks not described: error, not a bridge that differs", src: movedFrom({ libvirt: noNets }, 'web01'), dst: clean.dst.facts, status: 'error' },
  { name: "source's networks not collected, but db01 uses none: pass", src: movedFrom({ libvirt: noNets }, 'db01'), dst: clean.dst.facts, status: 'pass' },
  { name: "the moving domains' XML not collected: error, never a pass", src: movedFrom({ libvirt: noXml }, 'web01'), dst: { libvirt: { networks: [] } } as never, status: 'error' },
  { name: 'a Xen pair: skip', src: problems.src.facts, dst: problems.dst.facts, ctx: { hypervisor: 'xen' }, status: 'skip', messageId: 'skip.hypervisor' },
]);
