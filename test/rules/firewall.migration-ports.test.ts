import { firewallVerdict } from '../../src/checks/firewall-check.js';
import type { HostFacts } from '../../src/types.js';
import { labHosts, testRule } from './rule-tester.js';

// Real lab reports (test/fixtures/reports): the destinations' parsed nft rulesets. clean.json's hv2: policy drop,
// "ip saddr 10.203.40.0/24 tcp dport { 22, 49152-49215 } accept"; problems.json's hv3: "tcp dport 49152-49215 drop".
const dstOf = (name: string): HostFacts => labHosts(name).dst.facts;
const open = { firewall: dstOf('clean').firewall };
const dropsData = { firewall: dstOf('problems').firewall };
const from = (srcAddr: string | null) => ({ peer: { srcAddr } });
// The evaluator a run uses (src/pair/evaluate.ts).
const ctx = { firewall: firewallVerdict };

testRule('firewall.migration-ports', [
  { name: 'the source on the admitted subnet passes (ssh and the first and last data port)', src: from('10.203.40.11'), dst: open, ctx, status: 'pass' },
  {
    name: 'the data ports dropped fails, naming the rule',
    src: from('10.203.40.11'),
    dst: dropsData,
    ctx,
    status: 'fail',
    messageId: 'firewall.blocked',
    message: /^destination firewall blocks 10\.203\.40\.11: drop 49152 \(QEMU migration data, first port of 49152-49215\) by nftables rule "tcp dport 49152-49215 drop" in chain inet filter input, drop 49215 /,
  },
  { name: "a source outside the admitted subnet meets the chain's drop policy", src: from('10.203.41.7'), dst: open, ctx, status: 'fail', messageId: 'firewall.blocked', message: /^destination firewall blocks 10\.203\.41\.7: drop 22 / },
  { name: 'qemu+tcp needs 16509, which that ruleset does not admit', src: from('10.203.40.11'), dst: open, ctx: { ...ctx, transport: 'tcp' }, status: 'fail', message: /drop 16509 \(libvirtd TCP \(qemu\+tcp\)\)/ },
  { name: 'tunnelled migration needs the control port only', src: from('10.203.40.11'), dst: dropsData, ctx: { ...ctx, transport: 'tunnelled' }, status: 'pass' },
  { name: 'neither nft nor iptables readable: error, never a pass', src: from('10.203.40.11'), dst: { firewall: { nft: null, iptables: null } }, ctx, status: 'error', messageId: 'firewall.unknown', message: /no ruleset could be read/ },
  { name: "the destination's rulesets not collected: error", src: from('10.203.40.11'), dst: {}, ctx, status: 'error', messageId: 'error.fact-missing', message: 'destination: fact firewall was not collected' },
  { name: "the source's address unknown (route without src): error", src: from(null), dst: open, ctx, status: 'error', messageId: 'error.operand' },
  { name: 'a cold move has no QEMU stream: skip', src: from('10.203.40.11'), dst: dropsData, ctx: { ...ctx, mode: 'cold' }, status: 'skip', messageId: 'skip.mode' },
  { name: 'Xen pairs: skip', src: from('10.203.40.11'), dst: dropsData, ctx: { ...ctx, hypervisor: 'xen' }, status: 'skip', messageId: 'skip.hypervisor' },
]);
