import type { Sxp, XenDiskConfig, XenDomain, XenDomainConfig, XendConfig, XenNicConfig, XenShutdownReason, XlInfo } from '../../model/xen.js';
import { ParseError } from './parse-error.js';
import { safeUnsigned } from './simple.js';

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

const SXP_ESCAPES: ReadonlyMap<string, string> = new Map([
  ['a', '\x07'],
  ['b', '\b'],
  ['t', '\t'],
  ['n', '\n'],
  ['v', '\v'],
  ['f', '\f'],
  ['r', '\r'],
  ['\\', '\\'],
  ["'", "'"],
  ['"', '"'],
]);
const SXP_SPACE = ' \t\n\v\f\r';
/** sxp.py is_separator: ends an atom (and starts the next one unless it is a paren). */
const SXP_SEPARATORS = '{}()<>[]!;';

/**
 * Reads the forms of an xend S-expression file the way xen/xend/sxp.py does: '#' starts a
 * comment outside strings, atoms end at blanks, '#' and {}()<>[]!;, strings take ' or " with C
 * escapes, and an unknown escape keeps its backslash but drops the escaped character (so
 * '\.' reads as '\', which is why the upstream file writes '\\.').
 */
function readSxp(text: string, probe: string): Sxp[] {
  const top: Sxp[] = [];
  const stack: Sxp[][] = [top];
  let i = 0;
  const fail = (why: string): ParseError => new ParseError(probe, `line ${text.slice(0, i).split('\n').length}: ${why}`);
  while (i < text.length) {
    const c = text[i] as string;
    const current = stack[stack.length - 1] as Sxp[];
    if (SXP_SPACE.includes(c)) {
      i++;
    } else if (c === '#') {
      const end = text.indexOf('\n', i);
      i = end < 0 ? text.length : end;
    } else if (c === '(') {
      const list: Sxp[] = [];
      current.push(list);
      stack.push(list);
      i++;
    } else if (c === ')') {
      if (stack.length === 1) throw fail('")" without "("');
      stack.pop();
      i++;
    } else if (c === "'" || c === '"') {
      let value = '';
      i++;
      for (;;) {
        if (i >= text.length) throw fail('unterminated string');
        const d = text[i] as string;
        if (d === c) {
          i++;
          break;
        }
        if (d !== '\\') {
          value += d;
          i++;
          continue;
        }
        const e = text[i + 1];
        if (e === undefined) throw fail('unterminated string');
        const named = SXP_ESCAPES.get(e);
        if (named !== undefined) {
          value += named;
          i += 2;
        } else if (e === 'x') {
          // sxp.py's hex escape mis-reads A-F and can crash; no real file uses it.
          throw fail('"\\x" escapes are not supported');
        } else if (e >= '0' && e <= '7') {
          let digits = '';
          i++;
          while (digits.length < 3 && i < text.length && (text[i] as string) >= '0' && (text[i] as string) <= '7') digits += text[i++];
          const code = parseInt(digits, 8);
          if (code > 0xff) throw fail(`octal escape out of range: \\${digits}`);
          value += String.fromCharCode(code);
        } else {
          value += '\\';
          i += 2;
        }
      }
      current.push(value);
    } else if (c.charCodeAt(0) < 0x21 || c.charCodeAt(0) > 0x7e) {
      throw fail(`invalid character: code ${c.charCodeAt(0)}`);
    } else {
      let j = i + 1;
      while (j < text.length && !SXP_SPACE.includes(text[j] as string) && !SXP_SEPARATORS.includes(text[j] as string) && text[j] !== '#') j++;
      current.push(text.slice(i, j));
      i = j;
    }
  }
  if (stack.length > 1) throw fail('unexpected end of file: "(" without ")"');
  return top;
}

const TRUE_WORDS = ['yes', 'y', '1', 'on', 'true', 't'];
const FALSE_WORDS = ['no', 'n', '0', 'off', 'false', 'f'];

