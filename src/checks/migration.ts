import type {
  DomainFact,
  GuestCpu,
  GuestHugepages,
  HostFacts,
  MigrationDisk,
  MigrationFacts,
} from '../types.js';
import { convergenceOf } from './convergence-estimate.js';
import { modelsFor } from './cpu-models.js';
import { libvirtChecksStorage, libvirtRefusals } from './libvirt-safety.js';
import type { DomainDisk, DomainXmlFacts, PoolFacts } from '../model/libvirt.js';
import type { MountFacts } from '../model/system.js';
import { DEFINITION_SOURCE, selectDomains, snapshotsUncounted } from './moving.js';
import type { MigrationPlan } from './migration-plan.js';


export type { MigrationPlan } from './migration-plan.js';

/** Image formats that hold internal snapshots with memory state (QEMU savevm, virsh snapshot-create). */
const SNAPSHOT_FORMATS = new Set(['qcow2', 'qed']);

/** Pool types whose volumes every host of a cluster reaches over the network or a SAN. */
const SHARED_POOL_TYPES = new Set(['netfs', 'rbd', 'iscsi', 'iscsi-direct', 'gluster', 'sheepdog', 'vstorage', 'mpath', 'scsi']);

const under = (path: string, dir: string): boolean => dir === '/' || path === dir || path.startsWith(`${dir.replace(/\/+$/, '')}/`);

/** The network mount holding a path on the source (the longest matching mount point). */
export function mountOf(path: string, mounts: readonly MountFacts[]): MountFacts | null {
  let best: MountFacts | null = null;
  for (const m of mounts) if (m.network && under(path, m.mountpoint) && (!best || m.mountpoint.length > best.mountpoint.length)) best = m;
  return best;
}

function classify(d: DomainDisk, mounts: readonly MountFacts[], pools: readonly PoolFacts[]): Pick<MigrationDisk, 'storage' | 'mount'> {
  if (d.source === null) return { storage: 'empty', mount: null };
  if (d.type === 'network') return { storage: 'network', mount: null };
  if (d.type === 'block') return { storage: 'block', mount: null };
  let path = d.source;
  if (d.type === 'volume') {
    const pool = pools.find((p) => p.name === d.pool);
    if (pool && SHARED_POOL_TYPES.has(pool.type)) return { storage: 'shared-pool', mount: null };
    if (!pool?.targetPath) return { storage: 'local', mount: null };
    path = `${pool.targetPath.replace(/\/+$/, '')}/${d.volume ?? ''}`;
  }
  const m = mountOf(path, mounts);
  return m ? { storage: 'shared-fs', mount: { mountpoint: m.mountpoint, fstype: m.fstype, export: m.export } } : { storage: 'local', mount: null };
}

/** The addresses a domain's graphics listen on, as its definition gives them. */
function graphicsListens(domain: string, x: DomainXmlFacts): { domain: string; graphics: string; address: string }[] {
  return (x.graphics ?? []).flatMap((g) => g.listens.flatMap((l) => (l.type === 'address' && l.address !== null ? [{ domain, graphics: g.type, address: l.address }] : [])));
}

/** The disks of the domains a run moves (-d, else the running ones), classified by where they live. */
export function movingDisks(src: HostFacts, requested: readonly string[]): MigrationDisk[] {
  return selectDomains(src.libvirt?.domains ?? [], requested).domains.flatMap((d) => disksOf(d, src));
}

function disksOf(dom: DomainFact, src: HostFacts): MigrationDisk[] {
  const x = dom.xml;
  if (!x) return [];
  const mounts = src.storage?.mounts ?? [];
  const pools = src.libvirt?.pools ?? [];
  const sizes = src.libvirt?.diskSizes ?? [];
  return x.disks.map((d) => {
    const where = classify(d, mounts, pools);
    const size =
      d.type === 'file' && d.source !== null
        ? sizes.find((s) => s.kind === 'file' && s.path === d.source)
        : sizes.find((s) => s.kind === 'blk' && s.uuid !== null && s.uuid === x.uuid && s.target === d.target);
    return {
      domain: dom.name,
      target: d.target,
      type: d.type,
      device: d.device,
      source: d.source,
      ...(d.type === 'volume' ? { pool: d.pool, volume: d.volume } : {}),
      format: d.format,
      cache: d.cache,
      readonly: d.readonly,
      shareable: d.shareable,
      ...where,
      bytes: size?.allocationBytes ?? null,
      capacityBytes: size?.capacityBytes ?? null,
    };
  });
}

