import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { RuleFileError, UsageError } from '../errors.js';
import { globToRegExp } from '../glob.js';
import { byCodeUnit } from '../order.js';
import { BUILTIN_RULES_DIR } from '../paths.js';
import type { OperatorDef } from './operators/define.js';
import { operatorNamed } from './operators/index.js';
import { asList, type RuleFile, type RuleSpec } from './rule-schema.js';

/** What every assertion may carry besides its operator's parameters. */
const COMMON_KEYS = new Set(['op', 'path', 'src', 'dst', 'side', 'message']);
import type { ValidateFunction } from 'ajv';
import { BUILTIN_RULE_FILES } from './rules.generated.js';
import { validateRuleFile as precompiled } from './validators.generated.js';
import { displayPath, loadYamlFile, valueAt } from './yaml-file.js';

/** A rule with where it came from. */
export interface Rule extends RuleSpec {
  readonly source: { readonly file: string; readonly line: number };
}

export interface RuleSet {
  readonly rules: readonly Rule[];
  readonly files: readonly { path: string; sha256: string }[];
  /** How many loaded rules --only/--skip left out. */
  readonly leftOut?: number;
}

/** Rule files larger than this are refused before parsing (a rule set is a few KiB). */
export const MAX_RULE_FILE_BYTES = 1024 * 1024;

/** RULE_FILE_SCHEMA, compiled at build time (scripts/generate.ts writes it; test/unit/generated.test.ts keeps it in step). */
const validateRuleFile = precompiled as ValidateFunction<RuleFile>;

function ruleIdAt(data: unknown, pointer: string): string | null {
  const m = /^\/rules\/(\d+)/.exec(pointer);
  if (!m) return null;
  const id = valueAt(data, `/rules/${m[1]}/id`);
  return typeof id === 'string' ? id : null;
}

/**
 * Parses and validates one rule file. Errors name the file, line, column and rule id:
 * "rules/site.yaml:14:5 rule cpu.x: unknown operator "equals"; expected one of ...".
 */
