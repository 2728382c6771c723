import { readFileSync } from 'node:fs';
import { parseCpuinfo } from '../../src/checks/probes/cpuinfo.js';
import { labHosts, movedFrom, testRule, withoutDefinitions } from './rule-tester.js';

// Real /proc/cpuinfo (test/fixtures/cpuinfo): a Broadwell Xeon E5-2690 v4 and a Core 2 Quad Q6600, x86_64 kernels.
const cpuinfo = (name: string) => parseCpuinfo(readFileSync(new URL(`../fixtures/cpuinfo/${name}`, import.meta.url), 'utf8'));
const X86 = { arch: 'x86_64', bits: 64, longBit: 64 };
const xeon = { cpu: cpuinfo('xeon-e5-2690v4-bl460-excerpt.cpuinfo'), os: X86 };
const core2 = { cpu: cpuinfo('core2quad-q6600-nx-off.cpuinfo'), os: X86 };
// The same Xeon as a kernel prints it that shows neither spec_ctrl nor intel_stibp (the names of CPUID.7:EDX
// bits 26/27, hidden since Linux 4.17: "" in cpufeatures.h; the kernel shows them as ibrs ibpb stibp, which this
// one has too): the lab machine's kernel (cpuinfo/lab-machine-xeon-2core.cpuinfo) prints stibp and no spec_ctrl,
// while its libvirt's host-model (libvirt-qemu/domcapabilities-default.xml) requires spec-ctrl.
const xeonOtherKernel = { cpu: { ...xeon.cpu, flags: xeon.cpu.flags.filter((f) => f !== 'spec_ctrl' && f !== 'intel_stibp') }, os: X86 };
// The lab's source (test driver, test/fixtures/reports): db01 host-passthrough, model01 a named model (Skylake-Server-IBRS), web01 no <cpu> (the hypervisor's default model).
const lab = labHosts('problems').src;
const moving = (...domains: string[]) => movedFrom(lab.facts, ...domains).migration;
const arm = { cpu: { flags: ['fp', 'asimd', 'evtstrm', 'aes', 'pmull', 'sha1', 'sha2', 'crc32', 'cpuid'] }, os: { arch: 'aarch64', bits: 64 } } as never;

testRule('cpu.flags', [
  { name: 'the same CPU on both hosts passes', src: xeon, dst: xeon, status: 'pass' },
  { name: 'an older CPU to a newer one passes (the Xeon has every Core 2 flag)', src: core2, dst: xeon, status: 'pass' },
  {
    name: 'a newer CPU to an older one names the flags the destination lacks, not the host-only ones',
    src: xeon,
    dst: core2,
    status: 'fail',
    messageId: 'subset.missing',
    // vmx, smx, nx, eagerfpu, cqm ... are in the source's list too but ignored (host-only or nx, which cpu.nx judges).
    message: /^destination lacks CPU flags: 3dnowprefetch, abm, adx, aes, avx, avx2, bmi1, bmi2, dca, erms, f16c, fma, fsgsbase, hle, ibpb, ibrs, invpcid, movbe, pcid, pclmulqdq, pdpe1gb, popcnt, rdrand, rdseed, rdtscp, rtm, sdbg, smap, smep, ssbd, sse4_1, sse4_2, stibp, tsc_adjust, x2apic, xsave, xsaveopt \(source has them\)$/,
  },
  { name: 'the same CPU under a kernel that does not print spec_ctrl / intel_stibp passes', src: xeon, dst: xeonOtherKernel, status: 'pass' },
  {
    name: 'a destination without the Spectre v2 microcode (no ibrs, ibpb, stibp) still fails',
    src: xeon,
    dst: { ...xeonOtherKernel, cpu: { ...xeonOtherKernel.cpu, flags: xeonOtherKernel.cpu.flags.filter((f) => !['ibrs', 'ibpb', 'stibp'].includes(f)) } },
    status: 'fail',
    message: 'destination lacks CPU flags: ibpb, ibrs, stibp (source has them)',
  },
  { name: 'a cold move is still compared (as a minor finding)', src: xeon, dst: core2, ctx: { mode: 'cold' }, status: 'fail', severity: 'minor' },
  { name: 'a moving guest with host-passthrough sees the flags: major', src: { ...xeon, migration: moving('web01', 'db01') }, dst: core2, status: 'fail', severity: 'major' },
  { name: 'every moving guest has a named model (it sees the model, not the host): minor', src: { ...xeon, migration: moving('web01', 'model01') }, dst: core2, status: 'fail', severity: 'minor' },
  {
    name: "a moving guest's definition unknown: it may see the host's CPU: major",
    src: { ...xeon, migration: movedFrom({ libvirt: withoutDefinitions(lab.facts.libvirt) }, 'db01').migration },
    dst: core2,
    status: 'fail',
    severity: 'major',
  },
  { name: 'no move facts (a Xen pair: its guests see the host CPU): major', src: xeon, dst: core2, ctx: { hypervisor: 'xen' }, status: 'fail', severity: 'major' },
  { name: 'not x86: skip', src: arm, dst: arm, status: 'skip', messageId: 'skip.when', message: 'not applicable: source os.arch is aarch64' },
  { name: 'cpuinfo not collected on the destination: error, never a pass', src: xeon, dst: { os: X86 }, status: 'error', messageId: 'error.fact-missing', message: 'destination: fact cpu.flags was not collected' },
]);
