import type { DomainXmlFacts, HugepagePool, MountFacts, NetworkFacts, PoolFacts } from './checks/probes/facts-types.js';
import type { HostIds, IpAddr, LsmFacts, MeminfoFacts } from './checks/probes/system.js';
import type { DirStat, ExistingPath } from './checks/probes/dir-stats.js';
import type { PrecopyPrediction } from './checks/convergence.js';
import type { Mode } from './checks/vocabulary.js';
import type { HypervisorKind } from './checks/probes/hypervisor.js';
import type { XendConfig, XenDomain, XenDomainConfig, XlInfo } from './checks/probes/xen.js';
import type { XenMove } from './checks/xen-move.js';

/** Severities, most severe first. */
export const SEVERITIES = ['critical', 'major', 'minor', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const STATUSES = ['pass', 'fail', 'error', 'skip', 'waived'] as const;
export type Status = (typeof STATUSES)[number];

export type Side = 'src' | 'dst';

/** What one probe printed on the host: the evidence a verdict rests on. */
export interface ProbeOutput {
  readonly command: string;
  /** null when the probe never finished (script cut off by a timeout or a dropped connection). */
  readonly exitCode: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** sha256 of the stdout bytes as received (before any truncation marker). */
  readonly sha256: string;
  readonly durationMs: number;
  /** When the probe's output had fully arrived, ms since the epoch on the checking machine's clock. */
  readonly receivedAt?: number;
  /** true when stdout was cut at the per-probe cap. */
  readonly truncated?: boolean;
}

export interface CpuFacts {
  readonly vendor: string | null;
  readonly modelName: string | null;
  readonly family: number | null;
  readonly model: number | null;
  readonly flags: readonly string[];
  readonly count: number;
  readonly nx: boolean;
  /** 'vmx' (Intel VT-x), 'svm' (AMD-V) or null. */
  readonly virtExt: 'vmx' | 'svm' | null;
}

export type DomainState = 'running' | 'idle' | 'paused' | 'in shutdown' | 'shut off' | 'crashed' | 'pmsuspended' | 'other';

export interface DomainFact {
  readonly name: string;
  /** Domain id while active, null when inactive. */
  readonly id: number | null;
  readonly state: DomainState;
  readonly uuid: string | null;
  /** What `virsh dumpxml` says (null when that probe failed). */
  readonly xml?: DomainXmlFacts | null;
  /** How many snapshots `virsh snapshot-list` shows: libvirt refuses to migrate a domain that has any; null or absent when unknown. */
  readonly snapshots?: number | null;
}

/** The destination's side of a disk copy (block, cold and save modes). */
export interface Landing {
  /** The directories the copied images would be written to. */
  readonly dirs: readonly DirStat[];
  /** Paths of the moving disks that exist there already (libvirt reuses them instead of creating). */
  readonly files: readonly ExistingPath[];
  /** The destination's storage pools (null when virsh could not list them): libvirt creates a missing image through the pool whose target is its directory. */
  readonly pools: readonly { name: string; type: string; targetPath: string | null; availableBytes: number | null }[] | null;
}

/** The move itself, derived on the source from -d (default: running domains) and the source's facts. */
export interface MigrationFacts {
  readonly domains: readonly DomainFact[];
  /** -d names the source does not have. */
  readonly missing: readonly string[];
  /** Host bridges the moving domains plug into (directly, or through a forward-mode=bridge network). */
  readonly bridges: readonly string[];
  /** libvirt networks the moving domains use, as defined on the source. */
  readonly networks: readonly NetworkFacts[];
  /** Storage pools holding the moving domains' disks, as defined on the source. */
  readonly pools: readonly PoolFacts[];
  /** Network-filesystem mounts on the source (shared storage). */
  readonly sharedMounts: readonly MountFacts[];
  readonly memoryKiB: readonly number[];
  /** The moving domains backed by huge pages (<memoryBacking><hugepages>), and how. */
  readonly hugepages: readonly GuestHugepages[];
  readonly vcpus: readonly number[];
  /** CPU modes of the moving domains (host-passthrough, host-model, custom). */
  readonly cpuModes: readonly string[];
  /** Every disk of the moving domains, with where it lives and what a block migration would copy. */
  readonly disks: readonly MigrationDisk[];
  /** "domain: reason" for what makes libvirt refuse the live migration (host devices, shmem, snapshots ...). */
  readonly blockers: readonly string[];
  /** Disks libvirt's own safety check refuses a live migration for (without --unsafe), each with its reason. */
  readonly libvirtRefusals: readonly string[];
  /** What each moving domain's guest CPU needs from the destination. */
  readonly guestCpus: readonly GuestCpu[];
  /** Machine types of the moving domains (<os><type machine>). */
  readonly machines: readonly string[];
  /** "<domain type>/<arch>" of the moving domains: what the destination's libvirt must offer. */
  readonly virtTypes: readonly string[];
  /** Memory left free on the destination besides the moving domains (--memory-reserve), KiB. */
  readonly memoryReserveKiB: number;
  /** Pre-copy prediction per moving domain (or why there is none). */
  readonly convergence: readonly ConvergenceEstimate[];
  /** How the guests move (--mode). */
  readonly mode: Mode;
  /** Writable disks whose format cannot hold an internal snapshot (savevm needs qcow2 or qed), described. */
  readonly snapshotBlockers: readonly string[];
  /** Save mode: the images `virsh save` writes (about the guests' memory) and the source's --save-dir. */
  readonly saveImage: {
    readonly bytes: number;
    readonly dir: DirStat | null;
    /** The network filesystem holding the save directory on the source, if any. */
    readonly sharedMount: { readonly mountpoint: string; readonly fstype: string; readonly export: string | null } | null;
  };
  /** What crosses the network in a block copy, and where to (block mode). */
  readonly transfer: {
    /** Allocation of the disks not on shared storage; null when a size is unknown. */
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

/** A convergence estimate for one domain, or what is missing to make one. */
export interface ConvergenceEstimate {
  readonly domain: string;
  readonly state: string;
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
  /**
   * The same for TCG guests (<domain type='qemu'>, `virsh domcapabilities --virttype qemu`): QEMU
   * emulates a different set of features than KVM passes through. Absent when not collected.
   */
  readonly tcg?: { readonly models: CpuSupport['models']; readonly modelsUnknownBecause: string | null };
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

/** A probe that failed, keyed by probe id, with the reason: lets rules explain an `error`. */
export interface ProbeFailure {
  readonly probe: string;
  readonly reason: string;
}

export interface HostReport {
  readonly target: string;
  /** Where it was reached (after ssh_config): lets a replay know the destination's SSH port. */
  readonly connection: { readonly user: string; readonly host: string; readonly port: number } | null;
  readonly hostname: string | null;
  readonly reachable: boolean;
  readonly error: { code: string; message: string } | null;
  /** The SSH host key seen, and whether it was known or accepted as new (null when not connected). */
  readonly hostKey: { type: string; fingerprint: string; status: 'known' | 'accepted-new' } | null;
  readonly facts: HostFacts;
  readonly probes: Readonly<Record<string, ProbeOutput>>;
  readonly probeErrors: readonly ProbeFailure[];
}

/** A waiver as written in the waivers file. */
export interface Waiver {
  /** Rule id (or glob) it covers. */
  readonly rule: string;
  /** Host pattern (glob) matched against either host's target or hostname; null: any pair. */
  readonly hosts: string | null;
  /** Domain pattern (glob) for per-domain results; null: any domain (and pair-level results). */
  readonly domain: string | null;
  readonly justification: string;
  readonly approver: string;
  /** Last day the waiver counts (YYYY-MM-DD, inclusive, UTC). */
  readonly expires: string;
  readonly source: { readonly file: string; readonly line: number };
}

/** What became of each waiver in this run. */
export interface WaiverState extends Waiver {
  /** applied: covered a failure; expired: past its date, ignored; unused: nothing to cover. */
  readonly state: 'applied' | 'expired' | 'unused';
}

/** Findings compared with an earlier report (--baseline). */
export interface Drift {
  readonly baseline: { readonly path: string; readonly sha256: string; readonly startedAt: string };
  /** Rules failing or in error now that passed (or were absent) then. */
  readonly new: readonly string[];
  /** Rules failing or in error then that pass now. */
  readonly resolved: readonly string[];
  /** Rules failing both times whose message or evidence changed. */
  readonly changed: readonly { readonly id: string; readonly before: string; readonly after: string }[];
}

export interface RuleEvidence {
  readonly src?: unknown;
  readonly dst?: unknown;
  /** The unit of src and dst (`ms` for time.skew), where the rule gives one. */
  readonly unit?: string;
}

interface ResultBase {
  readonly id: string;
  /** The moving domain this result is about (rules with scope: domain); null for the pair as a whole. */
  readonly domain: string | null;
  readonly title: string;
  readonly severity: Severity;
  readonly message: string;
  readonly evidence: RuleEvidence;
  readonly remediation: string | null;
  readonly references: readonly string[];
  /** The waiver that turned a failure into `waived` (null otherwise). */
  readonly waiver: Waiver | null;
  readonly messageId: string;
  readonly data: Readonly<Record<string, unknown>>;
}

/** One rule's verdict: a discriminated union on `status`. */
export type RuleResult =
  | (ResultBase & { readonly status: 'pass' })
  | (ResultBase & { readonly status: 'fail' })
  | (ResultBase & { readonly status: 'error' })
  | (ResultBase & { readonly status: 'skip' })
  | (ResultBase & { readonly status: 'waived'; readonly waiver: Waiver });

export interface Summary {
  readonly total: number;
  readonly pass: number;
  readonly fail: number;
  readonly error: number;
  readonly skip: number;
  readonly waived: number;
  /** Rules --only/--skip left out; absent when none was. */
  readonly leftOut?: number;
  /** No rule at or above --fail-on was decided (every one skipped or below it): exit 3, never a GO. */
  readonly ungated?: true;
  /** The run was interrupted: the report holds what was collected until then (exit 130 or 143). */
  readonly interrupted?: 'SIGINT' | 'SIGTERM';
  readonly exitCode: ExitCode;
}

/** 130 and 143: interrupted by SIGINT and SIGTERM (128 + the signal), after writing what was collected. */
export type ExitCode = 0 | 1 | 2 | 3 | 130 | 143;
export type FailOn = Severity | 'never';

/** The options recorded in the report: what was asked, never a secret. */
export interface ReportOptions {
  readonly libvirtUri: string;
  readonly domains: readonly string[];
  readonly transport: string;
  readonly failOn: FailOn;
  readonly sudo: boolean;
  readonly waivers: string | null;
  readonly baseline: string | null;
  readonly rules: readonly string[];
  readonly only: readonly string[];
  readonly skip: readonly string[];
  /** Migration bandwidth given with --bandwidth, MiB/s. */
  readonly bandwidthMiBs: number | null;
  /** Dirty rate given with --dirty-rate, MiB/s (applies to every moving domain). */
  readonly dirtyRateMiBs: number | null;
  readonly maxDowntimeMs: number;
  readonly memoryReserveMiB: number;
  readonly measureBandwidth: boolean;
  /** How the guests move: live (shared storage), block (live with a disk copy), cold, save (save/restore). */
  readonly mode: Mode;
  /** Save mode: --save-dir; null in the other modes. */
  readonly saveDir: string | null;
  /** --unsafe: the migration overrides libvirt's storage safety check. */
  readonly unsafe: boolean;
  /** --hypervisor: auto (each host says what it runs), kvm or xen. */
  readonly hypervisor: 'auto' | 'kvm' | 'xen';
  /** --change-id: the change (ticket) this check is evidence for; absent in reports from before it existed. */
  readonly changeId?: string | null;
}

/** A bandwidth measured by the tool itself (--measure-bandwidth). */
export interface BandwidthMeasurement {
  /** How: bytes streamed from the source through this machine to the destination over the SSH sessions. */
  readonly method: 'ssh-relay';
  readonly bytes: number;
  readonly seconds: number;
  readonly bytesPerSec: number;
  /** Why there is no figure (a host not reachable, the transfer failed); null on success. */
  readonly error: string | null;
}

/** The per-domain answer: can it move, what stops it, how long it will take. */
export interface DomainVerdict {
  readonly name: string;
  readonly uuid: string | null;
  readonly state: string;
  readonly memoryKiB: number;
  readonly vcpus: number;
  /** go: nothing at or above --fail-on fails; no-go: something does; unknown: nothing fails but something could not be checked. */
  readonly verdict: 'go' | 'no-go' | 'unknown';
  /** Results that stop it (fail) or leave it unknown (error) at or above --fail-on: per-domain ones and pair-level ones. */
  readonly blockers: readonly { readonly id: string; readonly status: 'fail' | 'error'; readonly domain: string | null }[];
  readonly disks: { readonly shared: number; readonly local: number; readonly unknown: number; readonly bytesToCopy: number | null };
  readonly convergence: ConvergenceEstimate | null;
}

/** The JSON report, schemaVersion 1 (see DESIGN.md). */
export interface Report {
  readonly schemaVersion: 1;
  readonly tool: { readonly name: string; readonly version: string };
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly durationMs: number;
  /** Who ran the check, from where (the checking machine's user and hostname). */
  readonly runBy: { readonly user: string; readonly host: string };
  readonly options: ReportOptions;
  readonly rulesets: readonly { path: string; sha256: string }[];
  readonly hosts: { readonly src: HostReport; readonly dst: HostReport };
  readonly results: readonly RuleResult[];
  /** One entry per moving domain (absent in reports made before it existed). */
  readonly domains?: readonly DomainVerdict[];
  readonly measurements?: { readonly bandwidth: BandwidthMeasurement | null };
  readonly waivers: readonly WaiverState[];
  readonly drift: Drift | null;
  /** Set on a report made by `replay`: which saved report's evidence it re-evaluated, and when. */
  readonly replayOf: {
    readonly path: string;
    readonly sha256: string;
    readonly replayedAt: string;
    /** `side:probe` whose stdout no longer matches its recorded sha256: the evidence was edited. */
    readonly altered?: readonly string[];
    /** `side:probe` that cannot be checked: cut at the size limit, or not valid UTF-8 when collected. */
    readonly unverifiable?: readonly string[];
  } | null;
  readonly summary: Summary;
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
