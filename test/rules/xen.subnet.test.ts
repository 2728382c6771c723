import { readFileSync } from 'node:fs';
import { parseXlList } from '../../src/checks/probes/xen.js';
import { xenMoveFacts } from '../../src/checks/xen-move.js';
import { testRule } from './rule-tester.js';

// Addresses as the lab hosts of test/fixtures/reports/problems.json carry them (10.203.40.11 and .13/24, an fe80:: on the bridge), here on Xen's guest bridge.
const inet = (ifname: string, address: string, prefix = 24) => ({ ifname, family: 'inet', address, prefix, scope: 'global' });
const LINK = { ifname: 'xenbr0', family: 'inet6', address: 'fe80::644a:6cff:fea4:6ffa', prefix: 64, scope: 'link' };
const move = (cidrs: string[], via: string | null = null) => ({ xenMove: { bridgeNetworks: [{ bridge: 'xenbr0', cidrs }], route: { via, dev: 'eth0' }, unconfigured: [] } }) as never;
const dst = (...ifaddrs: object[]) => ({ network: { ifaddrs: [{ ifname: 'lo', family: 'inet', address: '127.0.0.1', prefix: 8, scope: 'host' }, ...ifaddrs] } }) as never;
// A real `xl list` (Xen 4.9) whose `xl list -l` was not collected: the guests' bridges are unknown.
const unknown = { xenMove: xenMoveFacts({ xen: { domains: parseXlList(readFileSync(new URL('../fixtures/xen/xl-list-4.9-tab-header.txt', import.meta.url), 'utf8')) } }, []) } as never;
const XEN = { hypervisor: 'xen' } as const;

testRule('xen.subnet', [
  { name: 'both hosts on 10.203.40.0/24 on the guest bridge', src: move(['10.203.40.11/24']), dst: dst(inet('xenbr0', '10.203.40.13'), LINK), ctx: XEN, status: 'pass' },
  {
    name: 'the bridges on different subnets',
    src: move(['10.203.40.11/24']),
    dst: dst(inet('xenbr0', '10.203.41.13')),
    ctx: XEN,
    status: 'fail',
    messageId: 'subnet.apart',
    message: 'the guests keep their addresses, but the hosts are on different subnets on the guest bridges: xenbr0: source 10.203.40.11/24, destination 10.203.41.13/24',
  },
  { name: 'a bridge without host addresses, hosts on one subnet', src: move([]), dst: dst(inet('eth0', '10.203.40.13'), LINK), ctx: XEN, status: 'pass' },
  {
    name: 'a bridge without host addresses, hosts behind a gateway',
    src: move([], '10.203.40.1'),
    dst: dst(inet('eth0', '10.203.50.13'), LINK),
    ctx: XEN,
    status: 'fail',
    messageId: 'subnet.routed',
    message: 'the source reaches the destination through gateway 10.203.40.1, so they are on different subnets; guests on xenbr0 keep their addresses and would be cut off',
  },
  { name: 'no route collected for an unaddressed bridge: error', src: { xenMove: { bridgeNetworks: [{ bridge: 'xenbr0', cidrs: [] }], route: null, unconfigured: [] } } as never, dst: dst(LINK), ctx: XEN, status: 'error', messageId: 'subnet.unknown', message: /no route from the source to the destination was collected/ },
  { name: "the guests' configurations not collected: error", src: unknown, dst: dst(inet('xenbr0', '10.203.40.13')), ctx: XEN, status: 'error', messageId: 'subnet.unknown', message: 'bridges unknown for guest-01, Avignon-live-mig: `xl list -l` has no configuration for them' },
  { name: 'a KVM pair: skip', src: move(['10.203.40.11/24']), dst: dst(), status: 'skip', messageId: 'skip.hypervisor' },
  { name: "the destination's addresses not collected: error", src: move(['10.203.40.11/24']), dst: {}, ctx: XEN, status: 'error', messageId: 'error.fact-missing', message: /destination: fact network.ifaddrs was not collected/ },
]);