/**
 * Parses /etc/xen/xend-config.sxp: `(name value)` forms, '#' comments (most of the shipped file
 * is commented out). Settings are looked up as xend's XendOptions does: the first form with the
 * name, its first value, the default when the form is missing or has no value; booleans are
 * yes/y/1/on/true/t or no/n/0/off/false/f in any case. An empty or comment-only file gives the
 * defaults (xend runs on defaults when the file is missing too).
 * @throws ParseError ('xend-config') on text that is not an S-expression file (a bare word at
 *   top level, e.g. an error message; unbalanced parentheses; an unterminated string), or on a
 *   relocation value xend itself refuses (a boolean that is not one, a port that is not a number).
 */
export function parseXendConfig(text: string): XendConfig {
  const forms = readSxp(text, 'xend-config');
  const settings = new Map<string, readonly Sxp[]>();
  for (const form of forms) {
    if (typeof form === 'string') {
      throw new ParseError('xend-config', `bare word ${JSON.stringify(form.slice(0, 40))} outside "( )": not an xend-config.sxp file`);
    }
    const [name, ...rest] = form;
    if (typeof name === 'string' && !settings.has(name)) settings.set(name, rest);
  }
  const atom = (name: string, fallback: string): string => {
    const v = settings.get(name)?.[0];
    if (v === undefined) return fallback;
    if (typeof v !== 'string') throw new ParseError('xend-config', `(${name} ...) holds a list, not a single value`);
    return v;
  };
  const bool = (name: string, fallback: string): boolean => {
    const v = atom(name, fallback).toLowerCase();
    if (TRUE_WORDS.includes(v)) return true;
    if (FALSE_WORDS.includes(v)) return false;
    throw new ParseError('xend-config', `(${name} ${JSON.stringify(v.slice(0, 20))}) is not a boolean (xend refuses it too)`);
  };
  const port = (name: string, fallback: string): number => {
    const v = atom(name, fallback).trim();
    const n = /^\+?\d{1,5}$/.test(v) ? Number(v) : NaN;
    if (!(n <= 65535)) throw new ParseError('xend-config', `(${name} ${JSON.stringify(v.slice(0, 20))}) is not a port number`);
    return n;
  };
  const allowText = atom('xend-relocation-hosts-allow', '');
  // relocate.py: hosts_allow.split(" ") when not '' (single blanks: '' entries are kept).
  const allow = allowText === '' ? [] : allowText.split(' ');
  return {
    relocationServer: bool('xend-relocation-server', 'no'),
    relocationPort: port('xend-relocation-port', '8002'),
    relocationAddress: atom('xend-relocation-address', ''),
    relocationHostsAllow: allow,
    invalidHostsAllow: allow.filter((p) => compileAnchored(p) === null),
    relocationSslServer: bool('xend-relocation-ssl-server', 'no'),
    relocationSslPort: port('xend-relocation-ssl-port', '8003'),
    settings: Object.fromEntries(settings),
  };
}

/** A pattern compiled to match at the start of the string only, like Python's re.match; null when invalid. */
function compileAnchored(pattern: string): RegExp | null {
  try {
    return new RegExp(pattern, 'y');
  } catch {
    return null;
  }
}

/**
 * Whether xend's relocation server admits a peer, as tcp.py / connection.hostAllowed decide: an
 * empty list admits every peer; otherwise a peer is admitted when any pattern matches at the
 * START of the name (Python re.match: anchored at the start only, so '10.0.0.1' also admits
 * '10.0.0.12' and '10x0.0.1'; '$' is needed to anchor the end). xend tries the peer's FQDN
 * (reverse lookup of its address) and its IP address: call this with each and OR the results.
 * Patterns JavaScript cannot compile never match.
 */
export function relocationAdmits(allow: readonly string[], hostnameOrIp: string): boolean {
  if (allow.length === 0) return true;
  return allow.some((pattern) => {
    const re = compileAnchored(pattern);
    if (re === null) return false;
    re.lastIndex = 0;
    return re.test(hostnameOrIp);
  });
}

