import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Ajv, type ErrorObject } from 'ajv';
import { EVENT_ID, getScalarValue, load, parseEvents, YAMLException, type Event } from 'js-yaml';
import { RuleFileError } from '../errors.js';
import { BUILTIN_RULES_DIR, PACKAGE_ROOT } from '../paths.js';
import { asList, HOST_OPERATORS, OPERATORS, RULE_FILE_SCHEMA, type RuleFile, type RuleSpec } from './rule-schema.js';

/** A rule with where it came from. */
export interface Rule extends RuleSpec {
  readonly source: { readonly file: string; readonly line: number };
}

export interface RuleSet {
  readonly rules: readonly Rule[];
  readonly files: readonly { path: string; sha256: string }[];
}

/** Rule files larger than this are refused before parsing (a rule set is a few KiB). */
export const MAX_RULE_FILE_BYTES = 1024 * 1024;

const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
const validateRuleFile = ajv.compile(RULE_FILE_SCHEMA);

interface Pos {
  line: number;
  column: number;
}

/** Maps each JSON pointer in a YAML document to the position of its value and (in mappings) its key. */
function positions(text: string, file: string): Map<string, { value: number; key: number | null }> {
  const events: Event[] = parseEvents(text, { filename: file });
  const map = new Map<string, { value: number; key: number | null }>();
  type Frame = { kind: 'map' | 'seq'; pointer: string; index: number; pendingKey: { name: string; at: number } | null };
  const stack: Frame[] = [];
  const place = (): { pointer: string; key: number | null } | null => {
    const top = stack[stack.length - 1];
    if (!top) return { pointer: '', key: null };
    if (top.kind === 'seq') return { pointer: `${top.pointer}/${top.index++}`, key: null };
    if (top.pendingKey === null) return null; // this node is a key
    const k = top.pendingKey;
    top.pendingKey = null;
    return { pointer: `${top.pointer}/${k.name.replace(/~/g, '~0').replace(/\//g, '~1')}`, key: k.at };
  };
  for (const ev of events) {
    if (ev.type === EVENT_ID.MAPPING || ev.type === EVENT_ID.SEQUENCE) {
      const p = place();
      const pointer = p?.pointer ?? '';
      if (p) map.set(pointer, { value: ev.start, key: p.key });
      stack.push({ kind: ev.type === EVENT_ID.MAPPING ? 'map' : 'seq', pointer, index: 0, pendingKey: null });
    } else if (ev.type === EVENT_ID.SCALAR || ev.type === EVENT_ID.ALIAS) {
      const start = ev.type === EVENT_ID.SCALAR ? ev.valueStart : ev.anchorStart;
      const top = stack[stack.length - 1];
      if (top?.kind === 'map' && top.pendingKey === null && ev.type === EVENT_ID.SCALAR) {
        top.pendingKey = { name: getScalarValue(text, ev), at: start };
        continue;
      }
      const p = place();
      if (p) map.set(p.pointer, { value: start, key: p.key });
    } else if (ev.type === EVENT_ID.POP) {
      stack.pop();
    }
  }
  return map;
}

function lineCol(text: string, offset: number): Pos {
  let line = 1;
  let last = -1;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      last = i;
    }
  }
  return { line, column: offset - last };
}

function describeAjvError(e: ErrorObject, data: unknown): { message: string; pointer: string; atKey: boolean } {
  const field = e.instancePath.split('/').pop() ?? '';
  switch (e.keyword) {
    case 'enum': {
      const allowed = (e.params as { allowedValues: unknown[] }).allowedValues.join(', ');
      const value = JSON.stringify(valueAt(data, e.instancePath));
      if (field === 'op') return { message: `unknown operator ${value}; expected one of ${OPERATORS.join(', ')}`, pointer: e.instancePath, atKey: false };
      return { message: `${field} ${value} is not one of ${allowed}`, pointer: e.instancePath, atKey: false };
    }
    case 'additionalProperties': {
      const extra = (e.params as { additionalProperty: string }).additionalProperty;
      return { message: `unknown key "${extra}"`, pointer: `${e.instancePath}/${extra}`, atKey: true };
    }
    case 'required':
      return { message: `missing "${(e.params as { missingProperty: string }).missingProperty}"`, pointer: e.instancePath, atKey: false };
    case 'pattern':
      return { message: `${field} ${JSON.stringify(valueAt(data, e.instancePath))} is malformed (must match ${(e.params as { pattern: string }).pattern})`, pointer: e.instancePath, atKey: false };
    default:
      return { message: `${field || 'document'} ${e.message ?? 'is invalid'}`, pointer: e.instancePath, atKey: false };
  }
}

function valueAt(data: unknown, pointer: string): unknown {
  let cur: unknown = data;
  for (const part of pointer.split('/').slice(1)) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return cur;
}

function ruleIdAt(data: unknown, pointer: string): string | null {
  const m = /^\/rules\/(\d+)/.exec(pointer);
  if (!m) return null;
  const id = valueAt(data, `/rules/${m[1]}/id`);
  return typeof id === 'string' ? id : null;
}

function displayPath(file: string): string {
  const rel = relative(PACKAGE_ROOT, file);
  return rel.startsWith('..') ? file : rel;
}

/**
 * Parses and validates one rule file. Errors name the file, line, column and rule id:
 * "rules/site.yaml:14:5 rule cpu.x: unknown operator "equals"; expected one of ...".
 */
