import { testRule } from './rule-tester.js';

// `uname -m` (and the bits the facts derive from it) as the lab's KVM hosts report it (test/fixtures/reports),
// and as the Arm64 Xen board of test/fixtures/xen/xl-info-4.16-unstable-aarch64-salvator-x.txt runs ("machine : aarch64").
const os = (arch: string, bits: number) => ({ os: { arch, bits, longBit: bits } });
const x86 = os('x86_64', 64);
const arm = os('aarch64', 64);

testRule('cpu.arch', [
  { name: 'x86_64 to x86_64 passes', src: x86, dst: x86, status: 'pass' },
  { name: 'aarch64 to aarch64 passes', src: arm, dst: arm, status: 'pass' },
  {
    name: 'x86_64 to aarch64 fails',
    src: x86,
    dst: arm,
    status: 'fail',
    messageId: 'equal.differs',
    message: 'source is x86_64, destination is aarch64: a guest cannot change architecture in flight',
  },
  { name: 'applies to Xen pairs too', src: arm, dst: x86, ctx: { hypervisor: 'xen' }, status: 'fail', message: /^source is aarch64, destination is x86_64/ },
  { name: 'and to every mode', src: x86, dst: arm, ctx: { mode: 'cold' }, status: 'fail' },
  { name: 'uname -m not collected on the destination: error, never a pass', src: x86, dst: {}, status: 'error', messageId: 'error.fact-missing', message: 'destination: fact os.arch was not collected' },
]);
