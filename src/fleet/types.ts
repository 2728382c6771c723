import type { ExitCode, HostReport, ReportOptions, RuleResult, Summary } from '../types.js';

/** Defaults of the fleet command (kept here, a module with no imports, so the CLI can show them without loading the fleet code). */
export const FLEET_DEFAULTS = { concurrency: 32 } as const;

/** A pair's answer: go (exit 0), no-go (a failure at or above --fail-on), incomplete (a host not probed, or an error). */
export type PairVerdict = 'go' | 'no-go' | 'incomplete';

/** What the matrix keeps of one ordered pair: the verdict and every result that is not a pass or a skip. */
export interface FleetPair extends FleetOutcome {
  /** The hosts' targets, as in FleetReport.hosts[].target. */
  readonly src: string;
  readonly dst: string;
}

/** A pair's outcome without the pair: many pairs share one (fleet/classes.ts). */
export interface FleetOutcome {
  readonly verdict: PairVerdict;
  readonly summary: Summary;
  /** Failures, errors and waived failures, most severe first (the pair report's, trimmed to what the matrix shows). */
  readonly problems: readonly Pick<RuleResult, 'id' | 'domain' | 'severity' | 'status' | 'message' | 'messageId'>[];
  /** Moving domains and their verdicts (every running domain of the source). */
  readonly domains: readonly { readonly name: string; readonly verdict: 'go' | 'no-go' | 'unknown' }[];
}

/** The flags every probed x86 host has, and who keeps the set small. */
export interface CpuBaseline {
  /** Hosts whose CPU flags were read (x86 with a vendor); the others are listed in `without`. */
  readonly hosts: readonly string[];
  readonly without: readonly { readonly host: string; readonly why: string }[];
  /** Flags on every such host (kernel-synthesised and host-only flags left out, as cpu.flags does). */
  readonly common: readonly string[];
  /** Vendors seen: more than one means no guest CPU migrates everywhere (vendor-specific flags differ). */
  readonly vendors: readonly string[];
  /**
   * For each host, the flags every OTHER host has and it lacks: what the baseline would gain
   * without it. Sorted by how many, most first; hosts that lack nothing are left out.
   */
  readonly draggers: readonly { readonly host: string; readonly lacks: readonly string[] }[];
  /** Named CPU models libvirt reports usable on every host (`virsh domcapabilities`); null when some host could not say. */
  readonly modelsEverywhere: readonly string[] | null;
}

/** --new-host: pairs the new host breaks, that work without it. */
export interface NewHostGate {
  readonly host: string;
  /** "X -> H" where X migrates to some other host but not to H; "H -> X" where some other host migrates to X but H cannot. */
  readonly broken: readonly { readonly src: string; readonly dst: string; readonly problems: readonly string[] }[];
  /** Pairs with H that fail, but fail for every other host too (not the new host's doing). */
  readonly preExisting: readonly { readonly src: string; readonly dst: string }[];
  /** broken is empty (whether the new host could be probed is in FleetReport.unprobed; the exit code is 3 then). */
  readonly ok: boolean;
}

/** `migrate-preflight fleet`: every host probed once, every ordered pair evaluated. */
export interface FleetReport {
  readonly schemaVersion: 1;
  readonly kind: 'fleet';
  readonly tool: { readonly name: string; readonly version: string };
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly durationMs: number;
  /** Where the time went: probing the hosts (both rounds), evaluating the pairs here. */
  readonly phasesMs: { readonly probing: number; readonly evaluating: number };
  readonly runBy: { readonly user: string; readonly host: string };
  /** The pair options every pair was evaluated with (domains: none given = each source's running ones). */
  readonly options: ReportOptions & { readonly inventory: string | null; readonly concurrency: number; readonly newHost: string | null; readonly from?: FleetFrom };
  readonly rulesets: readonly { path: string; sha256: string }[];
  /** Every host in inventory order, as probed (facts and raw probe output: the evidence). */
  readonly hosts: readonly HostReport[];
  /** Hosts that could not be (fully) probed: unreachable, or reached with a collection error (a subset of hosts). */
  readonly unprobed: readonly { readonly target: string; readonly code: string; readonly message: string }[];
  /** N x (N-1) ordered pairs, by source then destination in inventory order. */
  readonly pairs: readonly FleetPair[];
  readonly cpuBaseline: CpuBaseline;
  readonly newHost: NewHostGate | null;
  readonly summary: {
    readonly hosts: number;
    readonly probed: number;
    readonly pairs: number;
    readonly go: number;
    readonly noGo: number;
    readonly incomplete: number;
    /** The run was interrupted: hosts not probed by then say MP_INTERRUPTED (exit 130 or 143). */
    readonly interrupted?: 'SIGINT' | 'SIGTERM';
    readonly exitCode: ExitCode;
  };
}

/** `fleet --from`: the saved fleet reports a report was re-evaluated from (no host contacted). */
export interface FleetFrom {
  readonly paths: readonly string[];
  /** `host:probe` whose saved stdout no longer matches its recorded sha256 (refused with --strict). */
  readonly altered: readonly string[];
}
