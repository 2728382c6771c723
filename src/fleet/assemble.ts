import type { RuleSet } from '../checks/rules.js';
import { runBy } from '../pair/report.js';
import { TOOL } from '../paths.js';
import type { ExitCode, ReportOptions, Waiver } from '../types.js';
import { evaluateByClasses } from './classes.js';
import { cpuBaseline, newHostGate, type Probed } from './matrix.js';
import type { FleetPair, FleetReport, PairVerdict } from './types.js';

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

/** Evaluates the matrix of probed hosts and assembles the fleet report (CPU baseline, gate, summary, exit code). */
export function fleetReport(probed: readonly Probed[], a: FleetAssembly): FleetReport {
  const { ruleSet, options, interrupt } = a;
  const t1 = performance.now();
  // By classes (classes.ts): the same outcome for every pair as evaluating each pair on its own, a fraction of the work.
  const matrix = evaluateByClasses(probed, { ruleSet, options, waivers: a.waivers, now: a.started });
  const pairs: FleetPair[] = [];
  for (let i = 0; i < matrix.n; i++) {
    for (let j = 0; j < matrix.n; j++) {
      if (i !== j) pairs.push({ src: (probed[i] as Probed).report.target, dst: (probed[j] as Probed).report.target, ...(matrix.outcomes[matrix.cells[i * matrix.n + j] as number] as (typeof matrix.outcomes)[number]) });
    }
  }
  const t2 = performance.now();
  const hosts = probed.map((p) => p.report);
  const flagsRule = ruleSet.rules.find((r) => r.id === 'cpu.flags');
  const ignore = (Array.isArray(flagsRule?.assert) ? flagsRule.assert : flagsRule ? [flagsRule.assert] : []).flatMap((x) => x.ignore ?? []);
  const gate = a.newHostTarget !== null ? newHostGate(a.newHostTarget, hosts.map((h) => h.target), pairs) : null;
  const unprobedHosts = hosts.filter((h) => h.error !== null).map((h) => ({ target: h.target, code: h.error?.code ?? 'MP_COLLECT', message: h.error?.message ?? 'not probed' }));
  const count = (v: PairVerdict): number => pairs.filter((p) => p.verdict === v).length;
  const newHostUnprobed = gate !== null && unprobedHosts.some((u) => u.target === gate.host);
  const exitCode: ExitCode = gate
    ? newHostUnprobed
      ? 3
      : gate.ok
        ? 0
        : 1
    : unprobedHosts.length > 0 || count('incomplete') > 0
      ? 3
      : count('no-go') > 0
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
    pairs,
    cpuBaseline: cpuBaseline(hosts, ignore),
    newHost: gate,
    summary: {
      hosts: hosts.length,
      probed: hosts.length - unprobedHosts.length,
      pairs: pairs.length,
      go: count('go'),
      noGo: count('no-go'),
      incomplete: count('incomplete'),
      ...(interrupt ? { interrupted: interrupt } : {}),
      exitCode: interrupt === 'SIGTERM' ? 143 : interrupt === 'SIGINT' ? 130 : exitCode,
    },
  };
}
