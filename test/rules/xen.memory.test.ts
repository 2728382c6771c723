import { readFileSync } from 'node:fs';
import { parseXlInfo, parseXlList } from '../../src/checks/probes/xen.js';
import { xenMoveFacts } from '../../src/checks/xen-move.js';
import { testRule } from './rule-tester.js';

const text = (name: string) => readFileSync(new URL(`../fixtures/xen/${name}`, import.meta.url), 'utf8');
// The move from a real `xl list` (Xen 4.9): guest-01 and Avignon-live-mig, 1024 MiB each.
const src = { xenMove: xenMoveFacts({ xen: { domains: parseXlList(text('xl-list-4.9-tab-header.txt')) } }, []) } as never;
// The destination's free_memory from real `xl info` outputs, in KiB as the facts carry it.
const free = (name: string) => {
  const info = parseXlInfo(text(name));
  return { xen: { toolstack: 'xl', info, freeMemoryKiB: info.freeMemoryMiB === null ? null : info.freeMemoryMiB * 1024 } } as never;
};
const XEN = { hypervisor: 'xen' } as const;

testRule('xen.memory', [
  { name: '2 GiB of guests to a host with 51 GiB free', src, dst: free('xl-info-4.13.0-rc-fedora31-ryzen.txt'), ctx: XEN, status: 'pass' },
  {
    name: '2 GiB of guests to a host with 617 MiB free',
    src,
    dst: free('xl-info-4.4.3-centos6.txt'),
    ctx: XEN,
    status: 'fail',
    messageId: 'capacity.short',
    message: "the destination's Xen has 617.0 MiB free (xl info free_memory), the moving domains need 2.0 GiB: short by 1.4 GiB",
  },
  { name: 'a KVM pair: skip', src, dst: free('xl-info-4.4.3-centos6.txt'), status: 'skip', messageId: 'skip.hypervisor' },
  { name: 'xl info without a free_memory line: error, never a pass', src, dst: { xen: { toolstack: 'xl', freeMemoryKiB: null } } as never, ctx: XEN, status: 'error', messageId: 'error.operand', message: /destination value is not a number: null/ },
  { name: "the destination's xl info not collected: error", src, dst: { xen: { toolstack: 'xl' } } as never, ctx: XEN, status: 'error', messageId: 'error.fact-missing', message: /destination: fact xen.freeMemoryKiB was not collected/ },
]);
