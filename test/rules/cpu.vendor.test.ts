import { readFileSync } from 'node:fs';
import { parseCpuinfo } from '../../src/checks/probes/cpuinfo.js';
import { testRule } from './rule-tester.js';

// Real /proc/cpuinfo (test/fixtures/cpuinfo) on a 64-bit x86 kernel; vendor_id as AMD CPUs print it.
const cpuinfo = (name: string) => parseCpuinfo(readFileSync(new URL(`../fixtures/cpuinfo/${name}`, import.meta.url), 'utf8'));
const X86 = { arch: 'x86_64', bits: 64, longBit: 64 };
const xeon = { cpu: cpuinfo('xeon-e5-2690v4-bl460-excerpt.cpuinfo'), os: X86 };
const core2 = { cpu: cpuinfo('core2quad-q6600-nx-off.cpuinfo'), os: X86 };
const epyc = { cpu: { vendor: 'AuthenticAMD', modelName: 'AMD EPYC 7302P 16-Core Processor' }, os: X86 } as never;
// An Arm64 host: cpuinfo names the implementer (0x41, ARM), uname -m says aarch64.
const arm = { cpu: { vendor: 'ARM' }, os: { arch: 'aarch64', bits: 64 } } as never;

testRule('cpu.vendor', [
  { name: 'Intel to Intel passes (Xeon E5 to Core 2)', src: xeon, dst: core2, status: 'pass' },
  {
    name: 'Intel to AMD fails',
    src: xeon,
    dst: epyc,
    status: 'fail',
    messageId: 'equal.differs',
    message: 'source CPU vendor is GenuineIntel, destination is AuthenticAMD: live migration between Intel and AMD is not supported',
  },
  { name: 'a cold move is still compared (as a minor finding)', src: epyc, dst: xeon, ctx: { mode: 'cold' }, status: 'fail', message: /^source CPU vendor is AuthenticAMD, destination is GenuineIntel/ },
  { name: 'not x86: skip', src: arm, dst: arm, status: 'skip', messageId: 'skip.when', message: 'not applicable: source os.arch is aarch64' },
  { name: 'cpuinfo not collected on the destination: error', src: xeon, dst: { os: X86 }, status: 'error', messageId: 'error.fact-missing', message: 'destination: fact cpu.vendor was not collected' },
  { name: 'architecture unknown: error, not a skip', src: xeon, dst: { cpu: xeon.cpu }, status: 'error', message: 'destination: fact os.arch was not collected' },
]);
