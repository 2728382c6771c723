import type { ErrorObject, ValidateFunction } from 'ajv';
import type { Event } from 'js-yaml';
import { createRequire } from 'node:module';
import { relative } from 'node:path';
import type { PreflightError } from '../errors.js';
import { PACKAGE_ROOT } from '../paths.js';
import { OPERATORS } from './operators/index.js';

/**
 * js-yaml, loaded the first time a YAML file is read: a run on the built-in rules alone (parsed at
 * build time, rules.generated.ts) and no waivers never loads it.
 */
let yamlLib: typeof import('js-yaml') | undefined;
const yaml = (): typeof import('js-yaml') => (yamlLib ??= createRequire(import.meta.url)('js-yaml') as typeof import('js-yaml'));

interface Pos {
  line: number;
  column: number;
}

/** Maps each JSON pointer in a YAML document to the position of its value and (in mappings) its key. */
function positions(text: string, file: string): Map<string, { value: number; key: number | null }> {
  const { EVENT_ID, getScalarValue, parseEvents } = yaml();
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

export function valueAt(data: unknown, pointer: string): unknown {
  let cur: unknown = data;
  for (const part of pointer.split('/').slice(1)) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return cur;
}

export function displayPath(file: string): string {
  const rel = relative(PACKAGE_ROOT, file);
  return rel.startsWith('..') ? file : rel;
}

/** A parsed, validated YAML file that can point at its own lines. */
export interface YamlDoc<T> {
  readonly data: T;
  /** The file as shown in messages (relative to the package for built-ins). */
  readonly file: string;
  /** "file:line:column" of the value (or, with atKey, the key) at a JSON pointer. */
  at(pointer: string, atKey?: boolean): string;
  lineOf(pointer: string): number;
  /** Throws the file's error class with the position and a label ("rule cpu.x") for the pointer. */
  fail(pointer: string, message: string, atKey?: boolean): never;
}

type ErrorClass = new (message: string) => PreflightError;

/**
 * Parses YAML (aliases and merge keys bounded), validates it with ajv, and reports the first
 * problem as "file:line:column label: what is wrong" with the given error class.
 */
export function loadYamlFile<T>(
  text: string,
  file: string,
  validate: ValidateFunction<T>,
  ErrorClass: ErrorClass,
  label: (data: unknown, pointer: string) => string | null,
): YamlDoc<T> {
  const shown = displayPath(file);
  const { load, YAMLException } = yaml();
  let data: unknown;
  try {
    data = load(text, { filename: shown, maxAliases: 100, maxTotalMergeKeys: 1000 });
  } catch (e) {
    if (e instanceof YAMLException) {
      const where = e.mark ? `${shown}:${e.mark.line + 1}:${e.mark.column + 1}` : shown;
      throw new ErrorClass(`${where} ${e.reason}`);
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
    const l = label(data, pointer);
    throw new ErrorClass(`${at(pointer, atKey)}${l ? ` ${l}` : ''}: ${message}`);
  };
  if (!validate(data)) {
    const errors = validate.errors ?? [];
    // The deepest error is the most specific one ("unknown operator" beats "rules/3 is invalid");
    // at equal depth a misspelt key explains the "missing" one it causes, so it goes first.
    const rank = (x: ErrorObject): number => (x.keyword === 'additionalProperties' ? 0 : x.keyword === 'required' ? 2 : 1);
    const e = [...errors].sort((a, b) => b.instancePath.length - a.instancePath.length || rank(a) - rank(b))[0];
    if (!e) fail('', 'invalid file');
    const d = describeAjvError(e as ErrorObject, data);
    fail(d.pointer, d.message, d.atKey);
  }
  return { data: data as T, file: shown, at, fail, lineOf: (pointer) => lineCol(text, pos.get(pointer)?.value ?? 0).line };
}
