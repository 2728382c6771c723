import { labHosts, movedFrom, testRule, withoutDefinitions } from './rule-tester.js';

// Real lab reports: hv1 moves web01 and db01 (2 GiB each), big01 has 64 GiB; hv2 has ~23 GiB available (the lab machine's: given where a message names it).
const clean = labHosts('clean');
const available = (kib: number) => ({ host: { memory: { ...clean.dst.facts.host.memory, memAvailableKiB: kib } } }) as never;
const noXml = withoutDefinitions(clean.src.facts.libvirt); // `virsh dumpxml` failed
const oneUnknown = (name: string) => ({ ...clean.src.facts.libvirt, domains: clean.src.facts.libvirt.domains.map((d: { name: string }) => (d.name === name ? { ...d, xml: null } : d)) }); // its dumpxml failed

testRule('resources.memory', [
  { name: 'web01 and db01 (4 GiB + 1 GiB reserve) fit in 23 GiB', src: clean.src.facts, dst: clean.dst.facts, status: 'pass' },
  {
    name: 'big01 (64 GiB) does not fit',
    src: movedFrom(clean.src.facts, 'big01'),
    dst: available(24117248),
    status: 'fail',
    messageId: 'capacity.short',
    message: 'destination has 23.0 GiB available, the moving domains need 65.0 GiB (incl. 1.0 GiB reserve): short by 42.0 GiB',
  },
  { name: 'an evacuation needs room for all at once, and the reserve counts', src: clean.src.facts, dst: available(4718592), status: 'fail', messageId: 'capacity.short', message: 'destination has 4.5 GiB available, the moving domains need 5.0 GiB (incl. 1.0 GiB reserve): short by 512.0 MiB' },
  { name: 'exactly enough passes', src: clean.src.facts, dst: available(5242880), status: 'pass' },
  { name: "destination's meminfo not collected: error", src: clean.src.facts, dst: { host: { cpus: 2 } } as never, status: 'error', messageId: 'error.fact-missing', message: /destination: fact host.memory.memAvailableKiB was not collected/ },
  {
    name: "the moving domains' XML not collected: their memory unknown, never a pass, and said why",
    src: movedFrom({ libvirt: noXml }, 'big01'),
    dst: available(2097152),
    status: 'error',
    messageId: 'capacity.unknown',
    message: 'cannot tell whether the destination has enough: 1 of 1 source values not collected, and the others fit (no definition of big01 (virsh dumpxml, probe virsh-domxml))',
  },
  {
    name: "one domain's XML not collected, the others alone do not fit: fail, a lower bound",
    src: movedFrom({ libvirt: oneUnknown('web01') }, 'web01', 'big01'),
    dst: available(24117248),
    status: 'fail',
    messageId: 'capacity.short',
    message: 'destination has 23.0 GiB available, the moving domains need 65.0 GiB (incl. 1.0 GiB reserve): short by 42.0 GiB',
  },
  { name: "one domain's XML not collected, the others fit: error", src: movedFrom({ libvirt: oneUnknown('big01') }, 'web01', 'big01'), dst: available(24117248), status: 'error', messageId: 'capacity.unknown', message: /no definition of big01/ },
  { name: 'a Xen pair: skip (xen.memory checks it)', src: movedFrom(clean.src.facts, 'big01'), dst: clean.dst.facts, ctx: { hypervisor: 'xen' }, status: 'skip', messageId: 'skip.hypervisor' },
]);
