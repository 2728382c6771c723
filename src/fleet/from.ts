/**
 * `fleet --from FILE|DIR`: a fleet re-evaluated from saved fleet reports, no host contacted, as
 * `replay` does for a pair: every host's facts rebuilt from its raw probe output with today's
 * parsers, its peer facts from its saved `fleet-net`/`fleet-names` output parsed against the
 * queries rebuilt from the hosts of its own report (peer-probe.ts, as the live run built them),
 * then every pair evaluated with today's rules.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { ProbeContext } from '../checks/probes/index.js';
import type { RuleSet } from '../checks/rules.js';
import { loadWaivers } from '../checks/waivers.js';
import { ReportReadError, UsageError } from '../errors.js';
import { checkHostEvidence, rebuildHost, replayOptions, type ReplayOptions } from '../replay.js';
import { lazyValidator, readJsonFile, schemaError } from '../report/read.js';
import { HOST_SCHEMA, REPORT_SCHEMA } from '../report/report-schema.js';
import type { HostReport, ReportOptions } from '../types.js';
import { fleetReport } from './assemble.js';
import type { Probed } from './matrix.js';
import { peerQueries, probedOf } from './peer-probe.js';
import type { FleetReport } from './types.js';

/** What --from takes besides the saved reports: today's rule selection and waivers, as the live fleet takes them. */
export interface FromOptions extends Pick<ReplayOptions, 'rules' | 'only' | 'skip' | 'waivers' | 'failOn' | 'changeId' | 'now' | 'strict'> {
  /** The gate's host: a target of the saved reports. Default: the newest report's. */
  readonly newHost?: string;
}

/** The re-evaluated report, and what to tell the operator (one line each: hosts in several reports, altered evidence). */
export interface FromResult {
  readonly report: FleetReport;
  readonly notes: readonly string[];
}

/** What of a fleet report --from reads: the hosts with their raw output, and the options they were probed with. */
const FLEET_INPUT_SCHEMA = {
  type: 'object',
  required: ['schemaVersion', 'kind', 'finishedAt', 'options', 'hosts'],
  properties: {
    schemaVersion: { const: 1 },
    kind: { const: 'fleet' },
    finishedAt: { type: 'string', format: 'date-time' },
    options: {
      ...REPORT_SCHEMA.properties.options,
      additionalProperties: true,
      properties: { ...REPORT_SCHEMA.properties.options.properties, inventory: { type: ['string', 'null'] }, concurrency: { type: 'integer', minimum: 1 }, newHost: { type: ['string', 'null'] } },
    },
    hosts: { type: 'array', items: HOST_SCHEMA },
  },
} as const;
const validateFleet = lazyValidator<FleetReport>(FLEET_INPUT_SCHEMA);

interface Saved {
  readonly path: string;
  readonly report: FleetReport;
}

