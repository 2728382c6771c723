/** `xl info` / `xm info` and the `xl list` / `xm list` table. */
import type { XenDomain, XenShutdownReason, XlInfo } from '../../../model/xen.js';
import { ParseError } from '../parse-error.js';
import { safeUnsigned } from '../simple.js';

const XL_INFO_KEY = /^[A-Za-z_][A-Za-z0-9_ ]*$/;
/** xl and xm pad keys to 23 columns ("%-23s:"), so a longer key may be followed by ':' directly. */
const XL_INFO_KEY_WIDTH = 23;
/** Keys `xl info -n` prints without a value, its table following (xl_info.c output_topologyinfo / output_numainfo). */
const XL_INFO_TABLES: ReadonlySet<string> = new Set(['cpu_topology', 'device topology', 'numa_info']);


const words = (value: string): string[] => value.split(/\s+/).filter((w) => w !== '');

/**
 * Parses `xl info` (and `xm info`, which prints the same lines):
 *   host                   : gentlexen1.paulvps.com
 *   virt_caps              : hvm hvm_directio
 *   xen_major              : 4
 *   xen_caps               : xen-3.0-x86_64 xen-3.0-x86_32p hvm-3.0-x86_32 hvm-3.0-x86_32p hvm-3.0-x86_64
 * A key line starts with a letter and has its ':' after a blank (keys are padded to 23 columns) or
 * past column 23. Other lines are the rows of the tables `xl info -n` prints under cpu_topology,
 * device topology and numa_info. Lines before the first key (a warning) are skipped. Unknown
 * keys are kept in `raw`.
 * @throws ParseError ('xl-info') on empty text, text without key lines, a missing `host`,
 *   `xen_major` or `xen_minor`, a key printed twice, a stray line after any other key (e.g. a
 *   value wrapped by a mail client), or a count that is not an unsigned integer.
 */
export function parseXlInfo(text: string): XlInfo {
  if (text.trim() === '') throw new ParseError('xl-info', 'empty output: not `xl info` output');
  const values = new Map<string, string>();
  const tables = new Map<string, string[]>();
  let last: string | null = null;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '');
    // indexOf, not a regex such as /^(\S[^:]*?)\s*:/: that backtracks quadratically over a long run of blanks.
    const colon = line.indexOf(':');
    const key = colon > 0 ? line.slice(0, colon).trimEnd() : '';
    if (XL_INFO_KEY.test(key) && (line[colon - 1] === ' ' || colon >= XL_INFO_KEY_WIDTH)) {
      if (values.has(key)) throw new ParseError('xl-info', `"${key}" appears twice`);
      const value = line.slice(colon + 1).trim();
      values.set(key, value);
      if (value === '' && XL_INFO_TABLES.has(key)) tables.set(key, []);
      last = key;
    } else if (line.trim() !== '' && last !== null) {
      const rows = tables.get(last);
      if (rows === undefined) throw new ParseError('xl-info', `unexpected line after "${last}": ${JSON.stringify(line.slice(0, 80))}`);
      rows.push(line.trimEnd());
    }
  }
  for (const [key, rows] of tables) if (rows.length > 0) values.set(key, rows.join('\n'));
  if (values.size === 0) {
    const first = text.trim().split('\n')[0] ?? '';
    throw new ParseError('xl-info', `no "key : value" lines: not \`xl info\` output: ${JSON.stringify(first.slice(0, 80))}`);
  }
  const required = (key: string): string => {
    const v = values.get(key);
    if (v === undefined || v === '') throw new ParseError('xl-info', `no "${key}" line: not \`xl info\` output`);
    return v;
  };
  const count = (key: string): number | null => {
    const v = values.get(key);
    if (v === undefined || v === '') return null;
    const n = safeUnsigned(v);
    if (n === null) throw new ParseError('xl-info', `${key} is not an unsigned integer: ${JSON.stringify(v.slice(0, 40))}`);
    return n;
  };
  const optional = (key: string): string | null => {
    const v = values.get(key);
    return v === undefined || v === '' ? null : v;
  };
  const hostname = required('host');
  const major = safeUnsigned(required('xen_major'));
  const minor = safeUnsigned(required('xen_minor'));
  if (major === null || minor === null) {
    const shown = `${values.get('xen_major')}.${values.get('xen_minor')}`;
    throw new ParseError('xl-info', `xen_major/xen_minor are not numbers: ${JSON.stringify(shown.slice(0, 40))}`);
  }
  const extra = values.get('xen_extra') ?? '';
  const patch = /^\.(\d{1,9})(?!\d)/.exec(extra);
  const xenCaps = words(values.get('xen_caps') ?? '');
  const virtCaps = words(values.get('virt_caps') ?? '');
  return {
    hostname,
    machine: optional('machine'),
    xenVersion: `${major}.${minor}${extra}`,
    xenMajor: major,
    xenMinor: minor,
    xenExtra: extra,
    xenPatch: patch ? Number(patch[1]) : null,
    xenCaps,
    virtCaps,
    hvm: values.has('virt_caps') ? virtCaps.includes('hvm') : xenCaps.some((c) => c.startsWith('hvm-')),
    hwCaps: optional('hw_caps'),
    nrCpus: count('nr_cpus'),
    nrNodes: count('nr_nodes'),
    coresPerSocket: count('cores_per_socket'),
    threadsPerCore: count('threads_per_core'),
    totalMemoryMiB: count('total_memory'),
    freeMemoryMiB: count('free_memory'),
    scheduler: optional('xen_scheduler'),
    commandline: optional('xen_commandline'),
    // fromEntries defines own properties, so a key such as "__proto__" stays data.
    raw: Object.fromEntries(values),
  };
}

