import { readFileSync } from 'node:fs';
import { buildFacts } from '../../src/checks/probes/index.js';
import { parseXendConfig } from '../../src/checks/probes/xen.js';
import type { ProbeOutput } from '../../src/types.js';
import { testRule } from './rule-tester.js';

// The real xend-config.sxp settings of a Xen 3.1 host (test/fixtures/xen): server on, hosts-allow '^localhost$ ^localhost\\.localdomain$'.
const REAL = readFileSync(new URL('../fixtures/xen/xend-config-3.1-ubuntu-relocation-hosts-allow.txt', import.meta.url), 'utf8');
const xend = (config: string, toolstack = 'xm') => {
  const x = parseXendConfig(config);
  return { xen: { toolstack, xend: x, relocationServer: x.relocationServer } } as never;
};
const src = {} as never;
const XEN = { hypervisor: 'xen' } as const;
// The same host (with a real `xm info`) when its hv-detect probe timed out: its toolstack is unknown.
const out = (stdout: string, exitCode = 0): ProbeOutput => ({ command: 'x', exitCode, stdout, stderr: '', sha256: '0'.repeat(64), durationMs: 1 });
const XM_INFO = readFileSync(new URL('../fixtures/xen/xm-info-4.2.1-centos6.txt', import.meta.url), 'utf8');
const hvUnknown = (config: string) => buildFacts({ 'hv-detect': out('', 124), 'xl-info': out(XM_INFO), 'xend-config': out(config) }).facts;
const OPEN = REAL.replace(/^\(xend-relocation-hosts-allow .*\n/m, '');

testRule('xen.relocation-allow', [
  { name: 'hosts-allow lists anchored patterns', src, dst: xend(REAL), ctx: XEN, status: 'pass' },
  {
    name: 'no hosts-allow: every host is admitted',
    src,
    dst: xend(OPEN),
    ctx: XEN,
    status: 'fail',
    messageId: 'present.failed',
    message: 'xend-relocation-hosts-allow is empty on the destination: any host that reaches its port may push a domain to it (relocation is neither authenticated nor encrypted)',
  },
  {
    name: 'two blanks in a row: an empty pattern admits every host',
    src,
    dst: xend(REAL.replace('$ ^', '$  ^')),
    ctx: XEN,
    status: 'fail',
    messageId: 'matches.failed',
    message: 'xend-relocation-hosts-allow on the destination has an empty pattern (two blanks in a row), which admits every host',
  },
  { name: 'relocation server off: nothing to admit, skip', src, dst: xend(REAL.replace('(xend-relocation-server yes)', '(xend-relocation-server no)')), ctx: XEN, status: 'skip', messageId: 'skip.when' },
  { name: 'an xl destination (xend not running): skip', src, dst: xend(REAL, 'xl'), ctx: XEN, status: 'skip', messageId: 'skip.when' },
  { name: 'a cold move: skip', src, dst: xend(REAL.replace(/^\(xend-relocation-hosts-allow .*\n/m, '')), ctx: { ...XEN, mode: 'cold' }, status: 'skip', messageId: 'skip.mode' },
  { name: 'a KVM pair: skip', src, dst: xend(REAL), status: 'skip', messageId: 'skip.hypervisor' },
  { name: "the destination's xend-config.sxp not read: error", src, dst: { xen: { toolstack: 'xm' } } as never, ctx: XEN, status: 'error', messageId: 'error.fact-missing', message: /destination: fact xen.relocationServer was not collected/ },
  // An xend host whose relocation server admits every host: an unknown toolstack must not hide that.
  { name: "server on, the destination's toolstack unknown (hv-detect failed): error, not a skip", src, dst: hvUnknown(OPEN), ctx: XEN, status: 'error', messageId: 'error.fact-missing', message: /^destination: fact xen\.toolstack was not collected/ },
  { name: 'server off, the toolstack unknown: nothing to admit, skip', src, dst: hvUnknown(REAL.replace('(xend-relocation-server yes)', '(xend-relocation-server no)')), ctx: XEN, status: 'skip', messageId: 'skip.when' },
]);
