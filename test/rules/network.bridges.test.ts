import { labHosts, movedFrom, testRule, withoutDefinitions } from './rule-tester.js';

// Real lab reports: hv1's guests plug into br0 (lab01 into br-storage); hv2 has br0, hv3 no bridge at all.
const clean = labHosts('clean');
const problems = labHosts('problems');
// The same source with `virsh dumpxml` failed: the domains' interfaces (and so their bridges) unknown.
const noXml = { ...clean.src.facts, libvirt: withoutDefinitions(clean.src.facts.libvirt) };
const { bridges: _, ...dstWithoutBridges } = clean.dst.facts.network;

testRule('network.bridges', [
  { name: 'br0 on both hosts', src: clean.src.facts, dst: clean.dst.facts, status: 'pass' },
  { name: 'the destination has no bridge', src: problems.src.facts, dst: problems.dst.facts, status: 'fail', messageId: 'subset.missing', message: "destination lacks bridge(s) br0 (the moving domains' interfaces plug into them)" },
  { name: "lab01's br-storage is not on the destination", src: movedFrom(clean.src.facts, 'lab01', 'web01'), dst: clean.dst.facts, status: 'fail', messageId: 'subset.missing', message: "destination lacks bridge(s) br-storage (the moving domains' interfaces plug into them)" },
  { name: "destination's bridges not collected: error", src: clean.src.facts, dst: { network: dstWithoutBridges } as never, status: 'error', messageId: 'error.fact-missing', message: /destination: fact network.bridges was not collected/ },
  { name: "the moving domains' XML not collected: error, never a pass", src: movedFrom(noXml, 'web01'), dst: problems.dst.facts, status: 'error' },
  { name: 'a Xen pair: skip (xen.bridges checks it)', src: problems.src.facts, dst: problems.dst.facts, ctx: { hypervisor: 'xen' }, status: 'skip', messageId: 'skip.hypervisor' },
]);
