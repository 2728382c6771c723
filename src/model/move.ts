/** The move, derived on the source from its facts: libvirt's (the `migration` fact) and Xen's (`xenMove`). */
import type { Mode } from '../checks/vocabulary.js';
import type { DomainFact, NetworkFacts, PoolFacts } from './libvirt.js';
import type { DirStat, MountFacts } from './system.js';
import type { XenDiskConfig } from './xen.js';

/** The move itself, derived on the source from -d (default: running domains) and the source's facts. */
export interface MigrationFacts {
  readonly domains: readonly DomainFact[];
  /** -d names the source does not have. */
  readonly missing: readonly string[];
  /**
   * Host bridges the moving domains plug into (directly, or through a forward-mode=bridge network).
   * Absent (the rules reading it end in error) when a domain's definition or a network it uses is unknown.
   */
  readonly bridges?: readonly string[];
  /** libvirt networks the moving domains use, as defined on the source; absent when a definition or one of them is unknown. */
  readonly networks?: readonly NetworkFacts[];
  /** Storage pools the moving domains' volume disks name, as defined on the source; absent when a definition, or a named pool's, is unknown. */
  readonly pools?: readonly PoolFacts[];
  /** Network-filesystem mounts on the source (shared storage). */
  readonly sharedMounts: readonly MountFacts[];
  /** Memory each moving domain needs (huge-page backed: 0); null for a domain whose definition is unknown. */
  readonly memoryKiB: readonly (number | null)[];
  /** The moving domains backed by huge pages (<memoryBacking><hugepages>), and how; a domain whose definition is unknown is one whose backing is unsure. */
  readonly hugepages: readonly GuestHugepages[];
  /** vCPUs of each moving domain; null for a domain whose definition is unknown. */
  readonly vcpus: readonly (number | null)[];
  /** CPU modes of the moving domains (host-passthrough, host-model, custom); absent when a domain's definition is unknown. */
  readonly cpuModes?: readonly string[];
  /** The moving domains whose guests see the host's CPU (host-passthrough, maximum, unexpanded host-model); absent when a domain's definition is unknown. */
  readonly hostCpuGuests?: readonly string[];
  /** Every disk of the moving domains, with where it lives and what a block migration would copy; absent when a domain's definition is unknown. */
  readonly disks?: readonly MigrationDisk[];
  /**
   * "domain: reason" for what makes libvirt refuse the live migration (host devices, shmem, snapshots ...).
   * Absent when there is none for certain but a definition or a snapshot count is unknown.
   */
  readonly blockers?: readonly string[];
  /**
   * Disks libvirt's own safety check refuses a live migration for (without --unsafe), each with its reason.
   * Absent when there is none for certain but libvirt checks and a domain's definition is unknown.
   */
  readonly libvirtRefusals?: readonly string[];
  /** What each moving domain's guest CPU needs from the destination; absent when a domain's definition is unknown. */
  readonly guestCpus?: readonly GuestCpu[];
  /**
   * The addresses the moving domains' graphics (VNC, SPICE) listen on, as their definitions give
   * them (a listen from qemu.conf has none: the destination uses its own); absent when a domain's
   * definition, or its graphics, is unknown.
   */
  readonly graphicsListens?: readonly { readonly domain: string; readonly graphics: string; readonly address: string }[];
  /** Machine types of the moving domains (<os><type machine>); absent when a domain's definition is unknown. */
  readonly machines?: readonly string[];
  /** "<domain type>/<arch>" of the moving domains: what the destination's libvirt must offer; absent when a domain's definition is unknown. */
  readonly virtTypes?: readonly string[];
  /** Memory left free on the destination besides the moving domains (--memory-reserve), KiB. */
  readonly memoryReserveKiB: number;
  /** Pre-copy prediction per moving domain (or why there is none: a domain whose definition is unknown has none). */
  readonly convergence: readonly ConvergenceEstimate[];
  /** How the guests move (--mode). */
  readonly mode: Mode;
  /**
   * Writable disks whose format cannot hold an internal snapshot (savevm needs qcow2 or qed), described.
   * Absent when there is none for certain but a domain's definition is unknown.
   */
  readonly snapshotBlockers?: readonly string[];
  /** Save mode: the images `virsh save` writes (about the guests' memory) and the source's --save-dir. */
  readonly saveImage: {
    /** About the guests' memory; absent when a domain's definition is unknown (definitionsUnknown names them). */
    readonly bytes?: number;
    readonly dir: DirStat | null;
    /** The network filesystem holding the save directory on the source, if any. */
    readonly sharedMount: { readonly mountpoint: string; readonly fstype: string; readonly export: string | null } | null;
    /** The moving domains whose definitions are unknown (`virsh dumpxml` gave none), so is their memory; only when there are. */
    readonly definitionsUnknown?: readonly string[];
  };
  /** What crosses the network in a block copy, and where to (block mode). */
  readonly transfer: {
    /** Allocation of the disks not on shared storage; null when a size, or a domain's definition, is unknown. */
    readonly copyBytes: number | null;
    readonly bandwidthBytesPerSec: number | null;
    /** The destination's address as the source reaches it (the one it is managed through). */
    readonly managementAddress: string | null;
    /** What the destination's hostname resolves to on the source: where libvirt sends migration data by default. */
    readonly migrationAddresses: readonly string[] | null;
  };
}

