import { readFileSync } from 'node:fs';
import { parseXlList, parseXlListLong } from '../../src/checks/probes/xen.js';
import { xenMoveFacts } from '../../src/checks/xen-move.js';
import { testRule } from './rule-tester.js';

const text = (name: string) => readFileSync(new URL(`../fixtures/xen/${name}`, import.meta.url), 'utf8');
// The guests of a real Oracle VM Server `xm list -l` (test/fixtures/xen/xm-list-l-ovs3-pv-hvm-dom0.txt) plug into bridge 10e69b4de3.
const configs = parseXlListLong(text('xm-list-l-ovs3-pv-hvm-dom0.txt'));
const moving = (...bridges: string[]) => ({ xen: { configs }, xenMove: { bridges, unconfigured: [] } }) as never;
const ovs = moving('10e69b4de3');
const bridges = (...b: string[]) => ({ network: { bridges: b } }) as never;
// A real `xl list` (Xen 4.9) whose `xl list -l` was not collected: which bridges its guests use is unknown.
const unknown = { xenMove: xenMoveFacts({ xen: { domains: parseXlList(text('xl-list-4.9-tab-header.txt')) } }, []) } as never;
const XEN = { hypervisor: 'xen' } as const;
// The same real `xm list -l` with one of its guests' entries left out, as xl does for a domain whose configuration
// libxl cannot retrieve: the other guests' bridges are known, that one's are not.
const others = configs.slice(1);
const partly = { xen: { configs: others }, xenMove: xenMoveFacts({ xen: { domains: configs.map((c, i) => ({ name: c.name, id: i + 1, memoryMiB: 512, vcpus: 1, state: { running: true, blocked: false, paused: false, shutdown: false, crashed: false, dying: false }, time: 1 })), configs: others } } as never, []) } as never;

testRule('xen.bridges', [
  { name: "the destination has the guests' bridge", src: ovs, dst: bridges('10e69b4de3', 'virbr0'), ctx: XEN, status: 'pass' },
  {
    name: 'the destination has other bridges only',
    src: ovs,
    dst: bridges('xenbr0'),
    ctx: XEN,
    status: 'fail',
    messageId: 'subset.missing',
    message: "the destination has no bridge 10e69b4de3, which the moving domains' vifs plug into",
  },
  { name: 'a destination with no bridge at all', src: moving('eth0', 'xenbr1'), dst: bridges(), ctx: XEN, status: 'fail', message: /no bridge eth0, xenbr1,/ },
  { name: 'a KVM pair: skip', src: ovs, dst: bridges(), status: 'skip', messageId: 'skip.hypervisor' },
  { name: "the destination's bridges not collected: error", src: ovs, dst: {}, ctx: XEN, status: 'error', messageId: 'error.fact-missing', message: /destination: fact network.bridges was not collected/ },
  // xenMove.bridges is [] here only because no configuration was read: that must not pass as "no bridge needed".
  {
    name: "xl list -l left one guest out: its bridges are unknown, not none",
    src: partly,
    dst: bridges('10e69b4de3'),
    ctx: XEN,
    status: 'error',
    messageId: 'error.fact-missing',
    message: /^source: fact xenMove\.bridges is unknown: `xl list -l` \(probe xl-list-long\) has no configuration for 0004fb0000060000236e45007b980aa1$/,
  },
  { name: "the guests' configurations not collected: not a pass", src: unknown, dst: bridges(), ctx: XEN, status: 'error', messageId: 'error.fact-missing', message: /^source: fact xen\.configs was not collected/ },
]);
