import { labHosts, movedFrom, testRule, withoutDefinitions } from './rule-tester.js';

// Real lab reports: hv1's web01 and db01 have 2 vCPUs each, big01 16, lab01 1; hv2 has 2 CPUs online.
const clean = labHosts('clean');
const cpus = (n: number) => ({ host: { cpus: n } }) as never;
const noXml = withoutDefinitions(clean.src.facts.libvirt); // `virsh dumpxml` failed

testRule('resources.cpu', [
  { name: 'two 2-vCPU guests on a 2-CPU host: the largest counts, not the sum', src: clean.src.facts, dst: clean.dst.facts, status: 'pass' },
  { name: 'big01 has 16 vCPUs, the destination 2 CPUs', src: movedFrom(clean.src.facts, 'lab01', 'big01'), dst: clean.dst.facts, status: 'fail', messageId: 'capacity.short', message: 'a moving domain has 16 vCPUs, the destination has 2 CPUs online' },
  { name: 'a 2-vCPU guest on a 1-CPU host', src: movedFrom(clean.src.facts, 'web01'), dst: cpus(1), status: 'fail', messageId: 'capacity.short', message: 'a moving domain has 2 vCPUs, the destination has 1 CPUs online' },
  { name: "destination's CPU count not collected: error", src: clean.src.facts, dst: { host: { memory: clean.dst.facts.host.memory } } as never, status: 'error', messageId: 'error.fact-missing', message: /destination: fact host.cpus was not collected/ },
  { name: "the moving domains' XML not collected: vCPUs unknown, never a pass", src: movedFrom({ libvirt: noXml }, 'big01'), dst: cpus(1), status: 'error' },
  { name: 'a Xen pair: skip', src: movedFrom(clean.src.facts, 'big01'), dst: clean.dst.facts, ctx: { hypervisor: 'xen' }, status: 'skip', messageId: 'skip.hypervisor' },
]);
