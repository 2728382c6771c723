import { readFileSync } from 'node:fs';
import { parseXlInfo } from '../../src/checks/probes/xen.js';
import { testRule } from './rule-tester.js';

const host = (name: string) => ({ xen: { toolstack: 'xl', info: parseXlInfo(readFileSync(new URL(`../fixtures/xen/${name}`, import.meta.url), 'utf8')) } }) as never;
// Real `xl info` / `xm info` outputs (test/fixtures/xen): xenVersion as major.minor + xen_extra.
const v443 = host('xl-info-4.4.3-centos6.txt'); // "4.4.3-12.el6"
const v413 = host('xl-info-4.13.0-rc-fedora31-ryzen.txt'); // "4.13.0-rc"
const v421 = host('xm-info-4.2.1-centos6.txt'); // "4.2.1"
const XEN = { hypervisor: 'xen' } as const;

testRule('xen.version', [
  { name: 'to a newer Xen', src: v443, dst: v413, ctx: XEN, status: 'pass' },
  { name: 'to the same Xen', src: v413, dst: v413, ctx: XEN, status: 'pass' },
  { name: 'xend-era 4.2.1 to 4.4.3: the packaging suffix does not confuse the order', src: v421, dst: v443, ctx: XEN, status: 'pass' },
  { name: 'to an older Xen', src: v413, dst: v443, ctx: XEN, status: 'fail', messageId: 'not-older.older', message: "the destination runs Xen 4.4.3-12.el6, older than the source's Xen 4.13.0-rc" },
  { name: '4.4.3 to 4.2.1: older by its minor number', src: v443, dst: v421, ctx: XEN, status: 'fail', message: "the destination runs Xen 4.2.1, older than the source's Xen 4.4.3-12.el6" },
  { name: 'a KVM pair: skip', src: v413, dst: v443, status: 'skip', messageId: 'skip.hypervisor' },
  { name: "the source's xl info not collected: error", src: { xen: { toolstack: 'xl', info: null } } as never, dst: v413, ctx: XEN, status: 'error', messageId: 'error.fact-missing', message: /source: fact xen.info.xenVersion was not collected/ },
]);
