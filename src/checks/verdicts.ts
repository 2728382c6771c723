import type { DomainVerdict, FailOn, MigrationFacts, RuleResult } from '../types.js';
import type { XenMove } from '../model/move.js';
import { atOrAbove } from './evaluate.js';
import { copyBytesOf } from './migration.js';

/**
 * The answer per moving domain: no-go when a result about it (or about the pair) fails at or
 * above --fail-on, unknown when one could not be evaluated, go otherwise; with what a block copy
 * would move and the convergence estimate. Pure.
 */
/** Results at or above --fail-on that stop a domain (fail) or leave it unknown (error): its own and the pair's. */
function blockersOf(name: string, results: readonly RuleResult[], failOn: FailOn): DomainVerdict['blockers'] {
  return results
    .filter((r) => (r.domain === null || r.domain === name) && (r.status === 'fail' || r.status === 'error') && atOrAbove(r.severity, failOn))
    .map((r) => ({ id: r.id, status: r.status as 'fail' | 'error', domain: r.domain }));
}

const verdictOf = (blockers: DomainVerdict['blockers']): DomainVerdict['verdict'] => (blockers.some((b) => b.status === 'fail') ? 'no-go' : blockers.length > 0 ? 'unknown' : 'go');

export function domainVerdicts(m: MigrationFacts | undefined, results: readonly RuleResult[], failOn: FailOn): DomainVerdict[] {
  if (!m) return [];
  return m.domains.map((d) => {
    const blockers = blockersOf(d.name, results, failOn);
    // No disks when a moving domain's definition is unknown (the move's disks are then left out).
    const disks = (m.disks ?? []).filter((k) => k.domain === d.name && k.storage !== 'empty');
    const local = disks.filter((k) => k.storage === 'local');
    return {
      name: d.name,
      uuid: d.uuid,
      state: d.state,
      memoryKiB: d.xml?.currentMemoryKiB ?? 0,
      vcpus: d.xml?.vcpus ?? 0,
      verdict: verdictOf(blockers),
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

/**
 * The same answer for the guests of a Xen move: every Xen rule is about the pair, so a domain's
 * verdict is the pair's; its disks are counted by where they live (live migration copies none).
 */
export function xenDomainVerdicts(x: XenMove | undefined, results: readonly RuleResult[], failOn: FailOn): DomainVerdict[] {
  if (!x) return [];
  return x.domains.map((d) => {
    const blockers = blockersOf(d.name, results, failOn);
    const disks = x.disks.filter((k) => k.domain === d.name && k.path !== null && !k.cdrom);
    return {
      name: d.name,
      uuid: null,
      state: d.type ? `running (${d.type.toUpperCase()})` : 'running',
      memoryKiB: d.memoryKiB,
      vcpus: d.vcpus,
      verdict: verdictOf(blockers),
      blockers,
      disks: {
        // Network backends (drbd:, iscsi: ...) are the destination's scripts' to attach: shared.
        shared: disks.filter((k) => (k.kind === 'file' && k.mount !== null) || k.kind === 'other').length,
        local: disks.filter((k) => k.kind === 'file' && k.mount === null).length,
        unknown: disks.filter((k) => k.kind === 'phy').length,
        bytesToCopy: null,
      },
      convergence: null,
    };
  });
}
