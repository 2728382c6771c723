import { readFileSync } from 'node:fs';
import { parseXlInfo, parseXlList } from '../../src/checks/probes/xen.js';
import { xenMoveFacts } from '../../src/checks/xen-move.js';
import { testRule } from './rule-tester.js';

const text = (name: string) => readFileSync(new URL(`../fixtures/xen/${name}`, import.meta.url), 'utf8');
const dst = (name: string) => ({ xen: { toolstack: 'xl', info: parseXlInfo(text(name)) } }) as never;
// The real `xl list` of a Xen 4.9 host without its `xl list -l`: guest types unknown, so they count as HVM.
const unknownType = { xenMove: xenMoveFacts({ xen: { domains: parseXlList(text('xl-list-4.9-tab-header.txt')) } }, []) } as never;
const hvmGuest = { xenMove: { hvm: true, hvmDomains: ['0004fb00000600007c522c7d71072a52'] } } as never;
const pvOnly = { xenMove: { hvm: false, hvmDomains: [] } } as never;
const XEN = { hypervisor: 'xen' } as const;

testRule('xen.hvm', [
  { name: 'an HVM guest to a host with hvm in virt_caps', src: hvmGuest, dst: dst('xl-info-4.13.0-rc-fedora31-ryzen.txt'), ctx: XEN, status: 'pass' },
  {
    name: 'guests of unknown type to a Xen without hardware virtualization',
    src: unknownType,
    dst: dst('xm-info-3.3.0-ubuntu-i686.txt'),
    ctx: XEN,
    status: 'fail',
    messageId: 'in.failed',
    message: "HVM guests move, but the destination's Xen cannot run them (no hvm in virt_caps or xen_caps: VT-x/AMD-V off or missing)",
  },
  { name: 'only PV guests move: skip', src: pvOnly, dst: dst('xm-info-3.3.0-ubuntu-i686.txt'), ctx: XEN, status: 'skip', messageId: 'skip.when' },
  { name: 'a KVM pair: skip', src: hvmGuest, dst: dst('xm-info-3.3.0-ubuntu-i686.txt'), status: 'skip', messageId: 'skip.hypervisor' },
  { name: "the destination's xl info not collected: error", src: hvmGuest, dst: { xen: { toolstack: 'xl', info: null } } as never, ctx: XEN, status: 'error', messageId: 'error.fact-missing', message: /destination: fact xen.info.hvm was not collected/ },
  { name: 'no move derived on the source (no xl list): error', src: {}, dst: dst('xl-info-4.13.0-rc-fedora31-ryzen.txt'), ctx: XEN, status: 'error', messageId: 'error.fact-missing', message: /source: fact xenMove.hvm was not collected/ },
]);