export function parseRuleFile(text: string, file: string): Rule[] {
  const doc = loadYamlFile(text, file, validateRuleFile, RuleFileError, (data, pointer) => {
    const id = ruleIdAt(data, pointer);
    return id ? `rule ${id}` : null;
  });
  const { data, at, fail } = doc;
  const rf = data as RuleFile;
  const seen = new Map<string, number>();
  return rf.rules.map((r, i) => {
    const prev = seen.get(r.id);
    if (prev !== undefined) fail(`/rules/${i}/id`, `duplicate id (first defined at ${at(`/rules/${prev}/id`)})`);
    seen.set(r.id, i);
    const asserts = asList(r.assert);
    asserts.forEach((a, j) => {
      const ptr = Array.isArray(r.assert) ? `/rules/${i}/assert/${j}` : `/rules/${i}/assert`;
      const def = operatorNamed(a.op) as OperatorDef; // the schema admits known operators only
      const host = def.kind === 'host';
      if (a.path !== undefined && (a.src !== undefined || a.dst !== undefined)) fail(ptr, 'assert takes "path" or "src"/"dst", not both');
      if (!host && a.path === undefined && (a.src === undefined || a.dst === undefined)) fail(ptr, 'assert needs "path", or both "src" and "dst"');
      if (host && a.path === undefined && a.src === undefined && a.dst === undefined) fail(ptr, 'assert needs "path" (or "src"/"dst" for one side)');
      // The parameters: those the operator declares, and all it requires (operators/<name>.ts).
      const takes = Object.keys(def.params);
      for (const k of Object.keys(a)) {
        if (!COMMON_KEYS.has(k) && !takes.includes(k)) fail(`${ptr}/${k}`, `${a.op} takes no "${k}"${takes.length ? ` (it takes ${takes.map((t) => `"${t}"`).join(', ')})` : ''}`);
      }
      for (const k of def.required ?? []) if ((a as Record<string, unknown>)[k] === undefined) fail(ptr, `${a.op} needs "${k}"`);
      const bad = def.check?.(a as never);
      if (bad) fail(`${ptr}/${bad.param}`, bad.problem);
    });
    return { ...r, source: { file: doc.file, line: doc.lineOf(`/rules/${i}`) } };
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
 * The rules of a built-in file as parsed at build time (rules.generated.ts), when the file is the
 * one they were parsed from (same name, same sha256); else null and the file is parsed here.
 */
function prebuilt(file: string, sha256: string): Rule[] | null {
  const g = BUILTIN_RULE_FILES.find((f) => f.name === basename(file) && f.sha256 === sha256);
  return g ? (JSON.parse(g.json) as Rule[]) : null;
}

/**
 * Loads the built-in rules, then each -r file or directory in order; a later rule with the same
 * id replaces the earlier one (site rules override built-ins). Every file is read and hashed (its
 * sha256 goes in the report); the built-in ones are not parsed again when they are the files
 * `npm run gen` parsed.
 */
export function loadRules(extra: readonly string[] = [], opts: { builtin?: boolean } = {}): RuleSet {
  const builtin = opts.builtin === false ? [] : yamlFilesIn(BUILTIN_RULES_DIR);
  const paths = [...builtin, ...extra.flatMap(yamlFilesIn)];
  const byId = new Map<string, Rule>();
  const files: { path: string; sha256: string }[] = [];
  for (const [i, file] of paths.entries()) {
    const text = readRuleText(file);
    const sha256 = createHash('sha256').update(text).digest('hex');
    files.push({ path: displayPath(file), sha256 });
    for (const r of (i < builtin.length ? prebuilt(file, sha256) : null) ?? parseRuleFile(text, file)) {
      byId.delete(r.id); // keep the overriding file's order
      byId.set(r.id, r);
    }
  }
  return { rules: [...byId.values()], files };
}

/** Whether a selector (id, id glob, or `tag:name` / bare tag) picks a rule. */
function selects(sel: string, r: RuleSpec): boolean {
  if (sel.startsWith('tag:')) return (r.tags ?? []).includes(sel.slice(4));
  return globToRegExp(sel).test(r.id) || (r.tags ?? []).includes(sel);
}

/** Edit distance (Levenshtein), for "did you mean". */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length] as number;
}

/** Up to three rule ids or tags nearest to a selector that matched nothing. */
function nearest(sel: string, rules: readonly RuleSpec[]): string[] {
  const bare = sel.startsWith('tag:') ? sel.slice(4) : sel;
  const names = [...new Set([...rules.map((r) => r.id), ...rules.flatMap((r) => (r.tags ?? []).map((t) => `tag:${t}`))])];
  const scored = names.map((n) => ({ n, d: distance(bare, n.startsWith('tag:') ? n.slice(4) : n) })).filter((x) => x.d <= Math.max(2, Math.floor(bare.length / 3)));
  return scored.sort((a, b) => a.d - b.d || byCodeUnit(a.n, b.n)).slice(0, 3).map((x) => x.n);
}

/**
 * Applies --only and --skip. A selector that picks no rule is a usage error (a typo must not turn
 * a gate green), and so is a selection that leaves no rule at all.
 * @throws UsageError naming the selector and the nearest ids or tags.
 */
export function selectRules<R extends RuleSpec>(rules: readonly R[], only: readonly string[], skip: readonly string[]): R[] {
  for (const [flag, sels] of [['--only', only], ['--skip', skip]] as const) {
    for (const sel of sels) {
      if (rules.some((r) => selects(sel, r))) continue;
      const near = nearest(sel, rules);
      throw new UsageError(`${flag} ${JSON.stringify(sel)} matches no rule${near.length ? `; nearest: ${near.join(', ')}` : ''} (migrate-preflight rules list)`);
    }
  }
  const chosen = rules.filter((r) => (only.length === 0 || only.some((s) => selects(s, r))) && !skip.some((s) => selects(s, r)));
  if (chosen.length === 0 && rules.length > 0) throw new UsageError(`${[...only.map((s) => `--only ${s}`), ...skip.map((s) => `--skip ${s}`)].join(' ')} leave${only.length + skip.length === 1 ? 's' : ''} no rule to evaluate`);
  return chosen;
}

/** A rule set narrowed by --only and --skip, counting what they left out. */
export function selectRuleSet(set: RuleSet, only: readonly string[], skip: readonly string[]): RuleSet {
  const rules = selectRules(set.rules, only, skip);
  return { ...set, rules, leftOut: set.rules.length - rules.length };
}
