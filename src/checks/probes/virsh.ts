import type { DomainFact, DomainState } from '../../types.js';
import type { DomainBlockInfo, DomainDirtyRate } from '../../model/libvirt.js';
import { ParseError } from './parse-error.js';
import { safeUnsigned } from './simple.js';

const STATES: readonly DomainState[] = ['running', 'idle', 'paused', 'in shutdown', 'shut off', 'crashed', 'pmsuspended'];

/** One row of `virsh list --all` (table form), before UUIDs are joined in. */
export interface ListedDomain {
  readonly id: number | null;
  readonly name: string;
  readonly state: DomainState;
}

/**
 * Parses the table printed by `virsh list --all`:
 *  Id    Name      State
 * -------------------------
 *  2     rhel7.4   running
 *  -     centos    shut off
 * The state is matched from the right, so names with spaces survive.
 */
export function parseVirshList(text: string): ListedDomain[] {
  const lines = text.split('\n').map((l) => l.replace(/\r$/, ''));
  const header = lines.findIndex((l) => /^\s*Id\s+Name\s+State\s*$/.test(l));
  if (header < 0) throw new ParseError('virsh-list', 'no "Id Name State" header: not `virsh list --all` table output');
  const out: ListedDomain[] = [];
  for (const line of lines.slice(header + 1)) {
    if (/^-+$/.test(line.trim()) || line.trim() === '') continue;
    // No `(.+?)\s*$` nor `\s+\S+$`: both backtrack quadratically over a long run of blanks.
    const m = /^\s*(\d+|-)\s+(\S[^]*)$/.exec(line);
    if (!m) throw new ParseError('virsh-list', `unexpected line: ${JSON.stringify(line.slice(0, 80))}`);
    const rest = (m[2] ?? '').trimEnd();
    const state = STATES.find((s) => rest.endsWith(` ${s}`)) ?? null;
    const last = rest.search(/\s\S+$/);
    const name = state !== null ? rest.slice(0, rest.length - state.length).trim() : last < 0 ? rest : rest.slice(0, last).trimEnd();
    out.push({ id: m[1] === '-' ? null : Number(m[1]), name, state: state ?? 'other' });
  }
  return out;
}

/** Parses `virsh list --all --uuid --name`: one "uuid name" pair per line. */
export function parseVirshUuids(text: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (t === '') continue;
    // `\s+(\S.*)`, not `\s+(.+)`: a name holding a CR or U+2028 ('.' stops there) made `\s+` backtrack quadratically.
    const m = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\s+(\S.*)$/i.exec(t);
    if (!m) throw new ParseError('virsh-uuids', `unexpected line: ${JSON.stringify(t.slice(0, 80))}`);
    map.set(m[2] as string, (m[1] as string).toLowerCase());
  }
  return map;
}

/** Joins the table with the UUID map (null UUIDs when that probe failed). */
export function joinDomains(list: readonly ListedDomain[], uuids: ReadonlyMap<string, string> | null): DomainFact[] {
  return list.map((d) => ({ ...d, uuid: uuids?.get(d.name) ?? null }));
}


/** virDomainDirtyRateStatus (libvirt-domain.h): UNSTARTED = 0, MEASURING = 1, MEASURED = 2. */
const DIRTY_RATE_STATUS: readonly DomainDirtyRate['status'][] = ['unstarted', 'measuring', 'measured'];
const DOMAIN_PREFIX = "Domain: '";

/**
 * Parses `virsh domstats --dirtyrate [names]`: one block per domain,
 *   Domain: 'vm1'
 *     dirtyrate.calc_status=2
 *     dirtyrate.calc_start_time=1534523
 *     dirtyrate.calc_period=1
 *     dirtyrate.megabytes_per_second=5
 *     dirtyrate.calc_mode=dirty-ring          (libvirt >= 8.1)
 *     dirtyrate.vcpu.0.megabytes_per_second=1 (dirty-ring mode only; ignored)
 * followed by a blank line. The name is everything between "Domain: '" and the last "'" of its
 * line (virsh does not escape quotes in names). Other stats groups in the same output (a plain
 * `virsh domstats`) are ignored. A block without dirtyrate fields (a driver without the group, a
 * shut-off domain) gives nulls; calc_status outside 0..2 gives status null.
 * @throws ParseError ('dirty-rate') on a stat line outside a block, a line that is neither a
 *   "Domain:" header nor "key=value", or a dirtyrate number that is not an unsigned safe integer.
 */
