/** Facts about one host: what its probes collected, as the rules read them (a host's `facts` in the report). */
import type { DomCapabilitiesFacts, DomainFact, NetworkFacts, PoolFacts } from './libvirt.js';
import type { MigrationFacts, XenMove } from './move.js';
import type { CpuFacts, DirStat, ExistingPath, HostIds, HugepagePool, HypervisorKind, IpAddr, LsmFacts, MeminfoFacts, MountFacts } from './system.js';
import type { XendConfig, XendPeerName, XenDomain, XenDomainConfig, XlInfo } from './xen.js';

/** The destination's side of a disk copy (block, cold and save modes). */
export interface Landing {
  /** The directories the copied images would be written to. */
  readonly dirs: readonly DirStat[];
  /** Paths of the moving disks that exist there already (libvirt reuses them instead of creating). */
  readonly files: readonly ExistingPath[];
  /** The destination's storage pools (null when virsh could not list them): libvirt creates a missing image through the pool whose target is its directory. */
  readonly pools: readonly { name: string; type: string; targetPath: string | null; availableBytes: number | null }[] | null;
}

/**
 * Facts about one host. Every member is optional: a probe that failed leaves its facts out and
 * the rules that need them end in `error` with the probe's reason.
 */
export interface HostFacts {
  /** The SSH host key fingerprint the connection verified (SHA256:...). */
  ssh?: { hostKey?: string };
  cpu?: CpuFacts;
  os?: { arch?: string; bits?: number; longBit?: number };
  host?: {
    hostname?: string;
    /** The host UUID libvirt uses: the SMBIOS system UUID (placeholders included, as libvirt does), else machine-id. */
    uuid?: string | null;
    ids?: HostIds;
    /** Online CPUs. */
    cpus?: number;
    memory?: MeminfoFacts;
    /** Huge page pools by page size (destination, KVM). */
    hugepages?: readonly HugepagePool[];
    /** Addresses this host's own hostname resolves to, on this host. */
    selfResolution?: readonly string[];
  };
  security?: LsmFacts;
  clock?: { remoteEpochMs: number; receivedAtMs?: number; offsetMs?: number };
  storage?: {
    mounts?: readonly MountFacts[];
    networkMounts?: readonly MountFacts[];
    /** --save-dir as this host sees it (save mode). */
    saveDir?: DirStat | null;
    /** Destination, block, cold and save modes: where the source's local disks would land. */
    landing?: Landing;
  };
  network?: { bridges?: readonly string[]; addresses?: readonly string[]; ifaddrs?: readonly IpAddr[] };
  /** Parsed rulesets; null where the tool is not installed. */
  firewall?: { nft: unknown; iptables: unknown };
  libvirt?: {
    version?: string | null;
    hypervisor?: { name: string; version: string } | null;
    domains?: readonly DomainFact[];
    networks?: readonly NetworkFacts[];
    pools?: readonly PoolFacts[];
    /** Machine types the hypervisor offers (`virsh capabilities`, every guest arch). */
    machineTypes?: readonly string[];
    /** Domain types libvirt offers, per guest architecture ("kvm/x86_64", "qemu/x86_64"; `virsh capabilities`). */
    virtTypes?: readonly string[];
    /** What guest CPUs this host accepts: its flags, and the named models libvirt reports usable. */
    cpuSupport?: CpuSupport;
    /** Source only: dirty rates measured by the hypervisor (`virsh domstats --dirtyrate`). */
    /**
     * QEMU's page-sampling measurements: the highest of the short samples, each short sample, and
     * their period; the long sample apart; the QEMU process's resident memory.
     */
    dirtyRates?: readonly {
      domain: string;
      status: string | null;
      mibPerSecond: number | null;
      samples?: readonly number[];
      periodSeconds?: number | null;
      long?: { readonly periodSeconds: number; readonly mibPerSecond: number };
      rssKiB?: number;
    }[];
    /** Source only: why the dirty rate could not be measured (the dirty-rate probe's failure). */
    dirtyRateError?: string;
    /** Source only: sizes of the moving domains' disks (stat for files, domblkinfo otherwise). */
    diskSizes?: readonly DiskSize[];
  };
  /** Which hypervisor the host runs, and what says so (hv-detect, xl info, virsh version). */
  hypervisor?: HypervisorKind;
  /**
   * Xen hosts: `xl info` (or `xm info`), `xl list`, `xl list -l` and xend's relocation settings.
   * info, domains and configs are null on a host without a Xen toolstack; xend is null without
   * /etc/xen/xend-config.sxp.
   */
  xen?: {
    toolstack?: 'xl' | 'xm' | null;
    info?: XlInfo | null;
    domains?: readonly XenDomain[] | null;
    configs?: readonly XenDomainConfig[] | null;
    xend?: XendConfig | null;
    /** free_memory in KiB (null when xl info has none). */
    freeMemoryKiB?: number | null;
    /** xend-relocation-server (false without xend-config.sxp). */
    relocationServer?: boolean;
    /**
     * Destination of a pair, xend with its relocation server on: its reverse lookup of the
     * source's address, the name xend's hosts-allow check matches (xend-peer-name probe).
     */
    relocationPeer?: XendPeerName;
  };
  /** Source only, Xen: the move. */
  xenMove?: XenMove;
  /** Source only: how it reaches the destination. */
  peer?: {
    route?: unknown;
    srcAddr?: string | null;
    tcp?: readonly { port: number; state: string }[];
    controlReachable?: boolean;
    dstHostnameResolution?: readonly string[];
    /** Xen: TCP connect to the destination's xend relocation port (as its xend-config.sxp sets it). */
    xendTcp?: readonly { port: number; state: string }[];
    /** The source's interface towards the destination and its link speed in Mb/s (null: unknown). */
    link?: { dev: string; mbps: number | null };
  };
  /** Source only: the move. */
  migration?: MigrationFacts;
}

