import type { Drift, Report, RuleResult } from '../types.js';

// A waived failure is still a finding: waiving it resolves nothing.
const bad = (r: RuleResult | undefined): boolean => r !== undefined && (r.status === 'fail' || r.status === 'error' || r.status === 'waived');

/**
 * What changed since an earlier report of the same pair: findings that are new, that were
 * resolved, and failures whose message changed (a flag that vanished after a BIOS
 * update shows up here before the next evacuation). Pure.
 */
export function compareWithBaseline(baseline: Report, results: readonly RuleResult[], meta: { path: string; sha256: string }): Drift {
  const before = new Map(baseline.results.map((r) => [r.id, r]));
  const now = new Map(results.map((r) => [r.id, r]));
  const fresh: string[] = [];
  const resolved: string[] = [];
  const changed: Drift['changed'][number][] = [];
  for (const r of results) {
    const b = before.get(r.id);
    if (bad(r) && !bad(b)) fresh.push(r.id);
    // Messages carry the values that matter; raw evidence also holds noise (a clock read a millisecond later).
    else if (bad(r) && b && b.message !== r.message) {
      changed.push({ id: r.id, before: b.message, after: r.message });
    }
  }
  for (const b of baseline.results) if (bad(b) && !bad(now.get(b.id))) resolved.push(b.id);
  return { baseline: { path: meta.path, sha256: meta.sha256, startedAt: baseline.startedAt }, new: fresh, resolved, changed };
}