/** The files of --from: the file, or a directory's *.json in name order. */
function filesOf(path: string): string[] {
  const st = statSync(path, { throwIfNoEntry: false });
  if (!st?.isDirectory()) return [path];
  let names: string[];
  try {
    names = readdirSync(path).filter((n) => n.endsWith('.json')).sort();
  } catch (e) {
    throw new ReportReadError(`cannot read directory ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  if (names.length === 0) throw new ReportReadError(`${path}: no *.json fleet report in this directory`);
  return names.map((n) => join(path, n));
}

/** Reads one saved fleet report (as `fleet --json` writes it). @throws ReportReadError naming the file and what is wrong. */
export function readFleetReport(path: string): Saved {
  const { data } = readJsonFile(path);
  const d = data as { kind?: unknown; hosts?: { src?: unknown } } | null;
  if (d !== null && typeof d === 'object' && d.kind === undefined && d.hosts?.src !== undefined) throw new ReportReadError(`${path}: a pair report, not a fleet report (re-evaluate it with migrate-preflight replay)`);
  if (!validateFleet(data)) throw new ReportReadError(`${path}: not a migrate-preflight fleet report (schemaVersion 1): ${schemaError(validateFleet.errors)}`);
  const seen = new Set<string>();
  for (const h of data.hosts) {
    if (seen.has(h.target)) throw new ReportReadError(`${path}: host ${h.target} appears twice`);
    seen.add(h.target);
    // Its peers' queries are rebuilt from where it was reached.
    if (h.connection === null) throw new ReportReadError(`${path}: host ${h.target} has no connection (address and port): not written by migrate-preflight fleet`);
  }
  return { path, report: data };
}

/** Which saved report each host comes from: the one that finished last (a tie: the later file); one note per set of reports that share hosts. */
function merge(saved: readonly Saved[]): { winners: Map<string, number>; order: string[]; notes: string[] } {
  const winners = new Map<string, number>();
  const seenIn = new Map<string, number[]>();
  const finished = (k: number): number => Date.parse((saved[k] as Saved).report.finishedAt);
  saved.forEach((s, k) => {
    for (const h of s.report.hosts) {
      const w = winners.get(h.target);
      if (w === undefined || finished(k) >= finished(w)) winners.set(h.target, k);
      seenIn.set(h.target, [...(seenIn.get(h.target) ?? []), k]);
    }
  });
  const groups = new Map<string, string[]>();
  for (const [target, ks] of seenIn) {
    if (ks.length < 2) continue;
    const w = winners.get(target) as number;
    const key = [...ks.filter((k) => k !== w), w].map((k) => (saved[k] as Saved).path).join('\0');
    groups.set(key, [...(groups.get(key) ?? []), target]);
  }
  const notes = [...groups].map(([key, targets]) => {
    const paths = key.split('\0');
    const shown = `${targets.slice(0, 5).join(', ')}${targets.length > 5 ? ` (+${targets.length - 5} more)` : ''}`;
    return `${shown} ${targets.length === 1 ? 'is' : 'are'} in ${paths.join(' and ')}: using ${paths.at(-1)}, which finished last`;
  });
  return { winners, order: [...seenIn.keys()], notes };
}

/** A saved report's options without the fleet's own (they are the new report's to set). */
function pairOptions(o: FleetReport['options']): ReportOptions {
  const { inventory: _i, concurrency: _c, newHost: _n, from: _f, ...rest } = o;
  return rest;
}

/**
 * Re-evaluates a fleet from saved fleet reports (a file, or a directory of them merged by host
 * target), without contacting any host. With the same rules it reproduces the saved pairs.
 * @throws ReportReadError for a file that is not a fleet report, reports that disagree on how
 *   they were probed, and (with `strict`) altered evidence; UsageError for a --new-host not in them.
 */
export function fleetFrom(path: string, o: FromOptions, ruleSet: RuleSet): FromResult {
  const t0 = performance.now();
  const saved = filesOf(path).map(readFleetReport);
  const { winners, order, notes } = merge(saved);
  const used = [...new Set(winners.values())].sort((a, b) => a - b);
  const newest = used.reduce((a, b) => (Date.parse((saved[b] as Saved).report.finishedAt) >= Date.parse((saved[a] as Saved).report.finishedAt) ? b : a));
  const base = (saved[newest] as Saved).report;
  for (const k of used) {
    const s = saved[k] as Saved;
    for (const key of ['transport', 'hypervisor'] as const) {
      if (s.report.options[key] !== base.options[key]) throw new ReportReadError(`${s.path}: probed with --${key} ${s.report.options[key]}, ${(saved[newest] as Saved).path} with ${base.options[key]}: re-evaluate them apart`);
    }
  }
  const newHost = o.newHost ?? base.newHost?.host ?? null;
  if (newHost !== null && !winners.has(newHost)) throw new UsageError(`--new-host ${newHost} is not a host of ${path} (hosts: ${order.slice(0, 8).join(', ')}${order.length > 8 ? ', ...' : ''})`);
  const waivers = o.waivers ? loadWaivers(o.waivers) : [];

  // Each report's hosts rebuilt (its peers' queries need them all), then the winners taken.
  const rebuilt = new Map<number, HostReport[]>(used.map((k) => [k, (saved[k] as Saved).report.hosts.map(rebuildHost)]));
  const indexIn = new Map<number, Map<string, number>>(used.map((k) => [k, new Map((saved[k] as Saved).report.hosts.map((h, i) => [h.target, i]))]));
  const altered: string[] = [];
  const probed: Probed[] = order.map((target) => {
    const k = winners.get(target) as number;
    const s = saved[k] as Saved;
    const hosts = rebuilt.get(k) as HostReport[];
    const own = indexIn.get(k) as Map<string, number>;
    const i = own.get(target) as number;
    const evidence = checkHostEvidence(s.report.hosts[i] as HostReport);
    if (evidence.altered.length > 0) {
      const what = `evidence altered: the stdout of ${target}:${evidence.altered.join(`, ${target}:`)} no longer matches its recorded sha256`;
      if (o.strict) throw new ReportReadError(`${s.path}: ${what}; refused (--strict)`);
      notes.push(`${s.path}: ${what}`);
      altered.push(...evidence.altered.map((p) => `${target}:${p}`));
    }
    const addresses = hosts.map((h) => h.connection as NonNullable<HostReport['connection']>);
    const asked = peerQueries(addresses, i, (j) => (hosts[j]?.reachable ? (hosts[j] as HostReport).facts : null), s.report.options.transport as ProbeContext['transport']);
    const p = probedOf(hosts[i] as HostReport, i, asked);
    // Its answers are indexed by its own report's hosts; a host of another report was not asked about.
    return { ...p, peerOf: (m: number) => p.peerOf(own.get(order[m] as string) ?? -1) };
  });

  const started = o.now ?? new Date();
  return {
    report: fleetReport(probed, {
      ruleSet,
      options: replayOptions(pairOptions(base.options), o),
      fleet: { inventory: base.options.inventory, concurrency: base.options.concurrency, newHost: o.newHost ?? (newHost === null ? null : base.options.newHost), from: { paths: used.map((k) => (saved[k] as Saved).path), altered } },
      newHostTarget: newHost,
      waivers,
      started,
      t0,
      probingMs: 0,
      interrupt: null,
    }),
    notes,
  };
}