/** The bytes a copy of the disks not on shared storage moves (their allocation); null when a size is unknown. */
export function copyBytesOf(disks: readonly MigrationDisk[]): number | null {
  let n = 0;
  for (const d of disks) {
    if (d.storage !== 'local') continue;
    if (d.bytes === null) return null;
    n += d.bytes;
  }
  return n;
}

/**
 * The guest sees the host's CPU: host-passthrough, maximum, and an inactive host-model domain, which
 * gets its model from the host it starts on (running ones show the expanded custom model in --migratable XML).
 */
const followsHostCpu = (x: DomainXmlFacts): boolean => x.cpuMode === 'host-passthrough' || x.cpuMode === 'maximum' || (x.cpuMode === 'host-model' && x.cpuModel === null);

function guestCpu(dom: DomainFact, x: DomainXmlFacts, src: HostFacts): GuestCpu {
  const mode = x.cpuMode ?? 'none';
  const followsHost = followsHostCpu(x);
  return {
    domain: dom.name,
    mode,
    model: x.cpuModel,
    required: x.cpuFeatures.filter((f) => f.policy === 'require' || f.policy === 'force').map((f) => f.name),
    disabled: x.cpuFeatures.filter((f) => f.policy === 'disable' || f.policy === 'forbid').map((f) => f.name),
    hostFlags: followsHost ? (src.cpu?.flags ?? null) : null,
    virtType: x.virtType,
    check: x.cpuCheck,
    srcBlockers: x.cpuModel === null ? null : (modelsFor(src.libvirt?.cpuSupport, x.virtType)?.find((m) => m.name === x.cpuModel)?.blockers ?? null),
  };
}

/**
 * A domain's huge-page backing. QEMU backs all of <memory> (the maximum: a balloon does not give
 * huge pages back) with pages of one size; pages given per guest NUMA node (<page nodeset>) split it
 * by node, which this does not work out (the rule says so rather than guess).
 */
function hugepagesOf(domain: string, x: DomainXmlFacts): GuestHugepages[] {
  const pages = x.hugepages;
  if (pages === null) return [];
  const only = pages[0];
  if (pages.length === 1 && only !== undefined && only.nodeset === null) return [{ domain, memoryKiB: x.memoryKiB, pageKiB: only.sizeKiB, unsure: null }];
  const sizes = pages.map((p) => `${p.sizeKiB === null ? 'default' : `${p.sizeKiB} KiB`}${p.nodeset ? ` for NUMA nodes ${p.nodeset}` : ''}`);
  return [{ domain, memoryKiB: x.memoryKiB, pageKiB: null, unsure: `${domain} backs guest NUMA nodes with huge pages (${sizes.join(', ')}): how much memory each size takes is not worked out` }];
}

/**
 * What the move needs, derived from the source's facts: the domains that leave (-d, default the
 * running ones) and the bridges, networks, pools, disks, guest CPUs and machine types they depend
 * on, and a convergence estimate for each. Pure.
 */
export function migrationFacts(src: HostFacts, plan: MigrationPlan): MigrationFacts | null {
  const all = src.libvirt?.domains;
  if (!all) return null;
  const { domains, missing } = selectDomains(all, plan.domains);
  return { ...factsFor(domains, src, plan), missing };
}

/** The move's facts restricted to one of its domains (scope: domain rules). */
export function forDomain(m: MigrationFacts, name: string, src: HostFacts, plan: MigrationPlan): MigrationFacts {
  return { ...factsFor(m.domains.filter((d) => d.name === name), src, plan), missing: [] };
}

/**
 * A list of what libvirt or QEMU would refuse (blockers, libvirtRefusals, snapshotBlockers), from
 * what is known: one item for certain is a refusal whatever the unknowns; with none, `unsure`
 * (something it depends on was not collected) leaves it unknown (null: the fact is left out).
 */
