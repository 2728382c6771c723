import { ParseError } from '../../parse-error.js';
import { own, unquote } from '../lex.js';
import type { NftChain, NftHook, NftRuleset, NftRuleText, NftSet, NftTable } from '../types.js';

// ---------------------------------------------------------------------------------------------
// nft: parser

const NFT_FAMILIES = new Set(['ip', 'ip6', 'inet', 'arp', 'bridge', 'netdev']);

const PRIO_NAMES: Readonly<Record<string, number>> = { raw: -300, mangle: -150, dstnat: -100, filter: 0, security: 50, srcnat: 100 };
const BRIDGE_PRIO_NAMES: Readonly<Record<string, number>> = { dstnat: -300, filter: -200, out: 100, srcnat: 300 };

function resolvePriority(text: string, family: string): number | null {
  const m = /^(-?\d+|[a-z]+)(?:\s*([+-])\s*(\d+))?$/.exec(text.trim());
  if (!m) return null;
  const names = family === 'bridge' ? BRIDGE_PRIO_NAMES : PRIO_NAMES;
  const base = /^-?\d+$/.test(m[1] as string) ? Number(m[1]) : own(names, m[1] as string);
  if (base === undefined) return null;
  return m[2] ? base + (m[2] === '+' ? 1 : -1) * Number(m[3]) : base;
}

function braceDelta(line: string): number {
  let d = 0;
  let inStr = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '"' && line[i - 1] !== '\\') inStr = !inStr;
    else if (!inStr && c === '{') d++;
    else if (!inStr && c === '}') d--;
    else if (!inStr && c === '#' && /\s/.test(line[i - 1] ?? ' ')) break;
  }
  return d;
}

/**
 * Splits text at `sep` where it is outside double quotes and the given brackets. The last piece
 * is kept even when empty only with keepEmptyTail (a trailing `;` ends a statement list).
 */
function splitOutside(s: string, sep: string, open: string, close: string, keepEmptyTail: boolean): string[] {
  const out: string[] = [];
  let depth = 0;
  let inStr = false;
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string;
    if (c === '"' && s[i - 1] !== '\\') inStr = !inStr;
    if (!inStr && open.includes(c)) depth++;
    if (!inStr && close.includes(c)) depth--;
    if (!inStr && depth === 0 && c === sep) {
      out.push(cur.trim());
      cur = '';
    } else cur += c;
  }
  if (keepEmptyTail || cur.trim() !== '') out.push(cur.trim());
  return out;
}

/** Top-level comma-separated items (set elements, anonymous sets). */
export const splitTop = (s: string): string[] => splitOutside(s, ',', '{(', '})', false);
/** `a; b` (hand-written one-line chains) outside quotes and braces. */
const splitStatements = (s: string): string[] => splitOutside(s, ';', '{', '}', true);

/** `\s#`, not `\s+#`: the result is trimmed anyway, and `\s+` backtracks quadratically over a long run of blanks. */
const stripHandle = (s: string): string => s.replace(/\s#\s*handle\s+\d+\s*$/, '').trim();

/**
 * Parses `nft list ruleset` (text, as nft prints it; any version since 0.8). Tables of every
 * family are kept with their chains (hook, priority, policy), rules (as printed) and named
 * sets/maps; other named objects (counters, quotas, flowtables, ct helpers) are skipped.
 * Throws ParseError for `nft -j` JSON output and for text that is not a ruleset.
 */
export function parseNftRuleset(text: string): NftRuleset {
  const trimmed = text.trim();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    throw new ParseError('nft', 'JSON output (`nft -j list ruleset`) is not supported: run `nft list ruleset` (text) instead');
  }
  const lines = text.split('\n').map((l) => l.replace(/\r$/, ''));
  const tables: NftTable[] = [];
  let i = 0;
  const bad = (n: number, why: string): never => {
    throw new ParseError('nft', `line ${n + 1}: ${why}: ${JSON.stringify((lines[n] ?? '').trim().slice(0, 100))}`);
  };
  /** Reads a brace block starting at line `from` (whose line opens it); returns the index after its closing line. */
  const skipBlock = (from: number): number => {
    let depth = braceDelta(lines[from] as string);
    let j = from + 1;
    while (depth > 0 && j < lines.length) depth += braceDelta(lines[j++] as string);
    if (depth > 0) bad(from, 'block not closed');
    return j;
  };
  while (i < lines.length) {
    const line = (lines[i] as string).trim();
    if (line === '' || line.startsWith('#')) {
      i++;
      continue;
    }
    const tm = /^table\s+(\S+)\s+("[^"]*"|\S+)\s*\{\s*(?:#.*)?$/.exec(line);
    if (!tm) bad(i, 'not `nft list ruleset` output (expected `table <family> <name> {`)');
    const family = (tm as RegExpExecArray)[1] as string;
    if (!NFT_FAMILIES.has(family)) bad(i, `unknown table family ${family}`);
    const name = unquote((tm as RegExpExecArray)[2] as string);
    const end = skipBlock(i);
    tables.push(parseNftTable(lines, i + 1, end - 1, family, name, bad, skipBlock));
    i = end;
  }
  return { kind: 'nft', tables };
}