const LONG = 'xl-list-long';
const DOMAIN_TYPES: readonly string[] = ['hvm', 'pv', 'pvh'];
/** xm's blktap drivers that name an image format ("tap:aio:/img", "tap:tapdisk:qcow2:/img", "tap2:..."). */
const TAP_FORMATS: ReadonlyMap<string, string | null> = new Map([
  ['aio', 'raw'],
  ['sync', 'raw'],
  ['ram', 'raw'],
  ['qcow', 'qcow'],
  ['qcow2', 'qcow2'],
  ['vhd', 'vhd'],
  ['qed', 'qed'],
]);

/** A path-only disk's kind: under /dev/ a block device, otherwise absolute an image file. */
const kindOfPath = (path: string | null): XenDiskConfig['kind'] =>
  path === null ? 'other' : path.startsWith('/dev/') ? 'phy' : path.startsWith('/') ? 'file' : 'other';

/**
 * Splits a disk source as xm writes it ("phy:/dev/sdb7", "file:/img", "tap:aio:/img",
 * "tap:tapdisk:qcow2:/img", "drbd:res"); a source without a prefix is kept whole and classified
 * by its path. With onlyFileLike (xl's pdev_path, which xl stores without the legacy prefix),
 * only "file:", "phy:" and "tap:"/"tap2:" are split off, so "rbd:pool/img" stays whole.
 */
function splitUname(uname: string | null, onlyFileLike = false): Pick<XenDiskConfig, 'path' | 'kind' | 'format'> {
  if (uname === null || uname === '') return { path: null, kind: 'other', format: null };
  const colon = uname.indexOf(':');
  const prefix = colon > 0 ? uname.slice(0, colon) : '';
  const fileLike = prefix === 'file' || prefix === 'phy' || prefix === 'tap' || prefix === 'tap2';
  if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(prefix) || (onlyFileLike && !fileLike)) return { path: uname, kind: kindOfPath(uname), format: null };
  let rest = uname.slice(colon + 1);
  let format: string | null = null;
  if (prefix === 'tap' || prefix === 'tap2') {
    if (rest.startsWith('tapdisk:')) rest = rest.slice('tapdisk:'.length);
    const c = rest.indexOf(':');
    const driver = c > 0 ? rest.slice(0, c) : '';
    const known = TAP_FORMATS.get(driver);
    if (known === undefined) return { path: rest === '' ? null : rest, kind: 'other', format: null };
    format = known;
    rest = rest.slice(c + 1);
  } else if (prefix !== 'file' && prefix !== 'phy') {
    return { path: rest === '' ? null : rest, kind: 'other', format: null };
  }
  const path = rest === '' ? null : rest;
  const kind = prefix === 'phy' ? 'phy' : path !== null && path.startsWith('/dev/') ? 'phy' : 'file';
  return { path, kind, format };
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
/** An own property only: a key such as "__proto__" or "constructor" is never read through the prototype. */
const own = (o: Record<string, unknown>, key: string): unknown => (Object.prototype.hasOwnProperty.call(o, key) ? o[key] : undefined);

/** KiB to MiB, rounded down as xl list's Mem column is; null for a missing, negative (libxl's "default") or inexact count. */
const kibToMib = (kib: number | null): number | null => (kib === null ? null : Math.floor(kib / 1024));

