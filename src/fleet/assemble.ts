import type { RuleSet } from '../checks/rules.js';
import { runBy } from '../pair/report.js';
import { TOOL } from '../paths.js';
import type { ExitCode, HostReport, ReportOptions, Waiver } from '../types.js';
import { evaluateByClasses } from './classes.js';
import { failingCauses } from './causes.js';
import { encodeMatrix, expandPairs, newHostGate, verdictCounts, type Cells } from './cells.js';
import { fleetGroups } from './groups.js';
import { cpuBaseline, type Probed } from './matrix.js';
import { FLEET_PAIRS_MAX_HOSTS, type FleetReport } from './types.js';

/** What the fleet report is assembled from, besides the probed hosts. */
export interface FleetAssembly {
  readonly ruleSet: RuleSet;
  readonly options: ReportOptions;
  readonly fleet: Pick<FleetReport['options'], 'inventory' | 'concurrency' | 'newHost' | 'from'>;
  /** --new-host's target, as in the hosts' targets (null: no gate). */
  readonly newHostTarget: string | null;
  readonly waivers: readonly Waiver[];
  readonly started: Date;
  /** performance.now() at the start, and how long probing took. */
  readonly t0: number;
  readonly probingMs: number;
  readonly interrupt: 'SIGINT' | 'SIGTERM' | null;
}

/**
 * What the report shows of the cells: every pair (up to FLEET_PAIRS_MAX_HOSTS hosts), the
 * run-length encoded matrix, the compatibility groups and the causes of pairs not being GO.
 */
export function matrixViews(m: Cells, hosts: readonly HostReport[], ignore: readonly string[]): Pick<FleetReport, 'pairs' | 'matrix' | 'groups' | 'causes'> {
  const targets = hosts.map((h) => h.target);
  return {
    ...(hosts.length <= FLEET_PAIRS_MAX_HOSTS ? { pairs: expandPairs(m, targets) } : {}),
    matrix: encodeMatrix(m),
    groups: fleetGroups(m, hosts, ignore),
    causes: failingCauses(m, targets),
  };
}

/** Evaluates the matrix of probed hosts and assembles the fleet report (CPU baseline, gate, summary, exit code). */
export function fleetReport(probed: readonly Probed[], a: FleetAssembly): FleetReport {
  const { ruleSet, options, interrupt } = a;
  const t1 = performance.now();
  // By classes (classes.ts): the same outcome for every pair as evaluating each pair on its own, a fraction of the work.
  const matrix = evaluateByClasses(probed, { ruleSet, options, waivers: a.waivers, now: a.started });
  const hosts = probed.map((p) => p.report);
  const targets = hosts.map((h) => h.target);
  const flagsRule = ruleSet.rules.find((r) => r.id === 'cpu.flags');
  const ignore = (Array.isArray(flagsRule?.assert) ? flagsRule.assert : flagsRule ? [flagsRule.assert] : []).flatMap((x) => x.ignore ?? []);
  const views = matrixViews(matrix, hosts, ignore);
  const t2 = performance.now();
  // Read from the cells, never from a list of pairs (1,000 hosts: 999,000 pairs, ~50,000 outcomes).
  const gate = a.newHostTarget !== null ? newHostGate(a.newHostTarget, targets, matrix) : null;
  const unprobedHosts = hosts.filter((h) => h.error !== null).map((h) => ({ target: h.target, code: h.error?.code ?? 'MP_COLLECT', message: h.error?.message ?? 'not probed' }));
  const count = verdictCounts(matrix);
  const newHostUnprobed = gate !== null && unprobedHosts.some((u) => u.target === gate.host);
  const exitCode: ExitCode = gate
    ? newHostUnprobed
      ? 3
      : gate.ok
        ? 0
        : 1
    : unprobedHosts.length > 0 || count.incomplete > 0
      ? 3
      : count['no-go'] > 0
        ? 1
        : 0;
  return {
    schemaVersion: 1,
    kind: 'fleet',
    tool: { name: TOOL.name, version: TOOL.version },
    startedAt: a.started.toISOString(),
    finishedAt: new Date().toISOString(),
    durationMs: Math.round(performance.now() - a.t0),
    phasesMs: { probing: Math.round(a.probingMs), evaluating: Math.round(t2 - t1) },
    runBy: runBy(),
    options: { ...options, ...a.fleet },
    rulesets: ruleSet.files,
    hosts,
    unprobed: unprobedHosts,
    ...views,
    cpuBaseline: cpuBaseline(hosts, ignore),
    newHost: gate,
    summary: {
      hosts: hosts.length,
      probed: hosts.length - unprobedHosts.length,
      pairs: hosts.length * (hosts.length - 1),
      go: count.go,
      noGo: count['no-go'],
      incomplete: count.incomplete,
      ...(interrupt ? { interrupted: interrupt } : {}),
      exitCode: interrupt === 'SIGTERM' ? 143 : interrupt === 'SIGINT' ? 130 : exitCode,
    },
  };
}
