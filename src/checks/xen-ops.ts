import type { Landing } from '../types.js';
import type { MountFacts } from './probes/facts-types.js';
import type { AssertSpec } from './rule-schema.js';
import type { OpResult } from './operators.js';
import { parseAddrRange } from './probes/firewall.js';
import type { IpAddr } from './probes/system.js';
import { relocationAdmits, type XendConfig } from './probes/xen.js';
import type { XenMove, XenMovingDisk } from './xen-move.js';

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
export function sameSubnet(src: unknown, dst: unknown): OpResult {
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

const diskName = (d: XenMovingDisk): string => `${d.domain} ${d.target ?? '?'} (${d.path ?? 'empty'})`;

/**
 * src: xenMove.disks; dst: storage. Xen's live migration moves memory only, so every disk must
 * be reachable from the destination at the same path: image files on a network filesystem
 * mounted at the same place from the same export; host block devices (shared LVM, iSCSI, DRBD)
 * present there too. Other backends (iscsi:, drbd:, rbd ... scripts) are set up by the
 * destination's hotplug scripts and are not checked.
 */
export function xenStorage(src: unknown, dst: unknown, _a: AssertSpec): OpResult {
  const disks = (Array.isArray(src) ? src : []) as XenMovingDisk[];
  const storage = (dst ?? {}) as { mounts?: readonly MountFacts[]; landing?: Landing };
  const local: string[] = [];
  const unmounted: string[] = [];
  const absent: string[] = [];
  const unchecked: string[] = [];
  for (const d of disks) {
    if (d.path === null || d.cdrom) continue;
    if (d.kind === 'file') {
      if (d.mount === null) {
        local.push(diskName(d));
        continue;
      }
      const there = (storage.mounts ?? []).find((m) => m.network && m.mountpoint === d.mount?.mountpoint);
      if (!there) unmounted.push(`${diskName(d)}: ${d.mount.fstype} ${d.mount.export ?? '?'} at ${d.mount.mountpoint} is not mounted there on the destination`);
      else if (there.export !== d.mount.export) unmounted.push(`${diskName(d)}: ${d.mount.mountpoint} comes from ${d.mount.export ?? '?'} on the source but from ${there.export ?? '?'} on the destination`);
    } else if (d.kind === 'phy') {
      if (storage.landing === undefined) unchecked.push(diskName(d));
      else if (!storage.landing.files.some((f) => f.path === d.path)) absent.push(diskName(d));
    }
  }
  const data = { local, unmounted, absent, unchecked };
  const parts = [
    local.length ? `on the source's own disk, which the destination cannot reach (Xen migrates memory only; copy the image and migrate cold): ${local.join('; ')}` : '',
    unmounted.length ? `shared storage not mounted identically: ${unmounted.join('; ')}` : '',
    absent.length ? `block device missing on the destination (shared LVM, iSCSI or DRBD must present it there too): ${absent.join('; ')}` : '',
  ].filter(Boolean);
  if (parts.length > 0) return { ok: false, messageId: local.length ? 'xen-storage.local' : unmounted.length ? 'xen-storage.unmounted' : 'xen-storage.absent', data, defaultMessage: parts.join('; ') };
  if (unchecked.length > 0) return { ok: false, undecided: `the destination's block devices were not looked at: ${unchecked.join('; ')}`, messageId: 'xen-storage.unchecked', data, defaultMessage: '' };
  return { ok: true, messageId: 'pass', data, defaultMessage: '' };
}

/**
 * src: xenMove.relocation; dst: xen.xend. An xend destination takes a migration only with its
 * relocation server on, listening on the port the source can reach, and its hosts-allow list
 * admitting the source (xend matches the peer's name and its address, anchored at the start).
 */
export function xendRelocation(src: unknown, dst: unknown): OpResult {
  const r = src as XenMove['relocation'];
  const x = dst as XendConfig | null;
  const data: Record<string, unknown> = { srcAddr: r.srcAddr, names: r.names, port: x?.relocationPort ?? 8002, allow: x?.relocationHostsAllow ?? [] };
  if (x === null) return { ok: false, messageId: 'xend.no-config', data, defaultMessage: 'the destination runs xend but has no /etc/xen/xend-config.sxp: its relocation server is off (the default)' };
  if (!x.relocationServer) {
    return { ok: false, messageId: 'xend.server-off', data, defaultMessage: 'xend-relocation-server is not enabled on the destination: it refuses every migration ((xend-relocation-server yes), then restart xend)' };
  }
  const problems: string[] = [];
  const state = r.tcp?.state ?? null;
  if (state === 'closed') problems.push(`nothing listens on port ${x.relocationPort} of the destination (is xend running? xend-relocation-address ${x.relocationAddress || '(all)'})`);
  else if (state === 'timeout') problems.push(`port ${x.relocationPort} of the destination does not answer the source: dropped on the way (firewall?)`);
  const who = [...r.names, ...(r.srcAddr ? [r.srcAddr] : [])];
  const matchable = x.relocationHostsAllow.length > 0 && !x.relocationHostsAllow.includes('');
  if (matchable && !who.some((w) => relocationAdmits(x.relocationHostsAllow, w))) {
    problems.push(`xend-relocation-hosts-allow '${x.relocationHostsAllow.join(' ')}' admits none of the source's names and address (${who.join(', ') || 'unknown'})`);
  }
  if (problems.length > 0) return { ok: false, messageId: 'xend.refused', data, defaultMessage: problems.join('; ') };
  if (state === null || state === 'untested') {
    return { ok: false, undecided: `could not test port ${x.relocationPort} of the destination from the source (${state === null ? 'not tried' : 'no bash or nc there'})`, messageId: 'xend.untested', data, defaultMessage: '' };
  }
  return { ok: true, messageId: 'pass', data, defaultMessage: '' };
}