function parseNftTable(
  lines: readonly string[],
  from: number,
  to: number,
  family: string,
  name: string,
  bad: (n: number, why: string) => never,
  skipBlock: (from: number) => number,
): NftTable {
  const chains: NftChain[] = [];
  const sets: NftSet[] = [];
  let dormant = false;
  let i = from;
  while (i < to) {
    const line = stripHandle(lines[i] as string);
    if (line === '' || line.startsWith('#')) {
      i++;
      continue;
    }
    if (/^flags\s/.test(line)) {
      dormant ||= /\bdormant\b/.test(line);
      i++;
      continue;
    }
    const cm = /^chain\s+("[^"]*"|\S+)\s*\{/.exec(line);
    const sm = /^(set|map)\s+("[^"]*"|\S+)\s*\{/.exec(line);
    if (cm) {
      const end = skipBlock(i);
      chains.push(parseNftChain(lines, i, end, family, unquote(cm[1] as string), bad));
      i = end;
    } else if (sm) {
      const end = skipBlock(i);
      sets.push(parseNftSet(lines.slice(i, end).join('\n'), sm[1] as 'set' | 'map', unquote(sm[2] as string)));
      i = end;
    } else if (line.includes('{')) {
      i = skipBlock(i); // flowtable, counter, quota, ct helper/timeout/expectation, limit, secmark, synproxy
    } else {
      i++; // comment "..." and other table-level attributes
    }
  }
  return { family, name, dormant, chains, sets };
}

function parseNftChain(lines: readonly string[], open: number, end: number, family: string, name: string, bad: (n: number, why: string) => never): NftChain {
  let hook: NftHook | null = null;
  const rules: NftRuleText[] = [];
  // The chain may be printed on one line (`chain c { ... }`) in hand-written input; nft prints one statement a line.
  const first = (lines[open] as string).replace(/^\s*chain\s+("[^"]*"|\S+)\s*\{/, '');
  const body: { text: string; line: number }[] = [];
  if (first.trim() !== '') body.push({ text: first, line: open });
  for (let j = open + 1; j < end; j++) body.push({ text: lines[j] as string, line: j });
  // Drop the closing brace of the chain.
  for (let j = body.length - 1; j >= 0; j--) {
    const b = body[j] as { text: string; line: number };
    const k = b.text.lastIndexOf('}');
    if (k >= 0) {
      b.text = b.text.slice(0, k);
      break;
    }
  }
  let acc = '';
  let accLine = 0;
  let depth = 0;
  for (const b of body) {
    const t = b.text.trim();
    if (acc === '' && (t === '' || t.startsWith('#'))) continue;
    if (acc === '') accLine = b.line;
    acc = acc === '' ? t : `${acc} ${t}`;
    depth += braceDelta(t);
    if (depth > 0) continue;
    const stmt = stripHandle(acc);
    acc = '';
    depth = 0;
    const hm = /^type\s+(\S+)\s+hook\s+(\S+)(?:\s+devices?\s*=?\s*(\{[^}]*\}|"[^"]*"|\S+))?\s+priority\s+([^;]+);(?:\s*policy\s+(\w+)\s*;?)?/.exec(stmt);
    if (stmt.startsWith('type ') && !hm) bad(accLine, 'cannot read the base chain hook line');
    if (hm) {
      const devs = hm[3] ? hm[3].replace(/[{}]/g, '').split(',').map((d) => unquote(d.trim())).filter((d) => d !== '') : [];
      const policy = (hm[5] ?? 'accept').toLowerCase();
      if (policy !== 'accept' && policy !== 'drop') bad(accLine, `unknown chain policy ${policy}`);
      const prio = (hm[4] as string).trim();
      hook = { type: hm[1] as string, hook: hm[2] as string, priority: resolvePriority(prio, family), priorityText: prio, policy: policy as 'accept' | 'drop', devices: devs };
    }
    for (const s of splitStatements(hm ? stmt.slice(hm[0].length) : stmt)) {
      if (s === '') continue;
      if (/^policy\s+(accept|drop)\s*;?$/.test(s) && hook) {
        hook = { ...hook, policy: /drop/.test(s) ? 'drop' : 'accept' };
      } else if (/^comment\s+"/.test(s) && /^comment\s+"(?:[^"\\]|\\.)*"\s*;?$/.test(s)) {
        // chain comment
      } else {
        rules.push({ text: s, line: accLine + 1 });
      }
    }
  }
  return { name, hook, rules };
}

function parseNftSet(block: string, kind: 'set' | 'map', name: string): NftSet {
  const inner = block.slice(block.indexOf('{') + 1, block.lastIndexOf('}'));
  const type = /(?:^|[\s;])(?:type|typeof)\s+([^\n;]+)/.exec(inner)?.[1]?.trim() ?? '';
  const flags = (/(?:^|[\s;])flags\s+([^\n;]+)/.exec(inner)?.[1] ?? '').split(',').map((f) => f.trim()).filter((f) => f !== '');
  let elements: string[] = [];
  const e = inner.indexOf('elements');
  if (e >= 0) {
    const open = inner.indexOf('{', e);
    let depth = 0;
    let close = -1;
    for (let i = open; i < inner.length; i++) {
      if (inner[i] === '{') depth++;
      else if (inner[i] === '}' && --depth === 0) {
        close = i;
        break;
      }
    }
    if (open >= 0 && close > open) elements = splitTop(inner.slice(open + 1, close).replace(/\s+/g, ' '));
  }
  return { name, kind, type, flags, elements };
}