export function parseDomstatsDirtyRate(text: string): DomainDirtyRate[] {
  const out: DomainDirtyRate[] = [];
  let current: { -readonly [K in keyof DomainDirtyRate]: DomainDirtyRate[K] } | null = null;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '') continue;
    if (line.startsWith(DOMAIN_PREFIX)) {
      const end = line.trimEnd().lastIndexOf("'");
      if (end < DOMAIN_PREFIX.length) throw new ParseError('dirty-rate', `unterminated domain name: ${JSON.stringify(line.slice(0, 80))}`);
      current = { domain: line.slice(DOMAIN_PREFIX.length, end), status: null, mibPerSecond: null, periodSeconds: null, mode: null, rssKiB: null };
      out.push(current);
      continue;
    }
    // "  key=value": indexOf, not a regex, so a long hostile line stays linear.
    const eq = line.indexOf('=');
    const key = eq < 0 ? '' : line.slice(0, eq).trim();
    if (!/^\s/.test(line) || key === '' || /\s/.test(key)) {
      throw new ParseError('dirty-rate', `unexpected line: ${JSON.stringify(line.slice(0, 80))}`);
    }
    if (current === null) throw new ParseError('dirty-rate', `stat before any "Domain:" line: ${JSON.stringify(line.slice(0, 80))}`);
    const value = line.slice(eq + 1).trim();
    const number = (): number => {
      const n = safeUnsigned(value);
      if (n === null) throw new ParseError('dirty-rate', `${key} is not an unsigned integer: ${JSON.stringify(value.slice(0, 40))}`);
      return n;
    };
    if (key === 'dirtyrate.calc_status') current.status = DIRTY_RATE_STATUS[number()] ?? null;
    else if (key === 'dirtyrate.megabytes_per_second') current.mibPerSecond = number();
    else if (key === 'dirtyrate.calc_period') current.periodSeconds = number();
    else if (key === 'dirtyrate.calc_mode') current.mode = value === '' ? null : value;
    else if (key === 'balloon.rss') current.rssKiB = number();
  }
  return out;
}

const BLKINFO_FIELDS: ReadonlyMap<string, keyof DomainBlockInfo> = new Map([
  ['Capacity', 'capacityBytes'],
  ['Allocation', 'allocationBytes'],
  ['Physical', 'physicalBytes'],
]);

/**
 * Parses `virsh domblkinfo DOMAIN TARGET` (one disk, sizes in bytes):
 *   Capacity:       21474836480
 *   Allocation:     337772544
 *   Physical:       337719296
 * Other "Key: value" lines are ignored.
 * @throws ParseError ('disk-sizes') when one of the three is missing, repeated, or not an unsigned
 *   integer a JS number holds exactly (e.g. `--human` output such as "20.000 GiB").
 */
export function parseDomblkinfo(text: string): DomainBlockInfo {
  const found = new Map<keyof DomainBlockInfo, number>();
  for (const raw of text.split('\n')) {
    const colon = raw.indexOf(':');
    if (colon < 0) continue;
    const field = BLKINFO_FIELDS.get(raw.slice(0, colon).trim());
    if (field === undefined) continue;
    const value = raw.slice(colon + 1).trim();
    const n = safeUnsigned(value);
    if (n === null) throw new ParseError('disk-sizes', `${raw.slice(0, colon).trim()} is not a byte count: ${JSON.stringify(value.slice(0, 40))}`);
    if (found.has(field)) throw new ParseError('disk-sizes', `${raw.slice(0, colon).trim()} appears twice`);
    found.set(field, n);
  }
  const get = (field: keyof DomainBlockInfo, label: string): number => {
    const n = found.get(field);
    if (n === undefined) throw new ParseError('disk-sizes', `no "${label}:" line: not \`virsh domblkinfo DOMAIN TARGET\` output`);
    return n;
  };
  return {
    capacityBytes: get('capacityBytes', 'Capacity'),
    allocationBytes: get('allocationBytes', 'Allocation'),
    physicalBytes: get('physicalBytes', 'Physical'),
  };
}

