/**
 * One moving domain's convergence estimate: the pre-copy model (convergence.ts) run on what is
 * known of its inputs. Each input is a range (lo, mid, hi):
 * - round 0: the guest's memory, or less where the source's QEMU process holds less of it
 *   (memory the guest never touched goes as zero pages, nearly free);
 * - the dirty rate: --dirty-rate exactly, or QEMU's page-sampling measurements. QEMU looks at 512
 *   pages per GiB of guest memory, so a measurement is a count of changed sampled pages (each
 *   stands for 2 MiB); the range is that count's, about two standard deviations either side;
 * - the working set (the most a guest dirties between two syncs): a long sample that read
 *   clearly less than the short ones predict shows it (count range as above); else all of round 0;
 * - the bandwidth: --bandwidth or --measure-bandwidth exactly, else the link speed of the
 *   source's route to the destination: at most all of it, at least LINK_SHARE of it.
 * The verdict comes from the ends: converging at the worst end (least bandwidth, most dirtying,
 * largest working set) is a GO; never converging at the best end (the remainder cannot shrink) a
 * NO-GO; anything else is uncertain (`missing`), which the rule reports as an error naming what
 * would decide it. The prediction shown is the middle one. Pure.
 */
import type { ConvergenceEstimate, DomainFact, HostFacts } from '../types.js';
import { DEFAULT_MAX_PRECOPY_ROUNDS, predictPrecopy } from './convergence.js';
import type { MigrationPlan } from './migration-plan.js';
import type { DomainXmlFacts } from '../model/libvirt.js';
import { DEFINITION_SOURCE } from './moving.js';
import { human, MiB, mibs } from './units.js';

/**
 * The share of the link speed a live migration is assumed to get at least: one TCP stream, one
 * sending thread, other traffic on the link. Pessimistic on purpose; on the lab's TCG hosts QEMU
 * reached about a sixth of a 10 Gb/s veth.
 */
const LINK_SHARE = 1 / 8;
const LINK_SHARE_TEXT = 'an eighth';
/** QEMU's page-sampling reads 512 pages per GiB of guest memory (DIRTYRATE_DEFAULT_SAMPLE_PAGES): one page stands for 2 MiB. */
const SAMPLED_PAGE_MIB = 1024 / 512;
/** Standard deviations of a sampled count taken as its bounds. */
const Z = 2;

interface Range {
  readonly lo: number;
  readonly mid: number;
  readonly hi: number;
  /** How the range was had, in words; null when given exactly. */
  readonly note: string | null;
}

const exact = (v: number): Range => ({ lo: v, mid: v, hi: v, note: null });

/** A count of changed sampled pages as a range of MiB: about Z standard deviations either side, one page more above (integer rounding, a count of 0). */
function countRange(count: number): { lo: number; mid: number; hi: number } {
  const sd = Math.sqrt(count);
  return { lo: Math.max(0, count - Z * sd) * SAMPLED_PAGE_MIB, mid: count * SAMPLED_PAGE_MIB, hi: (count + Z * sd + 1) * SAMPLED_PAGE_MIB };
}

const pages = (n: number): string => `${n.toFixed(0)} sampled page${n.toFixed(0) === '1' ? '' : 's'} (2 MiB each)`;

const per = (r: { lo: number; mid: number; hi: number }, seconds: number, unit: number): { lo: number; mid: number; hi: number } => ({
  lo: (r.lo / seconds) * unit,
  mid: (r.mid / seconds) * unit,
  hi: (r.hi / seconds) * unit,
});

