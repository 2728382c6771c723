import { readFileSync } from 'node:fs';
import { parseCpuinfo } from '../../src/checks/probes/cpuinfo.js';
import { testRule } from './rule-tester.js';

// Real /proc/cpuinfo (test/fixtures/cpuinfo); the parser collapses the runs of blanks in "model name".
const cpuinfo = (name: string) => parseCpuinfo(readFileSync(new URL(`../fixtures/cpuinfo/${name}`, import.meta.url), 'utf8'));
const X86 = { arch: 'x86_64', bits: 64, longBit: 64 };
const xeon = { cpu: cpuinfo('xeon-e5-2690v4-bl460-excerpt.cpuinfo'), os: X86 };
const core2 = { cpu: cpuinfo('core2quad-q6600-nx-off.cpuinfo'), os: X86 };
// The lab's source moves a host-passthrough guest (test/fixtures/reports/problems.json: migration.cpuModes).
const passthrough = { ...xeon, migration: { cpuModes: ['host-passthrough'] } } as never;
const arm = { cpu: { modelName: null }, os: { arch: 'aarch64', bits: 64 } } as never;

testRule('cpu.model', [
  { name: 'the same model on both hosts passes', src: xeon, dst: xeon, status: 'pass' },
  {
    name: 'different models fail, named as cpuinfo names them',
    src: xeon,
    dst: core2,
    status: 'fail',
    messageId: 'equal.differs',
    message: 'CPU models differ: source Intel(R) Xeon(R) CPU E5-2690 v4 @ 2.60GHz, destination Intel(R) Core(TM)2 Quad CPU @ 2.40GHz',
  },
  { name: 'with a host-passthrough guest moving: fail', src: passthrough, dst: core2, status: 'fail', messageId: 'equal.differs' },
  { name: 'no move known (migration.cpuModes absent): still decided', src: xeon, dst: core2, status: 'fail' },
  { name: 'not x86: skip', src: arm, dst: arm, status: 'skip', messageId: 'skip.when' },
  { name: 'cpuinfo not collected on the destination: error, never a pass', src: xeon, dst: { os: X86 }, status: 'error', messageId: 'error.fact-missing', message: 'destination: fact cpu.modelName was not collected' },
]);
