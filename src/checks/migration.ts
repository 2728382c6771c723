import type { HostFacts, MigrationFacts } from '../types.js';
import { selectDomains } from './probes/index.js';

/**
 * What the move needs, derived from the source's facts: the domains that leave (-d, default the
 * running ones) and the bridges, networks, pools and shared mounts they depend on. Pure.
 */
export function migrationFacts(src: HostFacts, requested: readonly string[]): MigrationFacts | null {
  const all = src.libvirt?.domains;
  if (!all) return null;
  const { domains, missing } = selectDomains(all, requested);
  const nets = src.libvirt?.networks ?? [];
  const xmls = domains.flatMap((d) => (d.xml ? [d.xml] : []));
  const usedNets = new Set(xmls.flatMap((x) => x.interfaces.flatMap((i) => (i.type === 'network' && i.network ? [i.network] : []))));
  const networks = nets.filter((n) => usedNets.has(n.name));
  const bridges = new Set<string>();
  for (const x of xmls) for (const i of x.interfaces) if (i.type === 'bridge' && i.bridge) bridges.add(i.bridge);
  // A forward-mode=bridge network plugs guests into an existing host bridge; NAT/route networks make their own.
  for (const n of networks) if (n.forwardMode === 'bridge' && n.bridge) bridges.add(n.bridge);
  // Networks the source has but does not describe (net-dumpxml failed) still count by name.
  for (const name of usedNets) if (!networks.some((n) => n.name === name)) networks.push({ name, uuid: null, bridge: null, forwardMode: null });
  const pools = (src.libvirt?.pools ?? []).filter((p) =>
    xmls.some((x) =>
      x.disks.some((d) => d.pool === p.name || (p.targetPath !== null && d.source !== null && d.source.startsWith(`${p.targetPath.replace(/\/$/, '')}/`))),
    ),
  );
  return {
    domains,
    missing,
    bridges: [...bridges].sort(),
    networks,
    pools,
    sharedMounts: src.storage?.networkMounts ?? [],
    memoryKiB: domains.map((d) => d.xml?.currentMemoryKiB ?? d.xml?.memoryKiB ?? 0),
    vcpus: domains.map((d) => d.xml?.vcpus ?? 0),
    cpuModes: [...new Set(xmls.flatMap((x) => (x.cpuMode ? [x.cpuMode] : [])))],
  };
}