/** The dirty rate and the working set (null: unknown, all of round 0) from QEMU's samples, in bytes. */
function sampledRanges(dom: DomainFact, src: HostFacts): { dirty: Range; workingSet: Range | null } | null {
  const m = src.libvirt?.dirtyRates?.find((r) => r.domain === dom.name && r.status === 'measured' && r.mibPerSecond !== null);
  if (!m || m.mibPerSecond === null) return null;
  const samples = m.samples?.length ? m.samples : [m.mibPerSecond];
  const period = m.periodSeconds && m.periodSeconds > 0 ? m.periodSeconds : 1;
  const short = { count: samples.reduce((a, b) => a + b, 0) * (period / SAMPLED_PAGE_MIB), seconds: samples.length * period };
  const shortText = `${samples.length} sample${samples.length === 1 ? '' : 's'} of ${period} s read ${samples.join(', ')} MiB/s`;
  const long = m.long ? { count: (m.long.mibPerSecond * m.long.periodSeconds) / SAMPLED_PAGE_MIB, seconds: m.long.periodSeconds } : null;
  const longText = m.long ? `, one of ${m.long.periodSeconds} s ${m.long.mibPerSecond} MiB/s` : '';
  // Saturated: the long sample counts clearly (Z standard deviations of the difference) fewer
  // changed pages than the short ones' rate makes in its period.
  const scale = long ? long.seconds / short.seconds : 0;
  const saturated = long !== null && short.count * scale - long.count > Z * Math.sqrt(long.count + short.count * scale * scale);
  const pooled = long && !saturated ? { count: short.count + long.count, seconds: short.seconds + long.seconds } : short;
  const d = per(countRange(pooled.count), pooled.seconds, MiB);
  const dirtyNote = `${shortText}${longText}: ${pages(pooled.count)} changed in ${pooled.seconds} s, taken as ${mibs(d.lo)} to ${mibs(d.hi)} (middle ${mibs(d.mid)})`;
  if (!saturated || long === null) return { dirty: { ...d, note: dirtyNote }, workingSet: null };
  const w = countRange(long.count);
  return {
    dirty: { ...d, note: dirtyNote },
    workingSet: {
      lo: w.lo * MiB,
      mid: w.mid * MiB,
      hi: w.hi * MiB,
      note: `the ${long.seconds} s sample found only ${pages(long.count)} changed, fewer than the dirty rate makes in that time: a working set of ${human(w.lo * MiB)} to ${human(w.hi * MiB)} that the guest rewrites`,
    },
  };
}

function dirtyRanges(dom: DomainFact, src: HostFacts, plan: MigrationPlan): { dirty: Range; workingSet: Range | null } | null {
  if (plan.dirtyBytesPerSec !== null) return { dirty: exact(plan.dirtyBytesPerSec), workingSet: null };
  return sampledRanges(dom, src);
}

/** Round 0's bytes: the guest's memory, or the QEMU process's resident memory where that is less; 0 when its definition is unknown. */
function roundZero(dom: DomainFact, x: DomainXmlFacts | null, src: HostFacts): { bytes: number; note: string | null } {
  if (x === null) return { bytes: 0, note: null };
  const memory = x.currentMemoryKiB * 1024;
  const rss = (src.libvirt?.dirtyRates?.find((r) => r.domain === dom.name)?.rssKiB ?? Number.POSITIVE_INFINITY) * 1024;
  if (!(rss < memory) || rss <= 0) return { bytes: memory, note: null };
  return {
    bytes: rss,
    note: `the source's QEMU process holds ${human(rss)} of the guest's ${human(memory)}: memory never touched goes as zero pages, nearly free, so round 0 is taken as ${human(rss)}`,
  };
}

function bandwidthRange(src: HostFacts, plan: MigrationPlan): (Range & { source: ConvergenceEstimate['bandwidthSource'] }) | null {
  if (plan.bandwidth) return { ...exact(plan.bandwidth.bytesPerSec), source: plan.bandwidth.source };
  const l = src.peer?.link;
  if (!l || l.mbps === null || l.mbps <= 0) return null;
  const full = (l.mbps * 1e6) / 8;
  return {
    lo: full * LINK_SHARE,
    mid: full * LINK_SHARE,
    hi: full,
    source: 'link',
    note: `${l.dev} links at ${l.mbps} Mb/s; assumed the migration gets at least ${LINK_SHARE_TEXT} of it (${mibs(full * LINK_SHARE)}), at most all of it`,
  };
}

/**
 * The estimate for one running (or paused) domain, or what is missing for one. A domain whose
 * definition is unknown (x null) has an unknown memory size: no estimate, and `missing` says why
 * (memoryBytes is then 0), so the rule ends in error for it rather than finding nothing to predict.
 */