/** One disk of a moving domain. */
export interface MigrationDisk {
  readonly domain: string;
  readonly target: string | null;
  readonly type: string;
  readonly device: string;
  readonly source: string | null;
  /** Volume disks: the pool and volume names. */
  readonly pool?: string | null;
  readonly volume?: string | null;
  readonly format: string | null;
  readonly cache: string | null;
  readonly readonly: boolean;
  readonly shareable: boolean;
  /**
   * shared-fs: under a network filesystem on the source (must be mounted identically on the
   * destination); network: a network disk (rbd, iscsi, gluster ...); shared-pool: a volume in a
   * netfs/rbd/iscsi/... pool; local: a file or volume on local storage (a live migration needs
   * block copy); block: a host block device (cannot tell from here whether the destination sees
   * the same LUN); empty: no medium (a cdrom without source).
   */
  readonly storage: 'shared-fs' | 'network' | 'shared-pool' | 'local' | 'block' | 'empty';
  /** The source's network mount holding it (shared-fs). */
  readonly mount: { readonly mountpoint: string; readonly fstype: string; readonly export: string | null } | null;
  /** Bytes a block migration copies (allocated bytes of the image), when known. */
  readonly bytes: number | null;
  /** The disk's virtual size, when known. */
  readonly capacityBytes: number | null;
}

/** A guest CPU definition as the destination must accept it. */
export interface GuestCpu {
  readonly domain: string;
  /** host-passthrough | maximum | host-model | custom | none (no <cpu>: the hypervisor's default model). */
  readonly mode: string;
  readonly model: string | null;
  /** Features the definition requires (policy require/force). */
  readonly required: readonly string[];
  /** Features it disables (policy disable/forbid). */
  readonly disabled: readonly string[];
  /** host-passthrough: the source host's CPU flags, which the guest sees. */
  readonly hostFlags: readonly string[] | null;
  /** <domain type> (kvm, qemu = TCG ...): whose CPU models apply. */
  readonly virtType: string | null;
  /** <cpu check>: with none libvirt does not verify the model on either host. */
  readonly check: string | null;
  /** The model's blockers on the source (features its accelerator cannot give); null when unknown. */
  readonly srcBlockers: readonly string[] | null;
}

/** A moving domain's huge-page backing: its memory, in pages of one size. */
export interface GuestHugepages {
  readonly domain: string;
  readonly memoryKiB: number;
  /** <page size>, KiB; null: the default huge page size of the host it runs on. */
  readonly pageKiB: number | null;
  /** Why the split of its memory over page sizes is unknown (several <page nodeset>), else null. */
  readonly unsure: string | null;
}

/** A convergence estimate for one domain, or what is missing to make one. */
export interface ConvergenceEstimate {
  readonly domain: string;
  readonly state: string;
  /** The guest's memory; 0 when unknown (its definition was not collected: `missing` says so). */
  readonly memoryBytes: number;
  /** Round 0's bytes when less than memoryBytes (the source's QEMU process holds less), and why, in words. */
  readonly firstRoundBytes?: number;
  readonly memoryAssumption?: string;
  /** The working set the guest rewrites, bytes, when a long sample showed one, and how it was had. */
  readonly workingSetBytes?: number;
  readonly workingSetAssumption?: string;
  /** Dirty rate used for the prediction (the middle of its range), bytes/s, and where it came from. */
  readonly dirtyBytesPerSec: number | null;
  readonly dirtyRateSource: 'measured' | 'option' | null;
  /** Bandwidth used for the prediction, bytes/s. */
  readonly bandwidthBytesPerSec: number | null;
  /** option (--bandwidth), measured (--measure-bandwidth), link (an assumption from the link speed). */
  readonly bandwidthSource: 'measured' | 'option' | 'link' | null;
  /** With bandwidthSource link: the assumption in words. */
  readonly bandwidthAssumption?: string;
  /** With dirtyRateSource measured: the samples and the range taken from them, in words. */
  readonly dirtyRateAssumption?: string;
  readonly maxDowntimeMs: number;
  /** What prevents an estimate (no dirty rate, no bandwidth); null when there is one. */
  readonly missing: string | null;
  readonly prediction: PrecopyPrediction | null;
}

