import type { DomainVerdict, FailOn, MigrationFacts, RuleResult } from '../types.js';
import { atOrAbove } from './evaluate.js';
import { copyBytesOf } from './migration.js';

/**
 * The answer per moving domain: no-go when a result about it (or about the pair) fails at or
 * above --fail-on, unknown when one could not be evaluated, go otherwise; with what a block copy
 * would move and the convergence estimate. Pure.
 */
export function domainVerdicts(m: MigrationFacts | undefined, results: readonly RuleResult[], failOn: FailOn): DomainVerdict[] {
  if (!m) return [];
  return m.domains.map((d) => {
    const blockers = results
      .filter((r) => (r.domain === null || r.domain === d.name) && (r.status === 'fail' || r.status === 'error') && atOrAbove(r.severity, failOn))
      .map((r) => ({ id: r.id, status: r.status as 'fail' | 'error', domain: r.domain }));
    const disks = m.disks.filter((k) => k.domain === d.name && k.storage !== 'empty');
    const local = disks.filter((k) => k.storage === 'local');
    return {
      name: d.name,
      uuid: d.uuid,
      state: d.state,
      memoryKiB: d.xml?.currentMemoryKiB ?? 0,
      vcpus: d.xml?.vcpus ?? 0,
      verdict: blockers.some((b) => b.status === 'fail') ? 'no-go' : blockers.length > 0 ? 'unknown' : 'go',
      blockers,
      disks: {
        shared: disks.filter((k) => k.storage !== 'local' && k.storage !== 'block').length,
        local: local.length,
        unknown: disks.filter((k) => k.storage === 'block').length,
        bytesToCopy: copyBytesOf(local),
      },
      convergence: m.convergence.find((c) => c.domain === d.name) ?? null,
    };
  });
}