const certainOrUnknown = (certain: string[], unsure: boolean): string[] | null => (certain.length > 0 || !unsure ? certain : null);

/**
 * What makes libvirt refuse to migrate the domains (qemuMigrationSrcIsAllowed refuses any with a
 * snapshot). null when there is nothing certain but there may be something: a domain whose
 * definition `virsh dumpxml` did not give, or whose snapshots were not counted (`virsh
 * snapshot-list` failed, or the virsh-snapshots probe gave nothing). One blocker for certain is a
 * refusal whatever the unknowns.
 */
function blockersOf(domains: readonly DomainFact[]): string[] | null {
  const certain = domains.flatMap((d) => [
    ...(d.xml?.blockers ?? []).map((b) => `${d.name}: ${b}`),
    ...(d.snapshots ? [`${d.name}: cannot migrate domain with ${d.snapshots} snapshots`] : []),
  ]);
  return certainOrUnknown(certain, domains.some((d) => !d.xml || snapshotsUncounted(d)));
}

/**
 * What the domains need, from their definitions. A fact that depends on something not collected is
 * left out rather than derived as if the guests needed nothing (the rule reading it ends in error,
 * naming the probe that failed): a domain without XML (`virsh dumpxml` failed) has unknown
 * interfaces, disks, memory, vCPUs, huge pages, guest CPU, machine type and domain type; a network
 * the source does not describe (virsh-nets, or net-dumpxml of it, failed) an unknown bridge, and
 * whether it plugs guests into a host bridge; with the source's pools not collected (virsh-pools
 * failed), or a volume's pool not described, which pools hold the disks is unknown. Where the
 * operator says what is unknown itself, the unknown is in the fact: such a domain's convergence
 * estimate says why there is none, the save image names the domains whose memory it lacks.
 */
