import { migrationFacts } from '../../src/checks/migration.js';
import { labHosts, migrationPlan, testRule } from './rule-tester.js';

// Real lab reports: hv1's web01 and db01 have 2 vCPUs each, big01 16, lab01 1; hv2 has 2 CPUs online.
const clean = labHosts('clean');
const plan = (domains: string[]) => migrationPlan({ domains, memoryReserveKiB: 1048576 });
/** The move of `-d domains` from a source, as the run derives it from its facts. */
const moving = (src: { libvirt: object }, ...domains: string[]) => ({ migration: migrationFacts(src as never, plan(domains)) }) as never;
const cpus = (n: number) => ({ host: { cpus: n } }) as never;
const noXml = { ...clean.src.facts.libvirt, domains: clean.src.facts.libvirt.domains.map((d: object) => ({ ...d, xml: null })) }; // `virsh dumpxml` failed

testRule('resources.cpu', [
  { name: 'two 2-vCPU guests on a 2-CPU host: the largest counts, not the sum', src: clean.src.facts, dst: clean.dst.facts, status: 'pass' },
  { name: 'big01 has 16 vCPUs, the destination 2 CPUs', src: moving(clean.src.facts, 'lab01', 'big01'), dst: clean.dst.facts, status: 'fail', messageId: 'capacity.short', message: 'a moving domain has 16 vCPUs, the destination has 2 CPUs online' },
  { name: 'a 2-vCPU guest on a 1-CPU host', src: moving(clean.src.facts, 'web01'), dst: cpus(1), status: 'fail', messageId: 'capacity.short', message: 'a moving domain has 2 vCPUs, the destination has 1 CPUs online' },
  { name: "destination's CPU count not collected: error", src: clean.src.facts, dst: { host: { memory: clean.dst.facts.host.memory } } as never, status: 'error', messageId: 'error.fact-missing', message: /destination: fact host.cpus was not collected/ },
  { name: "the moving domains' XML not collected: vCPUs unknown, never a pass", src: moving({ libvirt: noXml }, 'big01'), dst: cpus(1), status: 'error' },
  { name: 'a Xen pair: skip', src: moving(clean.src.facts, 'big01'), dst: clean.dst.facts, ctx: { hypervisor: 'xen' }, status: 'skip', messageId: 'skip.hypervisor' },
]);
