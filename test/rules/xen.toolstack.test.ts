import { readFileSync } from 'node:fs';
import { buildFacts } from '../../src/checks/probes/index.js';
import { parseXlInfo } from '../../src/checks/probes/xen.js';
import type { ProbeOutput } from '../../src/types.js';
import { testRule } from './rule-tester.js';

// Real `xl info` of a Xen 4.13 host (test/fixtures/xen): the toolstack answered, so the host is Xen.
const INFO = readFileSync(new URL('../fixtures/xen/xl-info-4.13.0-rc-fedora31-ryzen.txt', import.meta.url), 'utf8');
const info = parseXlInfo(INFO);
const tool = (toolstack: 'xl' | 'xm' | null) => ({ xen: { toolstack, info } }) as never;
const XEN = { hypervisor: 'xen' } as const;
// The same host's facts as a run derives them when its hv-detect probe timed out: `xl info` (or `xm info`: the probe
// runs whichever is there) answered, so the host is Xen, but nothing says which of the two it runs.
const out = (stdout: string, exitCode = 0): ProbeOutput => ({ command: 'x', exitCode, stdout, stderr: '', sha256: '0'.repeat(64), durationMs: 1 });
const hvFailed = buildFacts({ 'hv-detect': out('', 124), 'xl-info': out(INFO) }).facts;

testRule('xen.toolstack', [
  { name: 'xl on both hosts', src: tool('xl'), dst: tool('xl'), ctx: XEN, status: 'pass' },
  { name: 'xend (xm) on both hosts', src: tool('xm'), dst: tool('xm'), ctx: XEN, status: 'pass' },
  {
    name: 'xl to an xend host: the two toolstacks do not talk',
    src: tool('xl'),
    dst: tool('xm'),
    ctx: XEN,
    status: 'fail',
    messageId: 'equal.differs',
    message: "the source migrates with xl, the destination with xm: xl migrate (over SSH) and xend's relocation server (port 8002) do not talk to each other",
  },
  { name: 'a cold move needs no migration protocol: skip', src: tool('xl'), dst: tool('xm'), ctx: { ...XEN, mode: 'cold' }, status: 'skip', messageId: 'skip.mode' },
  { name: 'a KVM pair: skip', src: tool('xl'), dst: tool('xm'), status: 'skip', messageId: 'skip.hypervisor' },
  { name: "the destination's toolstack not collected: error", src: tool('xl'), dst: { xen: { info } } as never, ctx: XEN, status: 'error', messageId: 'error.fact-missing', message: /destination: fact xen.toolstack was not collected/ },
  // hv-detect failed on both hosts (xl info still answered): no toolstack is known on either side, which is no evidence that they match.
  { name: 'no toolstack known on either host: not a pass', src: hvFailed, dst: hvFailed, ctx: XEN, status: 'error', messageId: 'error.fact-missing', message: /^source: fact xen\.toolstack was not collected/ },
  { name: "the source's toolstack unknown, the destination's xl: not a difference", src: hvFailed, dst: tool('xl'), ctx: XEN, status: 'error', messageId: 'error.fact-missing' },
]);