function factsFor(domains: readonly DomainFact[], src: HostFacts, plan: MigrationPlan): Omit<MigrationFacts, 'missing'> {
  const withXml = domains.flatMap((d) => (d.xml ? [{ d, x: d.xml }] : []));
  const xmlKnown = withXml.length === domains.length;
  const xmls = withXml.map((w) => w.x);
  // The networks the guests plug into, and those their graphics listen on (libvirt takes the address from the destination's).
  const usedNets = new Set(
    xmls.flatMap((x) => [
      ...x.interfaces.flatMap((i) => (i.type === 'network' && i.network ? [i.network] : [])),
      ...(x.graphics ?? []).flatMap((g) => g.listens.flatMap((l) => (l.type === 'network' && l.network ? [l.network] : []))),
    ]),
  );
  const networks = (src.libvirt?.networks ?? []).filter((n) => usedNets.has(n.name));
  const netsKnown = xmlKnown && [...usedNets].every((name) => networks.some((n) => n.name === name));
  const bridges = new Set<string>();
  for (const x of xmls) for (const i of x.interfaces) if (i.type === 'bridge' && i.bridge) bridges.add(i.bridge);
  // A forward-mode=bridge network plugs guests into an existing host bridge; NAT/route networks make their own.
  for (const n of networks) if (n.forwardMode === 'bridge' && n.bridge) bridges.add(n.bridge);
  // The pools the destination must have: those a disk names (<disk type='volume'>: libvirt looks the pool up by name
  // there before QEMU starts). A disk given by path needs none to move live; a copy makes it through a pool by target
  // path (storage.block-space). Each named pool must be described on the source (virsh-pools) to be compared.
  const srcPools = src.libvirt?.pools;
  const named = new Set(xmls.flatMap((x) => x.disks.flatMap((d) => (d.pool === null ? [] : [d.pool]))));
  const pools = (srcPools ?? []).filter((p) => named.has(p.name));
  const poolsKnown = xmlKnown && [...named].every((n) => pools.some((p) => p.name === n));
  const blockers = blockersOf(domains);
  // The disks of the domains whose definitions are known: all of them when xmlKnown.
  const disks = domains.flatMap((d) => disksOf(d, src));
  // A domain whose definition is unknown may have a disk libvirt refuses, unless libvirt does not check at all (--unsafe, other modes or drivers).
  const refusals = certainOrUnknown(libvirtRefusals(disks, src, plan), !xmlKnown && libvirtChecksStorage(src, plan));
  const snapshotBlockers = certainOrUnknown(
    disks.filter((d) => d.storage !== 'empty' && !d.readonly && !SNAPSHOT_FORMATS.has(d.format ?? 'raw')).map((d) => `${d.domain} ${d.target ?? '?'} (${d.format ?? 'raw'})`),
    !xmlKnown,
  );
  const memoryBytes = domains.reduce((n, d) => n + (d.xml?.currentMemoryKiB ?? d.xml?.memoryKiB ?? 0) * 1024, 0);
  const definitionsUnknown = domains.filter((d) => !d.xml).map((d) => d.name);
  const saveDir = src.storage?.saveDir ?? null;
  const saveMount = saveDir?.exists ? mountOf(saveDir.path, src.storage?.mounts ?? []) : null;
  const resolution = src.peer?.dstHostnameResolution ?? null;
  const route = src.peer?.route as { dst?: string } | undefined;
  return {
    mode: plan.mode,
    domains,
    ...(netsKnown ? { bridges: [...bridges].sort(), networks } : {}),
    ...(poolsKnown ? { pools } : {}),
    sharedMounts: src.storage?.networkMounts ?? [],
    // Memory backed by huge pages comes from the huge page pools, not MemAvailable (resources.hugepages judges it).
    // A domain whose definition is unknown is a null: what the others need is then a lower bound (capacity).
    memoryKiB: domains.map((d) => (d.xml ? (d.xml.hugepages ? 0 : (d.xml.currentMemoryKiB ?? d.xml.memoryKiB)) : null)),
    vcpus: domains.map((d) => d.xml?.vcpus ?? null),
    // A domain whose definition is unknown may be backed by huge pages: it says so (the others' shortfall still counts).
    hugepages: domains.flatMap((d) => (d.xml ? hugepagesOf(d.name, d.xml) : [{ domain: d.name, memoryKiB: 0, pageKiB: null, unsure: `the definition of ${d.name} was not collected (${DEFINITION_SOURCE}): whether huge pages back it is unknown` }])),
    // What only the definitions say: all of it, or none when one of them is unknown.
    ...(xmlKnown
      ? {
          cpuModes: [...new Set(xmls.flatMap((x) => (x.cpuMode ? [x.cpuMode] : [])))],
          hostCpuGuests: withXml.filter(({ x }) => followsHostCpu(x)).map(({ d }) => d.name),
          disks,
          guestCpus: withXml.map(({ d, x }) => guestCpu(d, x, src)),
          ...(xmls.every((x) => x.graphics) ? { graphicsListens: withXml.flatMap(({ d, x }) => graphicsListens(d.name, x)) } : {}),
          machines: [...new Set(xmls.flatMap((x) => (x.machine ? [x.machine] : [])))],
          virtTypes: [...new Set(xmls.flatMap((x) => (x.virtType && x.arch ? [`${x.virtType}/${x.arch}`] : [])))],
        }
      : {}),
    ...(refusals ? { libvirtRefusals: refusals } : {}),
    ...(blockers ? { blockers } : {}),
    memoryReserveKiB: plan.memoryReserveKiB,
    // One estimate per domain: one whose definition is unknown says so (an unknown memory size), rather than being left out.
    convergence: domains.map((d) => convergenceOf(d, d.xml ?? null, src, plan)),
    ...(snapshotBlockers ? { snapshotBlockers } : {}),
    saveImage: {
      ...(xmlKnown ? { bytes: memoryBytes } : {}),
      dir: saveDir,
      sharedMount: saveMount ? { mountpoint: saveMount.mountpoint, fstype: saveMount.fstype, export: saveMount.export } : null,
      ...(xmlKnown ? {} : { definitionsUnknown }),
    },
    transfer: {
      // The disks of a domain whose definition is unknown are unknown: so is what a copy moves.
      copyBytes: xmlKnown ? copyBytesOf(disks) : null,
      bandwidthBytesPerSec: plan.bandwidth?.bytesPerSec ?? null,
      managementAddress: route?.dst ?? null,
      migrationAddresses: resolution,
    },
  };
}