/**
 * Parses `xl list -l` / `xl list --long` and `xm list -l`:
 * - xl (Xen 4.2 and later, output_format "json", the default): a JSON array of
 *   `{"domid": N, "config": {"c_info": {...}, "b_info": {...}, "disks": [...], "nics": [...]}}`
 *   (xl_info.c printf_info_one_json over libxl_domain_config). xl 4.2 printed the objects one
 *   after the other without the array; both are read. libxl leaves out fields at their defaults
 *   since Xen 4.5, so an absent `readwrite` is 0 (read-only) and an absent `is_cdrom` is 0. The
 *   type is `c_info.type` (a 4.4-4.9 PV domain with `"pvh": "True"` is PVH), else the
 *   `b_info` union key `"type.hvm"` / `"type.pv"` / `"type.pvh"`.
 * - xl with output_format "sxp" (and xl 4.1): xl_sxp.c's legacy lines, `(domain` /
 *   `\t(domid N)` / `\t(create_info)` / `\t(hvm 0|1)` ... read line by line, since its PV branch
 *   prints `(linux 0)` and closes `(image` and `(domain` early. It has no bridge, and prints the
 *   MAC without colons.
 * - xm (xend): S-expressions, one `(domain ...)` per domain, read with the xend SXP reader:
 *   `(memory N)` and `(maxmem N)` in MiB, `(image (hvm ...))` / `(image (linux ...))`, and
 *   `(device (vbd|tap|tap2 (dev xvda:disk) (uname phy:/dev/sdb7) (mode w)))` /
 *   `(device (vif (bridge ...) (mac ...) (ip ...)))`.
 * Domain-0 is kept (xl 4.5+ and xm list it). Empty output gives []. Leading "WARNING:" lines
 * (xm's deprecation notice) are skipped.
 * @throws ParseError ('xl-list-long') on text that is none of these (an error message, plain
 *   `xl list`), invalid or cut JSON or S-expressions, a domain without a name, or a count that
 *   is not a number.
 */
export function parseXlListLong(text: string): XenDomainConfig[] {
  const lines = text.split('\n');
  let first = 0;
  while (first < lines.length && /^\s*(?:WARNING|Warning|warning)\b/.test(lines[first] as string)) first++;
  const body = lines.slice(first).join('\n');
  const start = body.trimStart();
  if (start === '') return [];
  if (start[0] === '[' || start[0] === '{') return parseXlJson(start);
  if (start[0] === '(') {
    // xl_sxp.c prints "\t(create_info)" on a line of its own; xend never prints that key.
    return start.split('\n').some((l) => l.trim() === '(create_info)') ? parseXlSxp(start) : parseXendDomains(start);
  }
  throw new ParseError(LONG, `neither JSON nor "(domain" S-expressions: not \`xl list -l\` output: ${JSON.stringify(start.split('\n')[0]?.slice(0, 80))}`);
}

/** Splits a run of top-level JSON values ("{...}\n{...}", xl 4.2) at the ends of the values; strings may hold braces. */
function jsonValues(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let begin = -1;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === '{' || c === '[') {
      if (depth === 0) begin = i;
      depth++;
    } else if (c === '}' || c === ']') {
      depth--;
      if (depth < 0) throw new ParseError(LONG, `unbalanced JSON: "${c}" without its opener`);
      if (depth === 0) out.push(text.slice(begin, i + 1));
    } else if (depth === 0 && !/\s/.test(c)) {
      throw new ParseError(LONG, `text between JSON values: ${JSON.stringify(text.slice(i, i + 40))}`);
    }
  }
  if (depth !== 0 || inString) throw new ParseError(LONG, 'cut JSON: a value is not closed');
  return out;
}

function parseXlJson(text: string): XenDomainConfig[] {
  const values: unknown[] = [];
  for (const chunk of jsonValues(text)) {
    try {
      values.push(JSON.parse(chunk));
    } catch (e) {
      throw new ParseError(LONG, `invalid JSON: ${e instanceof Error ? e.message.slice(0, 100) : 'unparsable'}`);
    }
  }
  const entries: unknown[] = [];
  for (const v of values) {
    if (Array.isArray(v)) entries.push(...v);
    else entries.push(v);
  }
  return entries.map((entry, i) => xlJsonDomain(entry, i));
}

