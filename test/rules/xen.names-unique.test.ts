import { readFileSync } from 'node:fs';
import { parseXlList } from '../../src/checks/probes/xen.js';
import { xenMoveFacts } from '../../src/checks/xen-move.js';
import { testRule } from './rule-tester.js';

const list = (name: string) => parseXlList(readFileSync(new URL(`../fixtures/xen/${name}`, import.meta.url), 'utf8'));
// Real `xl list` of a Xen 4.9 host (Domain-0, guest-01, Avignon-live-mig) and `xm list` of a 4.4.3 host (Domain-0 only).
const xl49 = list('xl-list-4.9-tab-header.txt');
const src = { xen: { toolstack: 'xl', domains: xl49 }, xenMove: xenMoveFacts({ xen: { domains: xl49 } }, []) } as never;
const onlyDom0 = { xen: { toolstack: 'xl', domains: list('xm-list-4.4.3-centos6-deprecated-warning.txt') } } as never;
const XEN = { hypervisor: 'xen' } as const;

testRule('xen.names-unique', [
  { name: 'the destination has only its Domain-0 (which never moves)', src, dst: onlyDom0, ctx: XEN, status: 'pass' },
  {
    name: 'the destination already runs domains of the same names',
    src,
    dst: { xen: { toolstack: 'xl', domains: xl49 } } as never,
    ctx: XEN,
    status: 'fail',
    messageId: 'disjoint.common',
    message: 'the destination already has a domain named Avignon-live-mig, guest-01',
  },
  { name: 'a KVM pair: skip', src, dst: src, status: 'skip', messageId: 'skip.hypervisor' },
  { name: "no toolstack listed the destination's domains: error", src, dst: { xen: { toolstack: null, domains: null } } as never, ctx: XEN, status: 'error', messageId: 'error.fact-missing', message: /destination: fact xen.domains.name was not collected/ },
  { name: 'no move derived on the source: error', src: {}, dst: onlyDom0, ctx: XEN, status: 'error', messageId: 'error.fact-missing', message: /source: fact xenMove.names was not collected/ },
]);
