import { labHosts, movedFrom, testRule, withoutDefinitions } from './rule-tester.js';

// Real lab reports: hv1's disks are in pools images (/srv/vmstore) and local (/srv/local); hv2 has both,
// hv3 only images, on /data/images.
const clean = labHosts('clean');
const problems = labHosts('problems');
const { pools: _, ...noPools } = clean.src.facts.libvirt; // `virsh pool-dumpxml` failed on the source
const noXml = withoutDefinitions(clean.src.facts.libvirt); // `virsh dumpxml` failed

testRule('storage.pools', [
  { name: 'images on /srv/vmstore on both hosts', src: clean.src.facts, dst: clean.dst.facts, status: 'pass' },
  { name: 'lab01 has no disk in a pool: nothing to match', src: movedFrom(clean.src.facts, 'lab01'), dst: problems.dst.facts, status: 'pass' },
  { name: "the destination's images pool is elsewhere", src: problems.src.facts, dst: problems.dst.facts, status: 'fail', messageId: 'match.differs', message: 'differs: images targetPath: source /srv/vmstore, destination /data/images' },
  {
    name: "local01's pool local is missing, images elsewhere: both said",
    src: movedFrom(clean.src.facts, 'local01'),
    dst: problems.dst.facts,
    status: 'fail',
    messageId: 'match.missing',
    message: 'destination lacks local; differs: images targetPath: source /srv/vmstore, destination /data/images',
  },
  { name: "destination's pools not collected: error", src: clean.src.facts, dst: { libvirt: { version: '9.0.0' } } as never, status: 'error', messageId: 'error.fact-missing', message: /destination: fact libvirt.pools was not collected/ },
  { name: "source's pools not collected: error, never a pass", src: movedFrom({ libvirt: noPools }, 'web01'), dst: { libvirt: { pools: [] } } as never, status: 'error' },
  { name: "the moving domains' XML not collected: error, never a pass", src: movedFrom({ libvirt: noXml }, 'web01'), dst: { libvirt: { pools: [] } } as never, status: 'error' },
  { name: 'a Xen pair: skip', src: problems.src.facts, dst: problems.dst.facts, ctx: { hypervisor: 'xen' }, status: 'skip', messageId: 'skip.hypervisor' },
]);