/** The outcome of the pre-copy model (predictPrecopy in checks/convergence.ts) for one PrecopyInput. */
export interface PrecopyPrediction {
  readonly converges: boolean;
  /** Pre-copy rounds run, round 0 (the full copy) included. */
  readonly rounds: number;
  /** Bytes sent in all rounds plus the final stop-and-copy (when it converges); bytes sent until the round bound otherwise. */
  readonly bytesSent: number;
  /** Wall time from start to the guest running on the destination (converging); time until giving up otherwise. Seconds. */
  readonly totalSeconds: number;
  /** Predicted pause of the final stop-and-copy, ms (converging); the pause the remainder would need after the last round otherwise. */
  readonly downtimeMs: number;
  /** Why it does not converge: 'dirty-rate-exceeds-bandwidth' | 'round-limit' ; null when it converges. */
  readonly reason: 'dirty-rate-exceeds-bandwidth' | 'round-limit' | null;
  /** Smallest bandwidth (bytes/s) with which it would converge within maxRounds at this dirty rate (rounded up to a whole byte/s). */
  readonly neededBandwidthBytesPerSec: number;
  /** Largest dirty rate (bytes/s) that would converge within maxRounds at this bandwidth (rounded down). */
  readonly maxDirtyBytesPerSec: number;
}

/** A Xen guest that moves, with what its configuration asks of the destination. */
export interface XenMovingDomain {
  readonly name: string;
  readonly id: number | null;
  readonly memoryKiB: number;
  readonly vcpus: number;
  /** hvm, pv, pvh; null when `xl list -l` did not say (or was not collected). */
  readonly type: 'hvm' | 'pv' | 'pvh' | null;
  readonly bridges: readonly string[];
  /** False when `xl list -l` has no entry for the domain: its bridges and disks are unknown. */
  readonly configured: boolean;
}

/** One disk of a moving Xen guest and the source mount it lies on. */
export interface XenMovingDisk extends XenDiskConfig {
  readonly domain: string;
  /** The network filesystem holding a file-backed disk on the source; null: a local file (or not a file). */
  readonly mount: { readonly mountpoint: string; readonly fstype: string; readonly export: string | null } | null;
}

/** The Xen move, derived on the source (the `xenMove` fact). */
export interface XenMove {
  readonly domains: readonly XenMovingDomain[];
  /** -d names the source does not have. */
  readonly missing: readonly string[];
  readonly names: readonly string[];
  readonly memoryKiB: readonly number[];
  /** Whether any moving guest is HVM (or of unknown type: the safe assumption is that it needs hardware virtualization). */
  readonly hvm: boolean;
  readonly hvmDomains: readonly string[];
  /** Bridges the moving guests' vifs name; absent when a guest's configuration is unknown (it is in `unconfigured`). */
  readonly bridges?: readonly string[];
  /** Domains whose configuration was not in `xl list -l`: their bridges and disks are unknown. */
  readonly unconfigured: readonly string[];
  readonly disks: readonly XenMovingDisk[];
  /** The source's addresses on each bridge the guests use (CIDR), for the same-subnet check. */
  readonly bridgeNetworks: readonly { readonly bridge: string; readonly cidrs: readonly string[] }[];
  /** How the source reaches the destination: a gateway means another subnet. */
  readonly route: { readonly via: string | null; readonly dev: string | null } | null;
  /** What xend's relocation server on the destination will see of the source. */
  readonly relocation: {
    /** The source address the destination sees (the route's source address). */
    readonly srcAddr: string | null;
    /** The source's own names (uname -n, and its short form). */
    readonly names: readonly string[];
    /** TCP connect from the source to the destination's relocation port, when tried. */
    readonly tcp: { readonly port: number; readonly state: string } | null;
  };
}