function xlJsonDomain(entry: unknown, index: number): XenDomainConfig {
  const where = `domain ${index}`;
  const bad = (why: string): ParseError => new ParseError(LONG, `${where}: ${why}`);
  if (!isRecord(entry)) throw bad('not a {"domid", "config"} object');
  const config = own(entry, 'config');
  if (!isRecord(config)) throw bad('no "config" object');
  const cInfo = own(config, 'c_info');
  const bInfo = own(config, 'b_info');
  const c = isRecord(cInfo) ? cInfo : {};
  const b = isRecord(bInfo) ? bInfo : {};
  const str = (o: Record<string, unknown>, key: string): string | null => {
    const v = own(o, key);
    if (v === undefined || v === null || v === '') return null;
    if (typeof v !== 'string') throw bad(`"${key}" is not a string`);
    return v;
  };
  const int = (o: Record<string, unknown>, key: string): number | null => {
    const v = own(o, key);
    if (v === undefined || v === null) return null;
    if (typeof v !== 'number' || !Number.isInteger(v)) throw bad(`"${key}" is not an integer`);
    return v >= 0 && Number.isSafeInteger(v) ? v : null;
  };
  const name = str(c, 'name');
  if (name === null) throw bad('no c_info "name"');
  const domid = int(entry, 'domid');
  return {
    name,
    domid,
    uuid: str(c, 'uuid'),
    type: xlJsonType(c, b),
    memoryMiB: kibToMib(int(b, 'target_memkb')),
    maxMemoryMiB: kibToMib(int(b, 'max_memkb')),
    vcpus: int(b, 'max_vcpus'),
    disks: xlJsonList(config, 'disks', bad).map((d) => {
      const source = splitUname(str(d, 'pdev_path'), true);
      const format = str(d, 'format');
      const script = str(d, 'script');
      const cdrom = own(d, 'is_cdrom');
      const rw = own(d, 'readwrite');
      return {
        target: str(d, 'vdev'),
        path: source.path,
        kind: script !== null ? 'other' : source.kind,
        format: format === null || format === 'unknown' ? source.format : format,
        readonly: !(rw === true || (typeof rw === 'number' && rw !== 0)),
        cdrom: cdrom === true || (typeof cdrom === 'number' && cdrom !== 0),
      };
    }),
    nics: xlJsonList(config, 'nics', bad).map((n) => ({ bridge: str(n, 'bridge'), mac: str(n, 'mac'), ip: str(n, 'ip') })),
  };
}

function xlJsonType(c: Record<string, unknown>, b: Record<string, unknown>): XenDomainConfig['type'] {
  const t = own(c, 'type');
  if (typeof t === 'string' && DOMAIN_TYPES.includes(t)) {
    const pvh = own(c, 'pvh');
    return t === 'pv' && (pvh === 'True' || pvh === true) ? 'pvh' : (t as 'hvm' | 'pv' | 'pvh');
  }
  const bt = own(b, 'type');
  if (typeof bt === 'string' && DOMAIN_TYPES.includes(bt)) return bt as 'hvm' | 'pv' | 'pvh';
  for (const k of DOMAIN_TYPES) {
    if (own(b, `type.${k}`) !== undefined || (isRecord(bt) && own(bt, k) !== undefined)) return k as 'hvm' | 'pv' | 'pvh';
  }
  return null;
}

function xlJsonList(config: Record<string, unknown>, key: string, bad: (why: string) => ParseError): Record<string, unknown>[] {
  const v = own(config, key);
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || !v.every(isRecord)) throw bad(`"${key}" is not a list of objects`);
  return v;
}

/** xl_sxp.c prints "(null)" for a NULL string and "<unknown>" for a UUID it cannot read. */
const sxpLineValue = (v: string | undefined): string | null => (v === undefined || v === '' || v === '(null)' || v === '<unknown>' ? null : v);