export function parseRuleFile(text: string, file: string): Rule[] {
  const shown = displayPath(file);
  let data: unknown;
  try {
    data = load(text, { filename: shown, maxAliases: 100, maxTotalMergeKeys: 1000 });
  } catch (e) {
    if (e instanceof YAMLException) {
      const where = e.mark ? `${shown}:${e.mark.line + 1}:${e.mark.column + 1}` : shown;
      throw new RuleFileError(`${where} ${e.reason}`);
    }
    throw e;
  }
  const pos = positions(text, shown);
  const at = (pointer: string, atKey = false): string => {
    let p = pointer;
    while (!pos.has(p) && p !== '') p = p.slice(0, p.lastIndexOf('/'));
    const entry = pos.get(p);
    const offset = entry ? (atKey && entry.key !== null ? entry.key : entry.value) : 0;
    const { line, column } = lineCol(text, offset);
    return `${shown}:${line}:${column}`;
  };
  const fail = (pointer: string, message: string, atKey = false): never => {
    const id = ruleIdAt(data, pointer);
    throw new RuleFileError(`${at(pointer, atKey)}${id ? ` rule ${id}` : ''}: ${message}`);
  };

  if (!validateRuleFile(data)) {
    const errors = validateRuleFile.errors ?? [];
    // The deepest error is the most specific one ("unknown operator" beats "rules/3 is invalid").
    const e = [...errors].sort((a, b) => b.instancePath.length - a.instancePath.length)[0];
    if (!e) fail('', 'invalid rule file');
    const d = describeAjvError(e as ErrorObject, data);
    fail(d.pointer, d.message, d.atKey);
  }
  const rf = data as RuleFile;
  const seen = new Map<string, number>();
  return rf.rules.map((r, i) => {
    const prev = seen.get(r.id);
    if (prev !== undefined) fail(`/rules/${i}/id`, `duplicate id (first defined at ${at(`/rules/${prev}/id`)})`);
    seen.set(r.id, i);
    const asserts = asList(r.assert);
    asserts.forEach((a, j) => {
      const ptr = Array.isArray(r.assert) ? `/rules/${i}/assert/${j}` : `/rules/${i}/assert`;
      const host = (HOST_OPERATORS as readonly string[]).includes(a.op);
      if (a.path !== undefined && (a.src !== undefined || a.dst !== undefined)) fail(ptr, 'assert takes "path" or "src"/"dst", not both');
      if (!host && a.path === undefined && (a.src === undefined || a.dst === undefined)) fail(ptr, 'assert needs "path", or both "src" and "dst"');
      if (host && a.path === undefined && a.src === undefined && a.dst === undefined) fail(ptr, 'assert needs "path" (or "src"/"dst" for one side)');
      if (a.op === 'matches') {
        if (a.pattern === undefined) fail(ptr, 'matches needs "pattern"');
        try {
          new RegExp(a.pattern as string);
        } catch (e) {
          fail(`${ptr}/pattern`, `bad regular expression: ${(e as Error).message}`);
        }
      }
      if (a.op === 'within' && a.tolerance === undefined) fail(ptr, 'within needs "tolerance"');
      if (a.op === 'match' && a.key === undefined) fail(ptr, 'match needs "key"');
      if (a.op === 'in' && a.values === undefined) fail(ptr, 'in needs "values"');
      if (a.op === 'at-least' && a.value === undefined) fail(ptr, 'at-least needs "value"');
    });
    return { ...r, source: { file: shown, line: lineCol(text, pos.get(`/rules/${i}`)?.value ?? 0).line } };
  });
}

function readRuleText(file: string): string {
  let size: number;
  try {
    size = statSync(file).size;
  } catch (e) {
    throw new RuleFileError(`${file}: cannot read rule file: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  if (size > MAX_RULE_FILE_BYTES) throw new RuleFileError(`${file}: rule file is ${size} bytes; the limit is ${MAX_RULE_FILE_BYTES}`);
  return readFileSync(file, 'utf8');
}

function yamlFilesIn(path: string): string[] {
  let st;
  try {
    st = statSync(path);
  } catch (e) {
    throw new RuleFileError(`${path}: cannot read rules: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  if (!st.isDirectory()) return [path];
  return readdirSync(path)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => join(path, f));
}

/**
 * Loads the built-in rules, then each -r file or directory in order; a later rule with the same
 * id replaces the earlier one (site rules override built-ins).
 */
export function loadRules(extra: readonly string[] = [], opts: { builtin?: boolean } = {}): RuleSet {
  const paths = [...(opts.builtin === false ? [] : [BUILTIN_RULES_DIR]), ...extra].flatMap(yamlFilesIn);
  const byId = new Map<string, Rule>();
  const files: { path: string; sha256: string }[] = [];
  for (const file of paths) {
    const text = readRuleText(file);
    files.push({ path: displayPath(file), sha256: createHash('sha256').update(text).digest('hex') });
    for (const r of parseRuleFile(text, file)) {
      byId.delete(r.id); // keep the overriding file's order
      byId.set(r.id, r);
    }
  }
  return { rules: [...byId.values()], files };
}

function globToRegExp(glob: string): RegExp {
  return new RegExp(`^${glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
}

/** Whether a selector (id, id glob, or `tag:name` / bare tag) picks a rule. */
function selects(sel: string, r: RuleSpec): boolean {
  if (sel.startsWith('tag:')) return (r.tags ?? []).includes(sel.slice(4));
  return globToRegExp(sel).test(r.id) || (r.tags ?? []).includes(sel);
}

/** Applies --only and --skip. */
export function selectRules<R extends RuleSpec>(rules: readonly R[], only: readonly string[], skip: readonly string[]): R[] {
  return rules.filter((r) => (only.length === 0 || only.some((s) => selects(s, r))) && !skip.some((s) => selects(s, r)));
}