/**
 * Parses the `virsh-snapshots` probe: per domain either `snapshots UUID 0` (`list --with-snapshot`
 * leaves it out) or `snapshots UUID` and the names `virsh snapshot-list --name` printed, one a line
 * (counted; none counted, when that listing failed, is unknown: the domain has snapshots). Reports
 * of earlier versions have `snapshots UUID N` for every domain, N empty when unknown. libvirt
 * refuses to migrate a domain with snapshots. A snapshot named like such a header line would be
 * read as one: it still leaves its domain with a snapshot or unknown, never none.
 * @throws ParseError ('virsh-snapshots') on text before the first domain.
 */
export function parseSnapshotCounts(text: string): Map<string, number | null> {
  const out = new Map<string, number | null>();
  let listing: { uuid: string; names: number } | null = null;
  const close = (): void => {
    if (listing) out.set(listing.uuid, listing.names > 0 ? listing.names : null);
    listing = null;
  };
  for (const line of text.split('\n')) {
    const m = /^snapshots ([0-9a-f-]{36})(?: (\d*))?\s*$/i.exec(line);
    if (m) {
      close();
      const uuid = (m[1] as string).toLowerCase();
      // "snapshots UUID": its names follow; "snapshots UUID N" or "snapshots UUID " (earlier reports): the count.
      if (m[2] === undefined) listing = { uuid, names: 0 };
      else out.set(uuid, m[2] ? Number(m[2]) : null);
    } else if (line.trim() !== '') {
      if (!listing) throw new ParseError('virsh-snapshots', `unexpected line: ${JSON.stringify(line.slice(0, 80))}`);
      listing.names++;
    }
  }
  close();
  return out;
}

/**
 * The page-sampling periods the dirty-rate probe takes per domain, in multiples of its base
 * period: several short ones (one sample is coarse: each sampled page stands for 2 MiB of guest
 * memory), then one long one. A guest that rewrites the same memory (its working set) reads lower
 * over the long period than over the short ones; that difference is how big the working set is.
 */
export const DIRTY_PERIODS = [1, 1, 1, 6] as const;

/** One domain's dirty-rate measurements, summarised. */
export interface DirtyRateSummary {
  readonly domain: string;
  readonly status: string | null;
  /** The highest short-period sample, MiB/s. */
  readonly mibPerSecond: number | null;
  /** Every short-period sample, MiB/s. */
  readonly samples: number[];
  readonly periodSeconds: number | null;
  /** The long-period sample (DIRTY_PERIODS' last), when taken: its period and rate. */
  readonly long?: { readonly periodSeconds: number; readonly mibPerSecond: number };
  /** The QEMU process's highest resident memory seen, KiB. */
  readonly rssKiB?: number;
}

/**
 * The dirty-rate probe's blocks (one per domain and period) summarised per domain: measured when
 * any sample is, with the highest short-period rate, every short-period sample, the long-period
 * one apart (a block whose period is longer than the shortest), and the highest resident memory;
 * else the last block's status.
 */
export function dirtyRatesOf(blocks: readonly DomainDirtyRate[]): DirtyRateSummary[] {
  const by = new Map<string, DomainDirtyRate[]>();
  for (const b of blocks) by.set(b.domain, [...(by.get(b.domain) ?? []), b]);
  return [...by].map(([domain, bs]) => {
    const measured = bs.filter((b) => b.status === 'measured' && b.mibPerSecond !== null);
    const shortest = Math.min(...measured.map((b) => b.periodSeconds ?? 1));
    const short = measured.filter((b) => (b.periodSeconds ?? 1) === shortest);
    const long = measured.filter((b) => (b.periodSeconds ?? 1) > shortest).at(-1);
    const samples = short.map((b) => b.mibPerSecond as number);
    const rss = bs.map((b) => b.rssKiB).filter((r): r is number => r !== null);
    return {
      domain,
      status: measured.length > 0 ? 'measured' : (bs.at(-1)?.status ?? null),
      mibPerSecond: samples.length > 0 ? Math.max(...samples) : null,
      samples,
      periodSeconds: short[0]?.periodSeconds ?? bs[0]?.periodSeconds ?? null,
      ...(long?.periodSeconds ? { long: { periodSeconds: long.periodSeconds, mibPerSecond: long.mibPerSecond as number } } : {}),
      ...(rss.length > 0 ? { rssKiB: Math.max(...rss) } : {}),
    };
  });
}
