import { hostname as osHostname, userInfo } from 'node:os';
import type { RuleSet } from '../checks/rules.js';
import type { Report, ReportOptions } from '../types.js';
import type { evaluateHosts } from './evaluate.js';

/** A report with its keys in the contract's order (the JSON report's key order is stable). */
export function assembleReport(
  collection: Pick<Report, 'tool' | 'startedAt' | 'finishedAt' | 'durationMs' | 'runBy'>,
  options: ReportOptions,
  ruleSet: RuleSet,
  evaluated: ReturnType<typeof evaluateHosts>,
  replayOf: Report['replayOf'],
): Report {
  return {
    schemaVersion: 1,
    tool: collection.tool,
    startedAt: collection.startedAt,
    finishedAt: collection.finishedAt,
    durationMs: collection.durationMs,
    runBy: collection.runBy,
    options,
    rulesets: ruleSet.files,
    hosts: evaluated.hosts,
    results: evaluated.results,
    domains: evaluated.domains,
    measurements: evaluated.measurements,
    waivers: evaluated.waivers,
    drift: evaluated.drift,
    replayOf,
    summary: evaluated.summary,
  };
}

/** The checking machine's user and hostname, for the audit trail. */
export function runBy(): Report['runBy'] {
  let user = 'unknown';
  try {
    user = userInfo().username;
  } catch {
    /* no passwd entry (containers): keep 'unknown' */
  }
  return { user, host: osHostname() };
}
