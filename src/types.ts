import type { DomainXmlFacts, MountFacts, NetworkFacts, PoolFacts } from './checks/probes/facts-types.js';
import type { HostIds, LsmFacts, MeminfoFacts } from './checks/probes/system.js';

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
  readonly vcpus: readonly number[];
  /** CPU modes of the moving domains (host-passthrough, host-model, custom). */
  readonly cpuModes: readonly string[];
}

/**
 * Facts about one host. Every member is optional: a probe that failed leaves its facts out and
 * the rules that need them end in `error` with the probe's reason.
 */
export interface HostFacts {
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
    /** Addresses this host's own hostname resolves to, on this host. */
    selfResolution?: readonly string[];
  };
  security?: LsmFacts;
  clock?: { remoteEpochMs: number; receivedAtMs?: number; offsetMs?: number };
  storage?: { mounts: readonly MountFacts[]; networkMounts: readonly MountFacts[] };
  network?: { bridges?: readonly string[]; addresses?: readonly string[] };
  /** Parsed rulesets; null where the tool is not installed. */
  firewall?: { nft: unknown; iptables: unknown };
  libvirt?: {
    version?: string | null;
    hypervisor?: { name: string; version: string } | null;
    domains?: readonly DomainFact[];
    networks?: readonly NetworkFacts[];
    pools?: readonly PoolFacts[];
  };
  /** Source only: how it reaches the destination. */
  peer?: {
    route?: unknown;
    srcAddr?: string | null;
    tcp?: readonly { port: number; state: string }[];
    controlReachable?: boolean;
    dstHostnameResolution?: readonly string[];
  };
  /** Source only: the move. */
  migration?: MigrationFacts;
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
}

interface ResultBase {
  readonly id: string;
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
  readonly exitCode: ExitCode;
}

export type ExitCode = 0 | 1 | 2 | 3;
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
  readonly waivers: readonly WaiverState[];
  readonly drift: Drift | null;
  /** Set on a report made by `replay`: which saved report's evidence it re-evaluated, and when. */
  readonly replayOf: { readonly path: string; readonly sha256: string; readonly replayedAt: string } | null;
  readonly summary: Summary;
}
