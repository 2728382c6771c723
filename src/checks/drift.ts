import type { Drift, Report, RuleResult } from '../types.js';

// A waived failure is still a finding: waiving it resolves nothing.
const bad = (r: RuleResult | undefined): boolean => r !== undefined && (r.status === 'fail' || r.status === 'error' || r.status === 'waived');

/**
 * What changed since an earlier report of the same pair: findings that are new, that were
 * resolved, and failures whose message changed (a flag that vanished after a BIOS
 * update shows up here before the next evacuation). Pure.
 */
/** A result's identity across runs: the rule id, and the domain for per-domain results ("storage.disk-cache [web01]"). */
export const resultKey = (r: Pick<RuleResult, 'id' | 'domain'>): string => (r.domain ? `${r.id} [${r.domain}]` : r.id);

export function compareWithBaseline(baseline: Report, results: readonly RuleResult[], meta: { path: string; sha256: string }): Drift {
  // Reports from before per-domain results have no domain field.
  const before = new Map(baseline.results.map((r) => [resultKey({ id: r.id, domain: r.domain ?? null }), r]));
  const now = new Map(results.map((r) => [resultKey(r), r]));
  const fresh: string[] = [];
  const resolved: string[] = [];
  const changed: Drift['changed'][number][] = [];
  for (const r of results) {
    const b = before.get(resultKey(r));
    if (bad(r) && !bad(b)) fresh.push(resultKey(r));
    // Messages carry the values that matter; raw evidence also holds noise (a clock read a millisecond later).
    else if (bad(r) && b && b.message !== r.message) {
      changed.push({ id: resultKey(r), before: b.message, after: r.message });
    }
  }
  for (const [key, b] of before) if (bad(b) && !bad(now.get(key))) resolved.push(key);
  return { baseline: { path: meta.path, sha256: meta.sha256, startedAt: baseline.startedAt }, new: fresh, resolved, changed };
}