export function convergenceOf(dom: DomainFact, x: DomainXmlFacts | null, src: HostFacts, plan: MigrationPlan): ConvergenceEstimate {
  const zero = roundZero(dom, x, src);
  const rates = dirtyRanges(dom, src, plan);
  const dirty = rates?.dirty ?? null;
  const ws = rates?.workingSet ?? null;
  const bw = bandwidthRange(src, plan);
  const base = {
    domain: dom.name,
    state: dom.state,
    memoryBytes: (x?.currentMemoryKiB ?? 0) * 1024,
    ...(zero.note ? { firstRoundBytes: zero.bytes, memoryAssumption: zero.note } : {}),
    dirtyBytesPerSec: dirty?.mid ?? null,
    dirtyRateSource: plan.dirtyBytesPerSec !== null ? ('option' as const) : dirty !== null ? ('measured' as const) : null,
    ...(dirty?.note ? { dirtyRateAssumption: dirty.note } : {}),
    ...(ws ? { workingSetBytes: ws.mid, workingSetAssumption: ws.note ?? '' } : {}),
    bandwidthBytesPerSec: bw?.mid ?? null,
    bandwidthSource: bw?.source ?? null,
    ...(bw?.note ? { bandwidthAssumption: bw.note } : {}),
    maxDowntimeMs: plan.maxDowntimeMs,
  };
  const lacks: string[] = [];
  if (dom.state !== 'running' && dom.state !== 'paused') lacks.push(`not running (${dom.state}): it moves cold, no pre-copy`);
  else {
    if (x === null) lacks.push(`its definition was not collected (${DEFINITION_SOURCE}): its memory size is unknown`);
    if (dirty === null) {
      const why = src.libvirt?.dirtyRateError ? `the hypervisor could not measure it: ${src.libvirt.dirtyRateError}` : 'the hypervisor reported none';
      lacks.push(`no dirty rate (${why}; give --dirty-rate MiB/s)`);
    }
    if (bw === null) lacks.push('no bandwidth (give --bandwidth MiB/s or --measure-bandwidth; the link speed towards the destination is unknown)');
  }
  if (lacks.length > 0 || dirty === null || bw === null || zero.bytes <= 0) return { ...base, missing: lacks.join('; ') || 'no memory size', prediction: null };
  const at = (end: 'lo' | 'mid' | 'hi') => {
    const worse = end === 'hi' ? 'lo' : end === 'lo' ? 'hi' : 'mid';
    return predictPrecopy({
      memoryBytes: zero.bytes,
      ...(ws ? { workingSetBytes: ws[end] > 0 ? ws[end] : 1 } : {}),
      dirtyBytesPerSec: dirty[end],
      bandwidthBytesPerSec: bw[worse],
      maxDowntimeMs: plan.maxDowntimeMs,
    });
  };
  const worst = at('hi');
  const best = at('lo');
  const middle = at('mid');
  if (worst.converges || (!best.converges && best.reason === 'dirty-rate-exceeds-bandwidth')) return { ...base, missing: null, prediction: middle };
  const where = (end: 'lo' | 'hi'): string => `${mibs(bw[end === 'hi' ? 'lo' : 'hi'])} dirtying ${mibs(dirty[end])}${ws ? ` of a ${human(ws[end])} working set` : ''}`;
  const notes = [zero.note, bw.note, dirty.note, ws?.note].filter(Boolean).join('; ');
  const unknown = [bw.note ? '--bandwidth MiB/s (or --measure-bandwidth)' : null, dirty.note ? '--dirty-rate MiB/s' : null].filter(Boolean);
  const decide = unknown.length > 0 ? `give ${unknown.join(' and ')} to decide` : 'raise the bandwidth or --max-downtime, or lower the dirty rate';
  return {
    ...base,
    missing: best.converges
      ? `uncertain: it converges at ${where('lo')} but not at ${where('hi')}, and both are possible (${notes}); ${decide}`
      : `uncertain: even at ${where('lo')} the remainder shrinks so slowly that it takes more than ${DEFAULT_MAX_PRECOPY_ROUNDS} rounds (QEMU may still finish, late) (${notes}); ${decide}`,
    prediction: null,
  };
}
