import { readFileSync } from 'node:fs';
import { joinDomains, parseVirshList } from '../../src/checks/probes/virsh.js';
import { labHosts, testRule } from './rule-tester.js';

// Real lab reports: hv1 moves web01 and db01; hv2 has only mail01, hv3 a stale copy of web01 (same UUID).
const clean = labHosts('clean');
const problems = labHosts('problems');
const web01Uuid = '6695eb01-f6a4-8304-79aa-97f2502e193f';
const restored = { libvirt: { domains: [{ name: 'web01-restored', id: null, state: 'shut off', uuid: web01Uuid }] } } as never;
// `virsh list --all` of the lab host (g1 running) with `virsh list --uuid --name` failed: UUIDs unknown (null).
const list = parseVirshList(readFileSync(new URL('../fixtures/libvirt-qemu/virsh-list.txt', import.meta.url), 'utf8'));
const dstNoUuids = { libvirt: { domains: joinDomains(list, null) } } as never;
const srcNoUuids = { migration: { domains: clean.src.facts.migration.domains.map((d: object) => ({ ...d, uuid: null })) } } as never;

testRule('domain.uuids-unique', [
  { name: 'no moving UUID is defined on the destination', src: clean.src.facts, dst: clean.dst.facts, status: 'pass' },
  { name: 'a stale copy of web01 on the destination', src: problems.src.facts, dst: problems.dst.facts, status: 'fail', messageId: 'disjoint.common', message: `destination already has domain UUID(s) ${web01Uuid}` },
  { name: 'the same UUID under another name (a restored backup)', src: clean.src.facts, dst: restored, status: 'fail', messageId: 'disjoint.common', message: `destination already has domain UUID(s) ${web01Uuid}` },
  { name: "destination's domains not listed: error", src: clean.src.facts, dst: { libvirt: { version: '9.0.0' } } as never, status: 'error', messageId: 'error.fact-missing', message: /destination: fact libvirt.domains.uuid was not collected/ },
  { name: "destination's UUIDs unknown (virsh list --uuid failed): error, never a pass", src: clean.src.facts, dst: dstNoUuids, status: 'error', messageId: 'disjoint.unknown', message: 'cannot tell whether any value is on both hosts: destination libvirt.domains.uuid: 1 of 1 not collected' },
  { name: "the moving domains' UUIDs unknown: error, never a pass", src: srcNoUuids, dst: clean.dst.facts, status: 'error' },
  { name: "UUIDs unknown on both hosts: error, not a clash of 'null'", src: srcNoUuids, dst: dstNoUuids, status: 'error' },
  {
    name: 'a UUID known on both hosts is a clash whatever else is unknown: fail',
    src: clean.src.facts,
    dst: { libvirt: { domains: [...joinDomains(list, null), ...(restored as { libvirt: { domains: object[] } }).libvirt.domains] } } as never,
    status: 'fail',
    messageId: 'disjoint.common',
    message: `destination already has domain UUID(s) ${web01Uuid}`,
  },
  { name: 'a Xen pair: skip', src: problems.src.facts, dst: problems.dst.facts, ctx: { hypervisor: 'xen' }, status: 'skip', messageId: 'skip.hypervisor' },
]);
