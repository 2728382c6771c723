import { evaluateHosts } from '../pair/evaluate.js';
import { peerFactsOf, type PeerInput } from '../checks/probes/index.js';
import type { RuleSet } from '../checks/rules.js';
import { SEVERITIES, type HostFacts, type HostReport, type ProbeFailure, type ReportOptions, type RuleResult, type Summary, type Waiver } from '../types.js';
import { pairVerdictOfExit } from '../report/view.js';
import type { PeerFacts } from './peers.js';
import type { CpuBaseline, FleetOutcome, FleetPair } from './types.js';

/** One host as the fleet probed it: its report, and what it found out about the others. */
export interface Probed {
  readonly report: HostReport;
  /** What this host found out about host j (null for itself, or when the probe failed). */
  readonly peerOf: (j: number) => PeerFacts | null;
  /** Why `peerOf` has nothing, when the peers probe failed. */
  readonly peersError: string | null;
}

/** What every pair of the matrix is evaluated with. */
export interface MatrixInput {
  readonly ruleSet: RuleSet;
  readonly options: ReportOptions;
  readonly waivers: readonly Waiver[];
  readonly now: Date;
}

/**
 * Every ordered pair evaluated with the pair rules. Only the verdict and the problems of each
 * pair are kept: a pair's full evaluation (facts with the move derived) is dropped at once.
 */
export function evaluateMatrix(probed: readonly Probed[], m: MatrixInput): FleetPair[] {
  const pairs: FleetPair[] = [];
  for (const [i, src] of probed.entries()) {
    for (const [j, dst] of probed.entries()) {
      if (i === j) continue;
      const ev = evaluateHosts({ hosts: { src: towards(src, j), dst: dst.report }, ruleSet: m.ruleSet, options: m.options, waivers: m.waivers, baseline: null, now: m.now, bandwidth: null });
      pairs.push(pairOf(src.report.target, dst.report.target, ev));
    }
  }
  return pairs;
}

/** The source as it looks towards one destination: the peer facts of that pair, or why there are none. */
export function towards(src: Probed, j: number): HostReport {
  if (!src.report.reachable) return src.report;
  const { peer, failures } = peerPart(src, j);
  return { ...src.report, facts: { ...src.report.facts, peer }, probeErrors: failures.length === 0 ? src.report.probeErrors : [...src.report.probeErrors, ...failures] };
}

/** A reachable source's peer facts towards host j, and the probe failures that left some out. */
export function peerPart(src: Probed, j: number): { peer: NonNullable<HostFacts['peer']>; failures: ProbeFailure[] } {
  const pf = src.peerOf(j);
  return { peer: pf === null ? {} : peerFactsOf(peerInputOf(pf)), failures: peerFailures(src, pf) };
}

/** What the fleet's answers about a peer give the peer facts: the pair probe's ports (peer-tcp) and xend's relocation port (xend-tcp), each where it was tried. */
export function peerInputOf(pf: PeerFacts): PeerInput {
  return { route: pf.route, tcp: pf.tcp.length === 0 ? null : pf.tcp, resolution: pf.resolution, xendTcp: pf.xendTcp.length === 0 ? null : pf.xendTcp };
}

/** Whether the source's answers about a peer (null: none) add a probe failure to the pair (peerFailures is not empty). */
export const peerIncomplete = (pf: PeerFacts | null): boolean => pf === null || !pf.route || !pf.resolution;

/** The probe failures a source's answers about a peer (`pf`; null: none) add to the pair. */
export function peerFailures(src: Probed, pf: PeerFacts | null): ProbeFailure[] {
  if (pf === null) return [{ probe: 'peer-route', reason: src.peersError ?? 'no answer for this host' }];
  const failures: ProbeFailure[] = [];
  if (!pf.route) failures.push({ probe: 'peer-route', reason: `fleet-net: ${pf.routeError ?? 'no route'}` });
  if (!pf.resolution) failures.push({ probe: 'peer-resolve', reason: `fleet-names: the destination's hostname was not known` });
  return failures;
}

function pairOf(src: string, dst: string, ev: ReturnType<typeof evaluateHosts>): FleetPair {
  return { src, dst, ...outcomeOf(ev.results, ev.summary, ev.domains ?? []) };
}

/** What the matrix keeps of a pair's evaluation: the verdict, the problems most severe first, the domains' verdicts. */
export function outcomeOf(results: readonly RuleResult[], summary: Summary, domains: readonly { name: string; verdict: FleetOutcome['domains'][number]['verdict'] }[]): FleetOutcome {
  const problems = results
    .filter((r) => r.status === 'fail' || r.status === 'error' || r.status === 'waived')
    .sort((a, b) => SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity))
    .map((r: RuleResult) => ({ id: r.id, domain: r.domain, severity: r.severity, status: r.status, message: r.message, messageId: r.messageId }));
  return { verdict: pairVerdictOfExit(summary.exitCode), summary, problems, domains: domains.map((d) => ({ name: d.name, verdict: d.verdict })) };
}

/**
 * The flags every x86 host has (less those the cpu.flags rule ignores), and for each host the
 * flags all the others have that it lacks: the hosts that hold a cluster-wide guest CPU back.
 * Counts per flag and per model, so it is O(hosts x flags) (the fleet calls it per group too).
 */
export function cpuBaseline(hosts: readonly HostReport[], ignore: readonly string[]): CpuBaseline {
  const skip = new Set(ignore);
  const withFlags = hosts.filter((h) => h.facts.cpu?.vendor && (h.facts.cpu.flags.length ?? 0) > 0);
  const read = new Set(withFlags);
  const without = hosts.filter((h) => !read.has(h)).map((h) => ({ host: h.target, why: !h.reachable ? 'not probed' : h.facts.cpu ? 'no x86 CPU flags (not x86, or cpuinfo without flags)' : 'cpuinfo not collected' }));
  const sets = withFlags.map((h) => new Set((h.facts.cpu?.flags ?? []).filter((f) => !skip.has(f))));
  const hostsWith = new Map<string, number>();
  for (const s of sets) for (const f of s) hostsWith.set(f, (hostsWith.get(f) ?? 0) + 1);
  const g = sets.length;
  const common = [...hostsWith].filter(([, k]) => k === g).map(([f]) => f).sort();
  // What every other host has and this one lacks: the flags on all hosts but one, this one lacking them.
  const nearlyCommon = g < 2 ? [] : [...hostsWith].filter(([, k]) => k === g - 1).map(([f]) => f).sort();
  const draggers = withFlags
    .map((h, i) => ({ host: h.target, lacks: nearlyCommon.filter((f) => !(sets[i] as Set<string>).has(f)) }))
    .filter((d) => d.lacks.length > 0)
    .sort((a, b) => b.lacks.length - a.lacks.length);
  const models = withFlags.map((h) => h.facts.libvirt?.cpuSupport?.models ?? null);
  let modelsEverywhere: string[] | null = null;
  if (models.length > 0 && models.every((m) => m !== null)) {
    const usableOn = new Map<string, number>();
    for (const ms of models) for (const name of new Set((ms ?? []).filter((m) => m.usable === 'yes').map((m) => m.name))) usableOn.set(name, (usableOn.get(name) ?? 0) + 1);
    modelsEverywhere = [...usableOn].filter(([, k]) => k === models.length).map(([name]) => name);
  }
  return { hosts: withFlags.map((h) => h.target), without, common, vendors: [...new Set(withFlags.map((h) => h.facts.cpu?.vendor as string))].sort(), draggers, modelsEverywhere };
}