/** xl's legacy SXP (output_format="sxp"; xl 4.1), one "(key value)" per line. */
function parseXlSxp(text: string): XenDomainConfig[] {
  interface Draft {
    domid: number | null;
    name: string | null;
    uuid: string | null;
    hvm: string | null;
    maxMemkb: number | null;
    targetMemkb: number | null;
    vcpus: number | null;
    disks: Map<string, string | null>[];
    nics: Map<string, string | null>[];
  }
  const drafts: Draft[] = [];
  let current: Draft | null = null;
  /** Where "(key value)" lines go: the domain, a disk or nic, or nowhere (another device). */
  let device: Map<string, string | null> | 'domain' | 'other' = 'domain';
  let afterDevice = false;
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const line = (lines[n] as string).replace(/\r$/, '').trim();
    const bad = (why: string): ParseError => new ParseError(LONG, `line ${n + 1}: ${why}: ${JSON.stringify(line.slice(0, 80))}`);
    if (line === '' || /^\)+$/.test(line)) continue;
    if (line[0] !== '(') throw bad('not an SXP line');
    const open = /^\(([A-Za-z_][A-Za-z0-9_-]*)$/.exec(line);
    if (open) {
      const word = open[1] as string;
      if (word === 'domain') {
        current = { domid: null, name: null, uuid: null, hvm: null, maxMemkb: null, targetMemkb: null, vcpus: null, disks: [], nics: [] };
        drafts.push(current);
        device = 'domain';
        afterDevice = false;
      } else if (current === null) {
        throw bad('before "(domain"');
      } else if (word === 'device') {
        afterDevice = true;
        device = 'other';
      } else if (afterDevice && device === 'other') {
        if (word === 'tap' || word === 'vbd') current.disks.push((device = new Map()));
        else if (word === 'vif') current.nics.push((device = new Map()));
      }
      continue;
    }
    if (current === null) throw bad('before "(domain"');
    if (!line.endsWith(')')) throw bad('not an SXP line');
    const inner = line.slice(1, -1);
    const space = inner.indexOf(' ');
    const key = space < 0 ? inner : inner.slice(0, space);
    const value = sxpLineValue(space < 0 ? undefined : inner.slice(space + 1));
    if (device instanceof Map) {
      if (!device.has(key)) device.set(key, value);
      continue;
    }
    if (device !== 'domain') continue;
    const count = (): number | null => {
      if (value === null) return null;
      if (!/^-?\d{1,20}$/.test(value)) throw bad(`${key} is not an integer`);
      const v = Number(value);
      return v >= 0 && Number.isSafeInteger(v) ? v : null;
    };
    if (key === 'domid' && current.domid === null) current.domid = count();
    else if (key === 'name' && current.name === null) current.name = value;
    else if (key === 'uuid' && current.uuid === null) current.uuid = value;
    else if (key === 'hvm' && current.hvm === null) current.hvm = value;
    else if (key === 'max_memkb' && current.maxMemkb === null) current.maxMemkb = count();
    else if (key === 'target_memkb' && current.targetMemkb === null) current.targetMemkb = count();
    else if (key === 'max_vcpus' && current.vcpus === null) current.vcpus = count();
  }
  return drafts.map((d, i) => {
    if (d.name === null) throw new ParseError(LONG, `domain ${i}: no (name ...)`);
    return {
      name: d.name,
      domid: d.domid,
      uuid: d.uuid,
      type: d.hvm === '1' ? 'hvm' : d.hvm === '0' ? 'pv' : null,
      memoryMiB: kibToMib(d.targetMemkb),
      maxMemoryMiB: kibToMib(d.maxMemkb),
      vcpus: d.vcpus,
      disks: d.disks.map((m) => {
        const source = splitUname(m.get('physpath') ?? null, true);
        return {
          target: m.get('virtpath') ?? null,
          path: source.path,
          kind: source.kind,
          format: source.format,
          readonly: (m.get('readwrite') ?? '0') === '0',
          cdrom: (m.get('is_cdrom') ?? '0') !== '0',
        };
      }),
      nics: d.nics.map((m) => {
        const raw = m.get('mac') ?? null;
        // "%02x%02x%02x%02x%02x%02x": twelve hex digits, shown here with colons as everywhere else.
        const mac = raw !== null && /^[0-9a-fA-F]{12}$/.test(raw) ? (raw.match(/../g) as string[]).join(':') : raw;
        return { bridge: null, mac, ip: null };
      }),
    };
  });
}

