import { readFileSync } from 'node:fs';
import { buildFacts } from '../../src/checks/probes/index.js';
import { parseXendConfig } from '../../src/checks/probes/xen.js';
import type { ProbeOutput } from '../../src/types.js';
import { testRule } from './rule-tester.js';

const text = (name: string) => readFileSync(new URL(`../fixtures/xen/${name}`, import.meta.url), 'utf8');
const getent = (name: string) => readFileSync(new URL(`../fixtures/getent-hosts/${name}`, import.meta.url), 'utf8');
// Real xend-config.sxp settings (test/fixtures/xen): the OS3 lab admits 145.100.104.103; the Ubuntu 3.1 host only localhost.
const OS3 = text('xend-config-xen4.9-os3-relocation-ip-fragment.txt');
const LOCALHOST = text('xend-config-3.1-ubuntu-relocation-hosts-allow.txt');
const xend = (config: string | null, toolstack = 'xm') => ({ xen: { toolstack, xend: config === null ? null : parseXendConfig(config) } }) as never;
// What the source's move says of it: the address the destination sees, its name (the OS3 lab's avignon), a TCP connect to port 8002.
const from = (state: string | null) => ({ xenMove: { relocation: { srcAddr: '145.100.104.103', names: ['avignon'], tcp: state === null ? null : { port: 8002, state } } } }) as never;
const XEN = { hypervisor: 'xen' } as const;
// An xend host (real `xm info`, the OS3 xend-config.sxp) whose hv-detect probe timed out: its toolstack is unknown.
const out = (stdout: string, exitCode = 0): ProbeOutput => ({ command: 'x', exitCode, stdout, stderr: '', sha256: '0'.repeat(64), durationMs: 1 });
const hvUnknown = buildFacts({ 'hv-detect': out('', 124), 'xl-info': out(text('xm-info-4.2.1-centos6.txt')), 'xend-config': out(OS3) }).facts;
// xend matches hosts-allow against the source's address and against the name the DESTINATION resolves that address
// to (connection.hostAllowed: socket.getfqdn), never against the source's own uname -n: without that lookup
// (xen.relocationPeer) only an address match is certain.
const allow = (patterns: string) => xend(OS3.replace("'145.100.104.103'", () => `'${patterns}'`));
// The destination as its pair round 2 sees it: real `xm info` and hv-detect of an xend host, xend-config.sxp admitting
// `patterns`, and the xend-peer-name probe's real output (test/fixtures/getent-hosts: `getent hosts 192.168.10.14` under the
// lab's /etc/hosts layout, "192.168.10.14 xen4.lab xen4"; and an address nothing resolves, getent's exit 2).
const HV_XM = 'xl=\nxm=/usr/sbin/xm\nvirsh=\nkvm=no\nsys_hypervisor=xen\nxen_capabilities=control_d\n';
const looked = (patterns: string, lookup: string | ProbeOutput) =>
  buildFacts({
    'hv-detect': out(HV_XM),
    'xl-info': out(text('xm-info-4.2.1-centos6.txt')),
    'xend-config': out(OS3.replace("'145.100.104.103'", () => `'${patterns}'`)),
    'xend-peer-name': typeof lookup === 'string' ? out(getent(lookup)) : lookup,
  }).facts;
// The lab's xen4 as the source: its address towards the destination, its uname -n, port 8002 open.
const xen4 = (srcAddr = '192.168.10.14') => ({ xenMove: { relocation: { srcAddr, names: ['xen4'], tcp: { port: 8002, state: 'open' } } } }) as never;