/** xl_list.c: shutdown_reason_letters[] = "-rscwS", '?' past its end. */
const SHUTDOWN_REASONS: ReadonlyMap<string, XenShutdownReason> = new Map([
  ['-', 'poweroff'],
  ['r', 'reboot'],
  ['s', 'suspend'],
  ['c', 'crash'],
  ['w', 'watchdog'],
  ['S', 'soft_reset'],
  ['?', 'unknown'],
]);
const STATE = /^[r-][b-][p-][s-][-rscwS?][d-]$/;
// Literal words between \s+ runs: each run is bounded by a non-blank, so no backtracking blow-up.
const LIST_HEADER = /^Name\s+ID\s+Mem(?:\(MiB\))?\s+VCPUs\s+State\s+Time\(s\)/;

/** Splits off the last blank-separated word by scanning back (a `\s+(\S+)$` regex is quadratic on long blank runs). */
function popWord(s: string): [rest: string, word: string] {
  const t = s.trimEnd();
  let i = t.length;
  while (i > 0 && !/\s/.test(t[i - 1] as string)) i--;
  return [t.slice(0, i), t.slice(i)];
}

/**
 * Parses the table printed by `xl list` and `xm list` (Xen 3.0's xm says "Mem(MiB)"; xl
 * separates the last header words with tabs):
 *   Name                                        ID   Mem VCPUs      State   Time(s)
 *   Domain-0                                     0   656     4     r-----  48140.9
 *   web01                                       48   512     2     -b----  97651.5
 * Columns are read from the right, so a name may hold blanks; a row without an id (an xend-managed
 * domain that is not running) gives id null. Lines before the header (xm's "WARNING: xend/xm is
 * deprecated.") are skipped.
 * @throws ParseError ('xl-list') when there is no header, the header has extra columns
 *   (`xl list -v/-Z/-c/-n`), or a row does not read as name, id, memory, vcpus, state, time.
 */
export function parseXlList(text: string): XenDomain[] {
  const lines = text.split('\n').map((l) => l.replace(/\r$/, ''));
  const header = lines.findIndex((l) => LIST_HEADER.test(l.trim()));
  if (header < 0) throw new ParseError('xl-list', 'no "Name ID Mem VCPUs State Time(s)" header: not `xl list` / `xm list` output');
  const extra = (lines[header] as string).trim().replace(LIST_HEADER, '').trim();
  if (extra !== '') throw new ParseError('xl-list', `extra columns ${JSON.stringify(extra.slice(0, 60))}: only plain \`xl list\` is read`);
  const out: XenDomain[] = [];
  for (const line of lines.slice(header + 1)) {
    if (line.trim() === '') continue;
    const bad = (why: string): ParseError => new ParseError('xl-list', `${why}: ${JSON.stringify(line.slice(0, 100))}`);
    const [r1, time] = popWord(line);
    const [r2, state] = popWord(r1);
    const [r3, vcpus] = popWord(r2);
    const [r4, mem] = popWord(r3);
    if (!/^\d{1,12}(?:\.\d{1,3})?$/.test(time)) throw bad('time is not a number');
    if (!STATE.test(state)) throw bad('state is not six flag letters');
    const vcpuCount = safeUnsigned(vcpus);
    const memory = safeUnsigned(mem);
    if (vcpuCount === null || memory === null) throw bad('memory or vcpus is not an unsigned integer');
    const [r5, idWord] = popWord(r4);
    const withId = safeUnsigned(idWord) !== null && r5.trim() !== '';
    const name = (withId ? r5 : r4).trim();
    if (name === '') throw bad('no domain name');
    const shutdown = state[3] === 's';
    out.push({
      name,
      id: withId ? Number(idWord) : null,
      memoryMiB: memory,
      vcpus: vcpuCount,
      state: {
        raw: state,
        running: state[0] === 'r',
        blocked: state[1] === 'b',
        paused: state[2] === 'p',
        shutdown,
        crashed: state[4] === 'c',
        dying: state[5] === 'd',
        shutdownReason: shutdown ? (SHUTDOWN_REASONS.get(state[4] as string) ?? 'unknown') : null,
      },
      cpuTimeSeconds: Number(time),
    });
  }
  return out;
}