/** Which guest CPUs a host can run. */
export interface CpuSupport {
  /** /proc/cpuinfo flags common to every CPU; null when unknown. */
  readonly flags: readonly string[] | null;
  /** Named models and whether libvirt finds them usable here (`virsh domcapabilities`); null when unknown. */
  readonly models: readonly { readonly name: string; readonly usable: 'yes' | 'no' | 'unknown'; readonly blockers: readonly string[] }[] | null;
  /** Why models is null (the domcapabilities probe's failure). */
  readonly modelsUnknownBecause: string | null;
  /** The host-model CPU libvirt makes here (its model and features by policy); null when unknown or unsupported. */
  readonly hostModel?: HostModelCpu | null;
  /**
   * The same for TCG guests (<domain type='qemu'>, `virsh domcapabilities --virttype qemu`): QEMU
   * emulates a different set of features than KVM passes through. Absent when not collected.
   */
  readonly tcg?: { readonly models: CpuSupport['models']; readonly modelsUnknownBecause: string | null; readonly hostModel?: HostModelCpu | null };
  /**
   * Round 2 on a destination: what its libvirt says of each moving guest's CPU definition (the
   * source's, `virsh hypervisor-cpu-compare`), the check it makes when the guest arrives. Absent
   * when not asked (no guest with a checked named model) or when the probe failed.
   */
  readonly compared?: readonly CpuComparison[];
}

export type HostModelCpu = NonNullable<DomCapabilitiesFacts['hostModel']>;

/** The destination's libvirt on one guest CPU definition (shared by the domains listed). */
export interface CpuComparison {
  readonly domains: readonly string[];
  /**
   * identical / superset: libvirt accepts it; incompatible: the host CPU lacks what it requires;
   * unknown-name: this libvirt does not know its model or a feature; failed: no answer (an old
   * virsh, a read-only connection, libvirt's test driver ...): the decision falls back to domcapabilities.
   */
  readonly result: 'identical' | 'superset' | 'incompatible' | 'unknown-name' | 'failed';
  /** incompatible: the features libvirt names as missing (may be empty: a vendor mismatch, an old virsh). */
  readonly missing: readonly string[];
  /** libvirt's own words (its error line, less the "Failed to compare" one). */
  readonly detail: string;
  /**
   * failed: the features this libvirt's CPU map gives the definition's model (`virsh cpu-baseline
   * --features` on the bare model); absent when not asked or when it could not say.
   */
  readonly modelFeatures?: readonly string[];
}

/** A disk's size as the source host reports it. */
export interface DiskSize {
  /** file: matched by path; blk: by domain UUID and target. */
  readonly kind: 'file' | 'blk';
  readonly path: string | null;
  readonly uuid: string | null;
  readonly target: string | null;
  readonly capacityBytes: number | null;
  readonly allocationBytes: number | null;
}
