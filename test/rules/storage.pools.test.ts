import { labHosts, movedFrom, testRule, withoutDefinitions } from './rule-tester.js';

// Real lab reports: hv1's disks are files under its pools images (/srv/vmstore) and local (/srv/local); hv2 has
// both pools, hv3 only images, on /data/images. `asVolumes` gives a domain's disks as the volumes of the pool that
// holds them (<disk type='volume'><source pool volume>), as a domain defined through the pool has them.
const clean = labHosts('clean');
const problems = labHosts('problems');
const { pools: _, ...noPools } = clean.src.facts.libvirt; // `virsh pool-dumpxml` failed on the source
const noXml = withoutDefinitions(clean.src.facts.libvirt); // `virsh dumpxml` failed
const POOL_OF: Record<string, string> = { '/srv/vmstore': 'images', '/srv/local': 'local' };
function asVolumes<L extends { domains: { name: string; xml: { disks: { source: string | null }[] } | null }[] }>(libvirt: L, name: string): L {
  const volume = (d: { source: string | null }) => {
    const dir = d.source?.replace(/\/[^/]*$/, '') ?? '';
    return POOL_OF[dir] ? { ...d, type: 'volume', pool: POOL_OF[dir], volume: d.source?.slice(dir.length + 1) } : d;
  };
  return { ...libvirt, domains: libvirt.domains.map((d) => (d.name === name && d.xml ? { ...d, xml: { ...d.xml, disks: d.xml.disks.map(volume) } } : d)) };
}

testRule('storage.pools', [
  {
    name: "file disks need no pool on the destination (hv3's images is elsewhere, local missing): pass",
    src: movedFrom(clean.src.facts, 'web01', 'local01'),
    dst: problems.dst.facts,
    status: 'pass',
  },
  { name: 'volumes of images, on /srv/vmstore on both hosts: pass', src: movedFrom({ libvirt: asVolumes(clean.src.facts.libvirt, 'web01') }, 'web01'), dst: clean.dst.facts, status: 'pass' },
  {
    name: "volumes of images to a destination whose images is elsewhere: fail",
    src: movedFrom({ libvirt: asVolumes(clean.src.facts.libvirt, 'web01') }, 'web01'),
    dst: problems.dst.facts,
    status: 'fail',
    messageId: 'match.differs',
    message: 'differs: images targetPath: source /srv/vmstore, destination /data/images',
  },
  {
    name: "local01's volumes of local (missing there) and images (elsewhere): both said",
    src: movedFrom({ libvirt: asVolumes(clean.src.facts.libvirt, 'local01') }, 'local01'),
    dst: problems.dst.facts,
    status: 'fail',
    messageId: 'match.missing',
    message: 'destination lacks local; differs: images targetPath: source /srv/vmstore, destination /data/images',
  },
  { name: "destination's pools not collected: error", src: clean.src.facts, dst: { libvirt: { version: '9.0.0' } } as never, status: 'error', messageId: 'error.fact-missing', message: /destination: fact libvirt.pools was not collected/ },
  { name: "source's pools not collected, a volume names one: error, never a pass", src: movedFrom({ libvirt: asVolumes(noPools as typeof clean.src.facts.libvirt, 'web01') }, 'web01'), dst: { libvirt: { pools: [] } } as never, status: 'error' },
  { name: "source's pools not collected, file disks only: none is needed, pass", src: movedFrom({ libvirt: noPools }, 'web01'), dst: { libvirt: { pools: [] } } as never, status: 'pass' },
  { name: "the moving domains' XML not collected: error, never a pass", src: movedFrom({ libvirt: noXml }, 'web01'), dst: { libvirt: { pools: [] } } as never, status: 'error' },
  { name: 'a Xen pair: skip', src: problems.src.facts, dst: problems.dst.facts, ctx: { hypervisor: 'xen' }, status: 'skip', messageId: 'skip.hypervisor' },
]);
