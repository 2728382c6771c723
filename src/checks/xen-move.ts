import type { HostFacts } from '../types.js';
import type { XenMove, XenMovingDisk, XenMovingDomain } from '../model/move.js';
import type { MountFacts } from '../model/system.js';
import type { XendConfig, XenDomain, XenDomainConfig } from '../model/xen.js';
import { mountOf } from './migration.js';

/** Guests an evacuation moves: every domain but Domain-0 that is not shut down, crashed or dying. */
function live(d: XenDomain): boolean {
  return d.id !== 0 && d.name !== 'Domain-0' && d.id !== null && !d.state.shutdown && !d.state.crashed && !d.state.dying;
}

/** The source's Xen move (null when the source has no Xen domain list). */
export function xenMoveFacts(src: HostFacts, requested: readonly string[]): XenMove | null {
  const list = src.xen?.domains;
  if (!list) return null;
  const byName = new Map(list.map((d) => [d.name, d]));
  const chosen = requested.length === 0 ? list.filter(live) : requested.flatMap((n) => byName.get(n) ?? []);
  const missing = requested.filter((n) => !byName.has(n));
  const configs = new Map<string, XenDomainConfig>((src.xen?.configs ?? []).map((c) => [c.name, c]));
  const mounts: readonly MountFacts[] = src.storage?.mounts ?? [];
  const domains: XenMovingDomain[] = chosen.map((d) => {
    const c = configs.get(d.name);
    return {
      name: d.name,
      id: d.id,
      // `xl list` shows the current allocation, which is what the destination must find free.
      memoryKiB: d.memoryMiB * 1024,
      vcpus: d.vcpus,
      type: c?.type ?? null,
      bridges: [...new Set((c?.nics ?? []).flatMap((n) => (n.bridge ? [n.bridge] : [])))],
      configured: c !== undefined,
    };
  });
  const disks: XenMovingDisk[] = chosen.flatMap((d) =>
    (configs.get(d.name)?.disks ?? []).map((k) => {
      const m = k.kind === 'file' && k.path ? mountOf(k.path, mounts) : null;
      return { ...k, domain: d.name, mount: m ? { mountpoint: m.mountpoint, fstype: m.fstype, export: m.export } : null };
    }),
  );
  const bridges = [...new Set(domains.flatMap((d) => d.bridges))].sort();
  const unconfigured = domains.filter((d) => !d.configured).map((d) => d.name);
  const hvmDomains = domains.filter((d) => d.type !== 'pv').map((d) => d.name);
  const route = src.peer?.route as { via?: string | null; dev?: string | null } | undefined;
  const hostname = src.host?.hostname ?? null;
  const xendTcp = src.peer?.xendTcp?.[0] ?? null;
  return {
    domains,
    missing,
    names: domains.map((d) => d.name),
    memoryKiB: domains.map((d) => d.memoryKiB),
    hvm: hvmDomains.length > 0,
    hvmDomains,
    // `xl list -l` leaves out a domain whose configuration libxl cannot retrieve (xl_info.c
    // list_domains_details: `continue`), and has none when it failed: those domains' bridges and
    // disks are unknown, not none. The bridges are then left out (xen.bridges says so); the disks'
    // and subnets' operators read `unconfigured`.
    ...(unconfigured.length === 0 ? { bridges } : {}),
    unconfigured,
    disks,
    bridgeNetworks: bridges.map((b) => ({ bridge: b, cidrs: (src.network?.ifaddrs ?? []).filter((a) => a.ifname === b && a.scope !== 'host' && a.scope !== 'link').map((a) => `${a.address}/${a.prefix}`) })),
    route: route ? { via: route.via ?? null, dev: route.dev ?? null } : null,
    relocation: {
      srcAddr: src.peer?.srcAddr ?? null,
      names: hostname ? [...new Set([hostname, hostname.split('.')[0] as string])] : [],
      tcp: xendTcp,
    },
  };
}

/** A host's xend relocation server when it runs xend (xm) with the server on; null otherwise (xl hosts migrate over SSH). */
export function xendListening(f: HostFacts | null | undefined): XendConfig | null {
  return f?.xen?.toolstack === 'xm' && f.xen.xend?.relocationServer ? f.xen.xend : null;
}
