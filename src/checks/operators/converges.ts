import type { ConvergenceEstimate } from '../../types.js';
import { duration, human, mibs } from '../units.js';
import { defineOperator, type HostOpResult } from './define.js';
import { list } from './values.js';

/** Advice for a migration that will not converge, with the figures that would make it. */
function advice(e: ConvergenceEstimate): string {
  const p = e.prediction;
  if (!p || e.dirtyBytesPerSec === null || e.bandwidthBytesPerSec === null) return '';
  const why =
    p.reason === 'dirty-rate-exceeds-bandwidth'
      ? `dirty rate ${mibs(e.dirtyBytesPerSec)} is not below the bandwidth ${mibs(e.bandwidthBytesPerSec)}`
      : `after ${p.rounds} rounds ${human((p.downtimeMs / 1000) * e.bandwidthBytesPerSec)} is still dirty, a ${duration(p.downtimeMs / 1000)} pause (limit ${e.maxDowntimeMs} ms)`;
  return (
    `${e.domain} will not converge: ${why}; it needs at least ${mibs(p.neededBandwidthBytesPerSec)} of bandwidth, or a dirty rate under ` +
    `${mibs(p.maxDirtyBytesPerSec)}: raise the bandwidth (dedicated migration network, virsh migrate-setspeed), enable auto-converge ` +
    `(--auto-converge) or post-copy (--postcopy), raise --max-downtime, or migrate in a quieter window`
  );
}

/** src: migration.convergence. Every running moving domain's pre-copy must converge within the downtime limit. */
function converges(v: unknown): HostOpResult {
  const estimates = list<ConvergenceEstimate>(v);
  const failing = estimates.filter((e) => e.prediction && !e.prediction.converges).map(advice);
  if (failing.length > 0) return { ok: false, detail: failing.join('; ') };
  const missing = estimates.filter((e) => e.prediction === null && (e.state === 'running' || e.state === 'paused'));
  if (missing.length > 0) return { ok: false, detail: '', undecided: `cannot predict convergence: ${missing.map((e) => `${e.domain}: ${e.missing}`).join('; ')}` };
  return { ok: true, detail: '' };
}

export const convergesOp = defineOperator({
  name: 'converges',
  kind: 'host',
  summary: "every running moving domain's pre-copy converges within the downtime limit",
  params: {},
  evaluate: (v) => converges(v),
});
