import { labHosts, movedFrom, testRule, withoutDefinitions } from './rule-tester.js';

// Real lab reports: hv1 moves web01 and db01 (2 GiB each), big01 has 64 GiB; hv2 has ~23 GiB available (the lab machine's: given where a message names it).
const clean = labHosts('clean');
const available = (kib: number) => ({ host: { memory: { ...clean.dst.facts.host.memory, memAvailableKiB: kib } } }) as never;
const noXml = withoutDefinitions(clean.src.facts.libvirt); // `virsh dumpxml` failed

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
  { name: "the moving domains' XML not collected: their memory unknown, never a pass", src: movedFrom({ libvirt: noXml }, 'big01'), dst: available(2097152), status: 'error' },
  { name: 'a Xen pair: skip (xen.memory checks it)', src: movedFrom(clean.src.facts, 'big01'), dst: clean.dst.facts, ctx: { hypervisor: 'xen' }, status: 'skip', messageId: 'skip.hypervisor' },
]);
