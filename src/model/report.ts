/** The JSON report: its hosts, results, waivers, drift and summary (schemaVersion 1). */
import type { Mode } from '../checks/vocabulary.js';
import type { HostFacts } from './facts.js';
import type { ConvergenceEstimate } from './move.js';

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