testRule('xen.relocation', [
  { name: 'server on, port open, hosts-allow admits the source address', src: from('open'), dst: xend(OS3), ctx: XEN, status: 'pass' },
  { name: 'hosts-allow admits the address, anchored at both ends', src: from('open'), dst: allow('^145\\\\.100\\\\.104\\\\.103$'), ctx: XEN, status: 'pass' },
  {
    // The Xen 3.1 default list: the source is refused unless the destination resolves 145.100.104.103 to localhost, which no probe looked at.
    name: 'hosts-allow admits only localhost: cannot tell from here, not a certain refusal',
    src: from('open'),
    dst: xend(LOCALHOST),
    ctx: XEN,
    status: 'error',
    messageId: 'xend.allow-unknown',
    message:
      "xend-relocation-hosts-allow '^localhost$ ^localhost\\.localdomain$' matches neither the source's address 145.100.104.103 nor its own names (avignon): xend admits it only if the name the destination resolves 145.100.104.103 to (socket.getfqdn there, which prefers a name with a dot) matches, which was not looked up (the destination's xend-peer-name probe did not run: a fleet run, or it failed); admit the address itself (^145\\.100\\.104\\.103$) to be sure",
  },
  {
    // Without the destination's lookup the name xend matches is unknown (the lab's "ADDR xen4.lab xen4" makes it xen4.lab).
    name: "hosts-allow admits the source's own name only, no lookup on the destination: not a pass",
    src: from('open'),
    dst: allow('^avignon$'),
    ctx: XEN,
    status: 'error',
    messageId: 'xend.allow-unknown',
    message: /^xend-relocation-hosts-allow '\^avignon\$' admits the source's own name avignon but not its address 145\.100\.104\.103: xend matches the name the destination resolves/,
  },
  // The destination looked the source's address up (xend-peer-name): the allow list is decided as xend decides it.
  { name: "hosts-allow admits the name the destination resolves the source's address to (xen4.lab): pass", src: xen4(), dst: looked('^xen4\\\\.lab$', 'xend-peer-name-lab-xen4.txt'), ctx: XEN, status: 'pass' },
  {
    name: "hosts-allow admits the source's uname -n, not the name xend matches: refused",
    src: xen4(),
    dst: looked('^xen4$ ^localhost$', 'xend-peer-name-lab-xen4.txt'),
    ctx: XEN,
    status: 'fail',
    messageId: 'xend.not-allowed',
    message:
      "xend-relocation-hosts-allow '^xen4$ ^localhost$' admits neither the source's address 192.168.10.14 nor xen4.lab, the name xend matches: the destination resolves 192.168.10.14 to xen4.lab xen4 (getent hosts; socket.getfqdn takes the first with a dot, else the first); it admits the source's own name xen4, which xend never matches; xend rejects the connection (admit ^xen4\\.lab$ or ^192\\.168\\.10\\.14$)",
  },
  {
    // getent hosts 192.0.2.77: exit 2, "not found": getfqdn gives the address back, which the list does not admit.
    name: 'the source address does not resolve on the destination: only the address can match, and does not',
    src: xen4('192.0.2.77'),
    dst: looked('^xen4\\\\.lab$', 'xend-peer-name-not-found.txt'),
    ctx: XEN,
    status: 'fail',
    messageId: 'xend.not-allowed',
    message: /^xend-relocation-hosts-allow '\^xen4\\\.lab\$' does not admit the source's address 192\.0\.2\.77, which does not resolve on the destination \(getent hosts: no answer\), so xend matches the address alone; xend rejects the connection/,
  },
  { name: 'the address does not resolve, but a pattern matches it: pass', src: xen4('192.0.2.77'), dst: looked('^192\\\\.0\\\\.2\\\\.77$', 'xend-peer-name-not-found.txt'), ctx: XEN, status: 'pass' },
  {
    // The probe failed (or did not run: a fleet): as without it, undecided.
    name: 'the lookup failed on the destination: undecided, never a pass or a refusal',
    src: xen4(),
    dst: looked('^xen4$', out('lookup 192.168.10.14\n', 124)),
    ctx: XEN,
    status: 'error',
    messageId: 'xend.allow-unknown',
    message: /admits the source's own name xen4 but not its address 192\.168\.10\.14: .*which was not looked up \(the destination's xend-peer-name probe did not run/,
  },
  { name: 'a closed port is a refusal whatever hosts-allow admits', src: from('closed'), dst: xend(LOCALHOST), ctx: XEN, status: 'fail', messageId: 'xend.refused', message: /^nothing listens on port 8002/ },
  { name: 'nothing listens on the port', src: from('closed'), dst: xend(OS3), ctx: XEN, status: 'fail', messageId: 'xend.refused', message: 'nothing listens on port 8002 of the destination (is xend running? xend-relocation-address (all))' },
  { name: 'relocation server off', src: from('open'), dst: xend(OS3.replace('(xend-relocation-server yes)', '(xend-relocation-server no)')), ctx: XEN, status: 'fail', messageId: 'xend.server-off' },
  { name: 'no xend-config.sxp on the destination: the server is off', src: from('open'), dst: xend(null), ctx: XEN, status: 'fail', messageId: 'xend.no-config', message: 'the destination runs xend but has no /etc/xen/xend-config.sxp: its relocation server is off (the default)' },
  { name: 'the port could not be tried: error', src: from(null), dst: xend(OS3), ctx: XEN, status: 'error', messageId: 'xend.untested', message: 'could not test port 8002 of the destination from the source (not tried)' },
  { name: 'an xl destination takes migrations over SSH: skip', src: from('closed'), dst: xend(null, 'xl'), ctx: XEN, status: 'skip', messageId: 'skip.when' },
  { name: 'a cold move: skip', src: from('closed'), dst: xend(null), ctx: { ...XEN, mode: 'cold' }, status: 'skip', messageId: 'skip.mode' },
  { name: 'a KVM pair: skip', src: from('closed'), dst: xend(null), status: 'skip', messageId: 'skip.hypervisor' },
  { name: "the destination's xend-config.sxp not read: error", src: from('open'), dst: { xen: { toolstack: 'xm' } } as never, ctx: XEN, status: 'error', messageId: 'error.fact-missing', message: /destination: fact xen.xend was not collected/ },
  // hv-detect failed on an xend destination: an unknown toolstack must not make the xend check vanish.
  { name: "the destination's toolstack unknown (hv-detect failed): error, not a skip", src: from('open'), dst: hvUnknown, ctx: XEN, status: 'error', messageId: 'error.fact-missing', message: /^destination: fact xen\.toolstack was not collected/ },
]);
