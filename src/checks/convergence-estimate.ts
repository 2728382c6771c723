/**
 * One moving domain's convergence estimate: the pre-copy model (convergence.ts) run at the ends
 * of what is known of the two inputs. Each input is a range:
 * - the dirty rate: --dirty-rate exactly, or QEMU's page-sampling measurements, from their mean
 *   to their highest plus one sampled page's worth (each sampled page stands for 2 MiB of guest
 *   memory, so one sample of `p` seconds moves in steps of 2/p MiB/s);
 * - the bandwidth: --bandwidth or --measure-bandwidth exactly, else the link speed of the
 *   source's route to the destination: at most all of it, at least LINK_SHARE of it.
 * A verdict only where both ends agree: converging at the worst end (least bandwidth, most
 * dirtying) is a GO, not converging at the best end a NO-GO; in between it is `missing`
 * (uncertain), which the rule reports as an error naming what would decide it. Pure.
 */
import type { ConvergenceEstimate, DomainFact, HostFacts } from '../types.js';
import { predictPrecopy } from './convergence.js';
import type { MigrationPlan } from './migration.js';
import type { DomainXmlFacts } from './probes/facts-types.js';
import { MiB, mibs } from './units.js';

/**
 * The share of the link speed a live migration is assumed to get at least: one TCP stream, one
 * sending thread, other traffic on the link. Pessimistic on purpose; on the lab's TCG hosts QEMU
 * reached about a sixth of a 10 Gb/s veth.
 */
const LINK_SHARE = 1 / 8;
const LINK_SHARE_TEXT = 'an eighth';
/** QEMU's page-sampling reads 512 pages per GiB of guest memory (DIRTYRATE_DEFAULT_SAMPLE_PAGES): one page stands for 2 MiB. */
const SAMPLED_PAGE_MIB = 1024 / 512;

interface Range {
  readonly lo: number;
  readonly hi: number;
  /** How the range was had, in words; null when given exactly. */
  readonly note: string | null;
}

function dirtyRange(dom: DomainFact, src: HostFacts, plan: MigrationPlan): Range | null {
  if (plan.dirtyBytesPerSec !== null) return { lo: plan.dirtyBytesPerSec, hi: plan.dirtyBytesPerSec, note: null };
  const m = src.libvirt?.dirtyRates?.find((r) => r.domain === dom.name && r.status === 'measured' && r.mibPerSecond !== null);
  if (!m || m.mibPerSecond === null) return null;
  const samples = m.samples?.length ? m.samples : [m.mibPerSecond];
  const period = m.periodSeconds && m.periodSeconds > 0 ? m.periodSeconds : 1;
  const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
  const hi = Math.max(...samples) + SAMPLED_PAGE_MIB / period;
  const note = `${samples.length} sample${samples.length === 1 ? '' : 's'} of ${period} s: ${samples.join(', ')} MiB/s; taken as ${mean.toFixed(1)} to ${hi.toFixed(1)} MiB/s (up to one sampled page, ${(SAMPLED_PAGE_MIB / period).toFixed(1)} MiB/s, above the highest)`;
  return { lo: mean * MiB, hi: hi * MiB, note };
}

function bandwidthRange(src: HostFacts, plan: MigrationPlan): (Range & { source: ConvergenceEstimate['bandwidthSource'] }) | null {
  if (plan.bandwidth) return { lo: plan.bandwidth.bytesPerSec, hi: plan.bandwidth.bytesPerSec, note: null, source: plan.bandwidth.source };
  const l = src.peer?.link;
  if (!l || l.mbps === null || l.mbps <= 0) return null;
  const full = (l.mbps * 1e6) / 8;
  return { lo: full * LINK_SHARE, hi: full, source: 'link', note: `${l.dev} links at ${l.mbps} Mb/s; assumed the migration gets at least ${LINK_SHARE_TEXT} of it (${mibs(full * LINK_SHARE)}), at most all of it` };
}

/** The estimate for one running (or paused) domain, or what is missing for one. */
export function convergenceOf(dom: DomainFact, x: DomainXmlFacts, src: HostFacts, plan: MigrationPlan): ConvergenceEstimate {
  const memoryBytes = x.currentMemoryKiB * 1024;
  const dirty = dirtyRange(dom, src, plan);
  const bw = bandwidthRange(src, plan);
  const base = {
    domain: dom.name,
    state: dom.state,
    memoryBytes,
    dirtyBytesPerSec: dirty?.hi ?? null,
    dirtyRateSource: plan.dirtyBytesPerSec !== null ? ('option' as const) : dirty !== null ? ('measured' as const) : null,
    ...(dirty?.note ? { dirtyRateAssumption: dirty.note } : {}),
    bandwidthBytesPerSec: bw?.lo ?? null,
    bandwidthSource: bw?.source ?? null,
    ...(bw?.note ? { bandwidthAssumption: bw.note } : {}),
    maxDowntimeMs: plan.maxDowntimeMs,
  };
  const lacks: string[] = [];
  if (dom.state !== 'running' && dom.state !== 'paused') lacks.push(`not running (${dom.state}): it moves cold, no pre-copy`);
  else {
    if (dirty === null) {
      const why = src.libvirt?.dirtyRateError ? `the hypervisor could not measure it: ${src.libvirt.dirtyRateError}` : 'the hypervisor reported none';
      lacks.push(`no dirty rate (${why}; give --dirty-rate MiB/s)`);
    }
    if (bw === null) lacks.push('no bandwidth (give --bandwidth MiB/s or --measure-bandwidth; the link speed towards the destination is unknown)');
  }
  if (lacks.length > 0 || dirty === null || bw === null || memoryBytes <= 0) return { ...base, missing: lacks.join('; ') || 'no memory size', prediction: null };
  const at = (bandwidth: number, dirtying: number) => predictPrecopy({ memoryBytes, dirtyBytesPerSec: dirtying, bandwidthBytesPerSec: bandwidth, maxDowntimeMs: plan.maxDowntimeMs });
  const worst = at(bw.lo, dirty.hi);
  if (worst.converges) return { ...base, missing: null, prediction: worst };
  const best = at(bw.hi, dirty.lo);
  if (!best.converges) return { ...base, bandwidthBytesPerSec: bw.hi, dirtyBytesPerSec: dirty.lo, missing: null, prediction: best };
  const where = (b: number, d: number): string => `${mibs(b)} dirtying ${mibs(d)}`;
  return {
    ...base,
    missing:
      `uncertain: it converges at ${where(bw.hi, dirty.lo)} but not at ${where(bw.lo, dirty.hi)}, and both are possible ` +
      `(${[bw.note, dirty.note].filter(Boolean).join('; ')}); give --bandwidth MiB/s (or --measure-bandwidth) and --dirty-rate MiB/s to decide`,
    prediction: null,
  };
}
