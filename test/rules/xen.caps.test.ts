import { readFileSync } from 'node:fs';
import { parseXlInfo } from '../../src/checks/probes/xen.js';
import { testRule } from './rule-tester.js';

const text = (name: string) => readFileSync(new URL(`../fixtures/xen/${name}`, import.meta.url), 'utf8');
const host = (info: unknown) => ({ xen: { toolstack: 'xl', info } }) as never;
// Real `xl info` / `xm info` outputs (test/fixtures/xen).
const ryzen413 = host(parseXlInfo(text('xl-info-4.13.0-rc-fedora31-ryzen.txt'))); // x86_64, PV and HVM caps
const centos443 = host(parseXlInfo(text('xl-info-4.4.3-centos6.txt'))); // x86_64, the same caps
const arm416 = host(parseXlInfo(text('xl-info-4.16-unstable-aarch64-salvator-x.txt'))); // aarch64
const i686 = host(parseXlInfo(text('xm-info-3.3.0-ubuntu-i686.txt'))); // i686 PAE, xen-3.0-x86_32p only
// The same CentOS host with VT-x off in its firmware: Xen lists no hvm-* guest type.
const noVtx = host(parseXlInfo(text('xl-info-4.4.3-centos6.txt').replace(/ hvm-3\.0-\S+/g, '')));
const XEN = { hypervisor: 'xen' } as const;

testRule('xen.caps', [
  { name: 'two x86_64 hosts with the same guest types', src: ryzen413, dst: centos443, ctx: XEN, status: 'pass' },
  {
    name: 'x86_64 to aarch64: another architecture, and none of its guest types',
    src: ryzen413,
    dst: arm416,
    ctx: XEN,
    status: 'fail',
    messageId: 'equal.differs',
    message:
      "source Xen runs on x86_64, destination Xen on aarch64; the destination's Xen lacks hvm-3.0-x86_32, hvm-3.0-x86_32p, hvm-3.0-x86_64, xen-3.0-x86_32p, xen-3.0-x86_64 (xen_caps), which the source offers",
  },
  { name: 'i686 to x86_64: the 32-bit PV type is there, the machine differs', src: i686, dst: centos443, ctx: XEN, status: 'fail', messageId: 'equal.differs', message: 'source Xen runs on i686, destination Xen on x86_64' },
  {
    name: 'the destination lost its HVM guest types (VT-x off)',
    src: centos443,
    dst: noVtx,
    ctx: XEN,
    status: 'fail',
    messageId: 'subset.missing',
    message: "the destination's Xen lacks hvm-3.0-x86_32, hvm-3.0-x86_32p, hvm-3.0-x86_64 (xen_caps), which the source offers",
  },
  { name: 'a KVM pair: skip', src: ryzen413, dst: arm416, status: 'skip', messageId: 'skip.hypervisor' },
  { name: 'no toolstack answered xl info on the destination: error', src: ryzen413, dst: host(null), ctx: XEN, status: 'error', messageId: 'error.fact-missing', message: /destination: fact xen.info.machine was not collected/ },
]);
