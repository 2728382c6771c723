import type { HostFacts } from '../../src/types.js';
import { labHosts, testRule } from './rule-tester.js';

// Real lab reports (test/fixtures/reports): the source's TCP connects to the destination. clean.json: port 22 open;
// unreachable.json: 22 refused (no sshd on hv4), so controlReachable is false.
const srcOf = (name: string): HostFacts => labHosts(name).src.facts;
const reached = { peer: srcOf('clean').peer };
const refused = { peer: srcOf('unreachable').peer };
// The TCP connect times out (dropped on the way), as the probe reports a silent drop.
const timeout = { peer: { tcp: [{ port: 22, state: 'timeout' }, { port: 49152, state: 'timeout' }], controlReachable: false } };

testRule('network.reachability', [
  { name: 'the control port answers: pass', src: reached, dst: {}, status: 'pass' },
  { name: 'refused: fail', src: refused, dst: {}, status: 'fail', messageId: 'in.failed', message: /^the source cannot open a TCP connection to the destination's control port/ },
  { name: 'timed out: fail', src: timeout, dst: {}, status: 'fail', messageId: 'in.failed' },
  { name: 'applies to Xen pairs and cold moves (xl and the copies go over SSH)', src: refused, dst: {}, ctx: { hypervisor: 'xen', mode: 'cold' }, status: 'fail' },
  { name: 'the TCP probe did not run: error, never a pass', src: { peer: { srcAddr: '10.203.40.11' } }, dst: {}, status: 'error', messageId: 'error.fact-missing', message: 'source: fact peer.controlReachable was not collected' },
]);
