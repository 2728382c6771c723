import { labHosts, testRule } from './rule-tester.js';

// Real lab reports: hv1 moves its running web01 and db01; hv2 has mail01, hv3 a stale shut-off web01.
const clean = labHosts('clean');
const problems = labHosts('problems');
const only = (...names: string[]) => ({ libvirt: { domains: clean.src.facts.libvirt.domains.filter((d: { name: string }) => names.includes(d.name)) } }) as never;

testRule('domain.names-unique', [
  { name: 'no moving name is taken on the destination', src: clean.src.facts, dst: clean.dst.facts, status: 'pass' },
  { name: 'an empty destination', src: clean.src.facts, dst: { libvirt: { domains: [] } } as never, status: 'pass' },
  { name: 'a stale shut-off web01 on the destination', src: problems.src.facts, dst: problems.dst.facts, status: 'fail', messageId: 'disjoint.common', message: 'destination already has domain(s) named web01' },
  { name: 'both moving names taken: both said', src: clean.src.facts, dst: only('web01', 'db01', 'big01'), status: 'fail', message: 'destination already has domain(s) named db01, web01' },
  { name: "destination's domains not listed: error, never a pass", src: clean.src.facts, dst: { libvirt: { version: '9.0.0' } } as never, status: 'error', messageId: 'error.fact-missing', message: /destination: fact libvirt.domains.name was not collected/ },
  { name: 'no move derived on the source: error', src: { libvirt: clean.src.facts.libvirt } as never, dst: clean.dst.facts, status: 'error', messageId: 'error.fact-missing', message: /source: fact migration.domains.name was not collected/ },
  { name: 'a Xen pair: skip (xen.names-unique checks it)', src: problems.src.facts, dst: problems.dst.facts, ctx: { hypervisor: 'xen' }, status: 'skip', messageId: 'skip.hypervisor' },
]);
