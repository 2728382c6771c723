import { readFileSync } from 'node:fs';
import { parseCpuinfo } from '../../src/checks/probes/cpuinfo.js';
import { testRule } from './rule-tester.js';

// Real /proc/cpuinfo (test/fixtures/cpuinfo): two Xeons with nx, and a Core 2 Quad with NX/XD switched off in the BIOS.
const cpuinfo = (name: string) => parseCpuinfo(readFileSync(new URL(`../fixtures/cpuinfo/${name}`, import.meta.url), 'utf8'));
const X86 = { arch: 'x86_64', bits: 64, longBit: 64 };
const xeon = { cpu: cpuinfo('xeon-e5-2690v4-bl460-excerpt.cpuinfo'), os: X86 };
const labXeon = { cpu: cpuinfo('lab-machine-xeon-2core.cpuinfo'), os: X86 };
const nxOff = { cpu: cpuinfo('core2quad-q6600-nx-off.cpuinfo'), os: X86 };
const arm = { cpu: { nx: false }, os: { arch: 'aarch64', bits: 64 } } as never;

testRule('cpu.nx', [
  { name: 'NX on both hosts passes', src: xeon, dst: labXeon, status: 'pass' },
  { name: 'NX switched off on the destination fails', src: xeon, dst: nxOff, status: 'fail', messageId: 'equal.differs', message: 'NX/XD bit: source true, destination false' },
  { name: 'a cold move is still compared (as a minor finding)', src: labXeon, dst: nxOff, ctx: { mode: 'cold' }, status: 'fail' },
  { name: 'not x86 (no NX flag in Arm cpuinfo): skip', src: arm, dst: arm, status: 'skip', messageId: 'skip.when' },
  { name: 'cpuinfo not collected on the destination: error, never a pass', src: xeon, dst: { os: X86 }, status: 'error', messageId: 'error.fact-missing', message: 'destination: fact cpu.nx was not collected' },
]);
