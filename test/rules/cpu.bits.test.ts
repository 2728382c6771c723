import { testRule } from './rule-tester.js';

// uname -m and the kernel word size the facts derive from it: the lab's x86_64 hosts (test/fixtures/reports),
// and the 32-bit PAE dom0 of test/fixtures/xen/xm-info-3.3.0-ubuntu-i686.txt ("machine : i686").
const os = (arch: string, bits: number) => ({ os: { arch, bits, longBit: bits } });
const x64 = os('x86_64', 64);
const i686 = os('i686', 32);

testRule('cpu.bits', [
  { name: '64-bit to 64-bit passes', src: x64, dst: x64, status: 'pass' },
  { name: '32-bit to 64-bit passes (a 32-bit guest runs on either)', src: i686, dst: x64, status: 'pass' },
  {
    name: '64-bit to 32-bit fails',
    src: x64,
    dst: i686,
    status: 'fail',
    messageId: 'not-older.older',
    message: 'source kernel is 64-bit, destination kernel is 32-bit: 64-bit guests need a 64-bit host (32 may go to 64, not back)',
  },
  { name: 'applies to Xen pairs and cold moves too', src: x64, dst: i686, ctx: { hypervisor: 'xen', mode: 'cold' }, status: 'fail' },
  { name: 'uname -m not collected on the destination: error, never a pass', src: x64, dst: {}, status: 'error', messageId: 'error.fact-missing', message: 'destination: fact os.bits was not collected' },
]);
