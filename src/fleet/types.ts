import type { ExitCode, HostReport, ReportOptions, RuleResult, Severity, Summary } from '../types.js';

/** Defaults of the fleet command (kept here, a module with no imports, so the CLI can show them without loading the fleet code). */
export const FLEET_DEFAULTS = { concurrency: 32 } as const;

/**
 * Up to this many hosts the fleet report lists every pair (`pairs`, N x (N-1) objects) and the
 * renderers draw the matrix; above it `pairs` is left out (read `matrix`) and the renderers show
 * the compatibility groups and the causes instead.
 */
export const FLEET_PAIRS_MAX_HOSTS = 64;

/** A pair's answer: go (exit 0), no-go (a failure at or above --fail-on), incomplete (a host not probed, or an error). */
export type PairVerdict = 'go' | 'no-go' | 'incomplete';

/** What the matrix keeps of one ordered pair: the verdict and every result that is not a pass or a skip. */
export interface FleetPair extends FleetOutcome {
  /** The hosts' targets, as in FleetReport.hosts[].target. */
  readonly src: string;
  readonly dst: string;
}

/** A failure, error or waived failure of a pair (the pair report's result, trimmed to what the matrix shows). */
export type FleetProblem = Pick<RuleResult, 'id' | 'domain' | 'severity' | 'status' | 'message' | 'messageId'>;

/** A pair's outcome without the pair: many pairs share one (fleet/classes.ts). */
export interface FleetOutcome {
  readonly verdict: PairVerdict;
  readonly summary: Summary;
  /** Failures, errors and waived failures, most severe first. */
  readonly problems: readonly FleetProblem[];
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

/** An outcome in the matrix: its problems as indices into FleetMatrix.problems. */
export interface MatrixOutcome extends Omit<FleetOutcome, 'problems'> {
  readonly problems: readonly number[];
}

/**
 * Every ordered pair's outcome, compactly: always in the report, whatever the fleet's size.
 *
 * `problems` holds each distinct problem once (outcomes share them: 5,000 hosts' 320,000 outcomes
 * have a few thousand), in the order the outcomes first use them. `outcomes` holds each distinct
 * outcome once, in the order the rows first use them, its problems as indices into `problems`. `rows[i]` is
 * source `hosts[i]`'s row: its N-1 destinations in host order with the diagonal skipped (the k-th
 * cell of row i is destination k when k < i, k + 1 when k >= i: the order of `pairs`), run-length
 * encoded as one flat list `[outcome, run, outcome, run, ...]`: `run` (>= 1) consecutive
 * destinations whose outcome is `outcomes[outcome]`. A row's runs add up to N-1; two consecutive
 * runs never share an outcome. Decoding: src/fleet/cells.ts `decodeMatrix`.
 */
export interface FleetMatrix {
  readonly problems: readonly FleetProblem[];
  readonly outcomes: readonly MatrixOutcome[];
  readonly rows: readonly (readonly number[])[];
}

/**
 * Hosts that can all take each other's guests: every ordered pair within the group is go. A greedy
 * clique cover of the pairs that are go both ways, largest group first; every host is in exactly
 * one group (a group of one: a host no other host exchanges guests with, e.g. one not probed).
 */
export interface FleetGroup {
  /** Targets, as in FleetReport.hosts[].target, in host order. */
  readonly hosts: readonly string[];
  /** The CPU baseline of the group's hosts alone (as the fleet's cpuBaseline): a guest CPU from it runs on every host of the group. */
  readonly cpuBaseline: CpuBaseline;
}

/** One cause of pairs not being GO: a rule and what it said (whatever the domain), over the pairs it holds for. */
export interface FleetCause {
  readonly id: string;
  readonly messageId: string;
  readonly status: 'fail' | 'error';
  /** The most severe it was on any of its pairs (escalation can differ per pair). */
  readonly severity: Severity;
  /** Pairs that are not go with this problem (a pair counts once, however many of its domains have it). */
  readonly pairs: number;
  /** Distinct sources and destinations among those pairs. */
  readonly sources: number;
  readonly destinations: number;
  /** The first pairs with it (in matrix order), at most one per source and three in all. */
  readonly examples: readonly { readonly src: string; readonly dst: string; readonly domain: string | null; readonly message: string }[];
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
  /**
   * N x (N-1) ordered pairs, by source then destination in inventory order: only when the fleet has
   * at most FLEET_PAIRS_MAX_HOSTS (64) hosts. Absent above it: every pair is in `matrix`.
   */
  readonly pairs?: readonly FleetPair[];
  /** Every pair's outcome, run-length encoded by source (always present). */
  readonly matrix: FleetMatrix;
  /** Compatibility groups, largest first: each host in exactly one. */
  readonly groups: readonly FleetGroup[];
  /** Why pairs are not GO: one entry per (rule id, messageId, status), the most pairs first. */
  readonly causes: readonly FleetCause[];
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
