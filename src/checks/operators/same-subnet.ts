import { parseAddrRange } from '../../net/addr.js';
import type { XenMove } from '../../model/move.js';
import type { IpAddr } from '../../model/system.js';
import { defineOperator, type OpResult } from './define.js';

const overlap = (a: string, b: string): boolean => {
  const x = parseAddrRange(a);
  const y = parseAddrRange(b);
  return x !== null && y !== null && x.v === y.v && x.lo <= y.hi && y.lo <= x.hi;
};

/**
 * src: xenMove; dst: network.ifaddrs. A Xen guest keeps its MAC and IP address when it moves, so
 * its network must reach the destination's side of the same bridge: where both hosts have
 * addresses on a guest bridge those must share a subnet; where a bridge carries no host address
 * (a pure layer-2 bridge), the hosts themselves must be on one subnet (no gateway between them).
 */
function sameSubnet(src: unknown, dst: unknown): OpResult {
  const move = src as XenMove;
  const dstAddrs = (Array.isArray(dst) ? dst : []) as IpAddr[];
  const apart: string[] = [];
  const unaddressed: string[] = [];
  for (const b of move.bridgeNetworks) {
    const there = dstAddrs.filter((a) => a.ifname === b.bridge && a.scope !== 'host' && a.scope !== 'link').map((a) => `${a.address}/${a.prefix}`);
    if (b.cidrs.length === 0 || there.length === 0) unaddressed.push(b.bridge);
    else if (!b.cidrs.some((s) => there.some((d) => overlap(s, d)))) apart.push(`${b.bridge}: source ${b.cidrs.join(', ')}, destination ${there.join(', ')}`);
  }
  const data = { apart, unaddressed, via: move.route?.via ?? null, unconfigured: move.unconfigured };
  if (apart.length > 0) {
    return { ok: false, messageId: 'subnet.apart', data, defaultMessage: 'the guests keep their addresses, but the hosts are on different subnets on the guest bridges: {apart}' };
  }
  if (unaddressed.length > 0) {
    if (move.route === null) return { ok: false, undecided: `cannot tell the subnets of ${unaddressed.join(', ')}: no route from the source to the destination was collected`, messageId: 'subnet.unknown', data, defaultMessage: '' };
    if (move.route.via !== null) {
      return {
        ok: false,
        messageId: 'subnet.routed',
        data,
        defaultMessage: `the source reaches the destination through gateway {via}, so they are on different subnets; guests on ${unaddressed.join(', ')} keep their addresses and would be cut off`,
      };
    }
  }
  if (move.unconfigured.length > 0) {
    return { ok: false, undecided: `bridges unknown for {unconfigured}: \`xl list -l\` has no configuration for them`.replace('{unconfigured}', move.unconfigured.join(', ')), messageId: 'subnet.unknown', data, defaultMessage: '' };
  }
  return { ok: true, messageId: 'pass', data, defaultMessage: '' };
}

export const sameSubnetOp = defineOperator({
  name: 'same-subnet',
  kind: 'cross',
  summary: "Xen: the hosts share a subnet on the guests' bridges (guests keep their addresses)",
  params: {},
  evaluate: (src, dst) => sameSubnet(src, dst),
});