/** The values of the first `(key ...)` child of an xend list. */
function sxpChild(list: readonly Sxp[], key: string): readonly Sxp[] | undefined {
  for (const item of list) if (typeof item !== 'string' && item[0] === key) return item.slice(1);
  return undefined;
}

/** A child's atoms joined with blanks ("(ip 10.0.0.1 10.0.0.2)"); null when absent, empty or holding a list. */
function sxpAtom(list: readonly Sxp[], key: string): string | null {
  const values = sxpChild(list, key);
  if (values === undefined || values.length === 0 || values.some((v) => typeof v !== 'string')) return null;
  const joined = (values as string[]).join(' ');
  return joined === '' ? null : joined;
}

/** xend's `xm list -l`: one (domain ...) form per domain. */
function parseXendDomains(text: string): XenDomainConfig[] {
  const forms = readSxp(text, LONG);
  return forms.map((form, i) => {
    const bad = (why: string): ParseError => new ParseError(LONG, `domain ${i}: ${why}`);
    if (typeof form === 'string') throw bad(`bare word ${JSON.stringify(form.slice(0, 40))} outside "(domain ...)"`);
    if (form[0] !== 'domain') throw bad(`a (${typeof form[0] === 'string' ? form[0].slice(0, 40) : '...'} ...) form, not (domain ...)`);
    const count = (key: string): number | null => {
      const v = sxpAtom(form, key);
      if (v === null) return null;
      const n = safeUnsigned(v);
      if (n === null) throw bad(`(${key} ${JSON.stringify(v.slice(0, 20))}) is not an unsigned integer`);
      return n;
    };
    const name = sxpAtom(form, 'name');
    if (name === null) throw bad('no (name ...)');
    const image = sxpChild(form, 'image');
    const kind = image?.find((v): v is readonly Sxp[] => typeof v !== 'string');
    const type = kind === undefined ? null : kind[0] === 'hvm' ? 'hvm' : kind[0] === 'linux' ? 'pv' : null;
    const disks: XenDiskConfig[] = [];
    const nics: XenNicConfig[] = [];
    for (const item of form) {
      if (typeof item === 'string' || item[0] !== 'device') continue;
      const dev = item[1];
      if (dev === undefined || typeof dev === 'string') continue;
      if (dev[0] === 'vbd' || dev[0] === 'tap' || dev[0] === 'tap2') {
        let target = sxpAtom(dev, 'dev');
        let cdrom = false;
        if (target !== null) {
          if (target.startsWith('ioemu:')) target = target.slice('ioemu:'.length);
          const colon = target.indexOf(':');
          if (colon >= 0) {
            cdrom = target.slice(colon + 1) === 'cdrom';
            target = target.slice(0, colon);
          }
          if (target === '') target = null;
        }
        const mode = sxpAtom(dev, 'mode');
        disks.push({ target, ...splitUname(sxpAtom(dev, 'uname')), readonly: mode === 'r', cdrom });
      } else if (dev[0] === 'vif') {
        nics.push({ bridge: sxpAtom(dev, 'bridge'), mac: sxpAtom(dev, 'mac'), ip: sxpAtom(dev, 'ip') });
      }
    }
    return {
      name,
      domid: count('domid'),
      uuid: sxpAtom(form, 'uuid'),
      type,
      memoryMiB: count('memory'),
      maxMemoryMiB: count('maxmem'),
      vcpus: count('vcpus'),
      disks,
      nics,
    };
  });
}
