import { createHash } from 'node:crypto';
import { buildFacts } from './checks/probes/index.js';
import { ReportReadError } from './errors.js';
import { loadRules, selectRuleSet } from './checks/rules.js';
import { loadWaivers } from './checks/waivers.js';
import { evaluateHosts } from './pair/evaluate.js';
import { assembleReport } from './pair/report.js';
import { readReport } from './report/read.js';
import { DEFAULTS, type CheckOptions } from './pair/options.js';
import type { FailOn, HostReport, Report, ReportOptions } from './types.js';

/** The rule selection, waivers and baseline as a live check takes them (built-in rules always loaded). */
export interface ReplayOptions extends Pick<CheckOptions, 'rules' | 'only' | 'skip' | 'waivers' | 'baseline'> {
  /** Default: the saved report's. */
  readonly failOn?: FailOn;
  /** "Today" for waiver expiry (default now). */
  readonly now?: Date;
  /** Refuse a report whose evidence was altered (a probe's stdout no longer matching its sha256). */
  readonly strict?: boolean;
  /** --change-id; default: the saved report's. */
  readonly changeId?: string;
}

/**
 * Each probe's stdout against the sha256 recorded when it was collected (of the raw bytes). An
 * output cut at the size limit, or one that held bytes that are not UTF-8 (stored as U+FFFD),
 * cannot be checked. Probes are named `<prefix><probe id>`.
 */
export function checkHostEvidence(h: HostReport, prefix = ''): { altered: string[]; unverifiable: string[] } {
  const altered: string[] = [];
  const unverifiable: string[] = [];
  for (const [id, p] of Object.entries(h.probes)) {
    const name = `${prefix}${id}`;
    if (p.truncated || p.stdout.includes('\uFFFD')) unverifiable.push(name);
    else if (createHash('sha256').update(p.stdout, 'utf8').digest('hex') !== p.sha256) altered.push(name);
  }
  return { altered, unverifiable };
}

/** checkHostEvidence on both hosts of a pair report (`src:<probe>`, `dst:<probe>`). */
export function checkEvidence(r: Report): { altered: string[]; unverifiable: string[] } {
  const src = checkHostEvidence(r.hosts.src, 'src:');
  const dst = checkHostEvidence(r.hosts.dst, 'dst:');
  return { altered: [...src.altered, ...dst.altered], unverifiable: [...src.unverifiable, ...dst.unverifiable] };
}

/** Rebuilds a host's facts from the raw probe output kept in the report: nothing is taken on trust from its stored facts. */
export function rebuildHost(h: HostReport): HostReport {
  if (!h.reachable) return h;
  const { facts, failures } = buildFacts(h.probes, [], h.hostKey);
  // Probes that never ran have no output to re-parse; keep their recorded reason.
  const notRun = h.probeErrors.filter((e) => h.probes[e.probe] === undefined);
  return { ...h, facts, probeErrors: [...failures, ...notRun] };
}

/**
 * The options a saved report is re-evaluated with: the saved run's (what old reports lack, as a
 * run then had it), with today's rule selection, waivers and baseline; --fail-on and --change-id
 * the saved ones unless given again.
 */
export function replayOptions(saved: ReportOptions, o: ReplayOptions): ReportOptions {
  return {
    ...saved,
    // Reports from before the convergence options carry none of them: the defaults, as a run then had.
    bandwidthMiBs: saved.bandwidthMiBs ?? null,
    dirtyRateMiBs: saved.dirtyRateMiBs ?? null,
    maxDowntimeMs: saved.maxDowntimeMs ?? DEFAULTS.maxDowntimeMs,
    memoryReserveMiB: saved.memoryReserveMiB ?? DEFAULTS.memoryReserveMiB,
    measureBandwidth: saved.measureBandwidth ?? false,
    // Reports from before the modes checked a live migration.
    mode: saved.mode ?? DEFAULTS.mode,
    saveDir: saved.saveDir ?? null,
    // Reports from before --unsafe checked a migration without it.
    unsafe: saved.unsafe ?? false,
    // Reports from before Xen support detected nothing: the hosts' facts decide now.
    hypervisor: saved.hypervisor ?? 'auto',
    rules: o.rules ?? [],
    only: o.only ?? [],
    skip: o.skip ?? [],
    waivers: o.waivers ?? null,
    baseline: o.baseline ?? null,
    failOn: o.failOn ?? saved.failOn,
    changeId: o.changeId ?? saved.changeId ?? null,
  };
}

/**
 * Re-evaluates a saved report's raw evidence with the given rules and waivers, without contacting
 * any host. With the same rules it reproduces the saved results exactly.
 */
export function replay(path: string, o: ReplayOptions = {}): Report {
  const saved = readReport(path);
  const r = saved.report;
  const evidence = checkEvidence(r);
  if (o.strict && evidence.altered.length > 0) {
    throw new ReportReadError(`${path}: evidence altered: the stdout of ${evidence.altered.join(', ')} no longer matches its recorded sha256; refused (--strict)`);
  }
  const waivers = o.waivers ? loadWaivers(o.waivers) : [];
  const baseline = o.baseline ? readReport(o.baseline) : null;
  const ruleSet = selectRuleSet(loadRules(o.rules ?? []), o.only ?? [], o.skip ?? []);
  const options = replayOptions(r.options, o);
  const now = o.now ?? new Date();
  const evaluated = evaluateHosts({ hosts: { src: rebuildHost(r.hosts.src), dst: rebuildHost(r.hosts.dst) }, ruleSet, options, waivers, baseline, now, bandwidth: r.measurements?.bandwidth ?? null });
  // The collection (times, who) is that of the evidence; the verdicts are new.
  const flags = { ...(evidence.altered.length ? { altered: evidence.altered } : {}), ...(evidence.unverifiable.length ? { unverifiable: evidence.unverifiable } : {}) };
  return assembleReport(r, options, ruleSet, evaluated, { path, sha256: saved.sha256, replayedAt: now.toISOString(), ...flags });
}
