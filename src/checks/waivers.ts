import { readFileSync, statSync } from 'node:fs';
import type { JSONSchemaType, ValidateFunction } from 'ajv';
import { WaiverFileError } from '../errors.js';
import { globToRegExp } from '../glob.js';
import type { HostReport, RuleResult, Waiver, WaiverState } from '../types.js';
import { validateWaiverFile } from './validators.generated.js';
import { loadYamlFile, valueAt } from './yaml-file.js';

interface WaiverFile {
  waivers: { rule: string; hosts?: string; domain?: string; justification: string; approver: string; expires: string }[];
}

/** The waivers-file schema (published by `migrate-preflight schema waivers`). */
export const WAIVER_FILE_SCHEMA: JSONSchemaType<WaiverFile> = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://migrate-preflight.dev/schema/waivers-1.json',
  title: 'migrate-preflight waivers file',
  type: 'object',
  additionalProperties: false,
  required: ['waivers'],
  properties: {
    waivers: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['rule', 'justification', 'approver', 'expires'],
        properties: {
          rule: { type: 'string', pattern: '^[a-z0-9.*?-]+$', description: 'rule id or glob' },
          hosts: { type: 'string', minLength: 1, nullable: true, description: "glob on either host's target or hostname" },
          domain: { type: 'string', minLength: 1, nullable: true, description: 'glob on the moving domain a per-domain result is about (pair-level results have none)' },
          justification: { type: 'string', minLength: 10 },
          approver: { type: 'string', minLength: 1 },
          expires: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'last day the waiver counts (UTC), YYYY-MM-DD' },
        },
      },
    },
  },
};

/** WAIVER_FILE_SCHEMA, compiled at build time (scripts/generate.ts writes it; test/unit/generated.test.ts keeps it in step). */
const validate = validateWaiverFile as ValidateFunction<WaiverFile>;
const MAX_BYTES = 1024 * 1024;

/** Parses and validates a waivers file; errors name file:line:column and the waiver. */
export function parseWaiverFile(text: string, file: string): Waiver[] {
  const doc = loadYamlFile(text, file, validate, WaiverFileError, (data, pointer) => {
    const m = /^\/waivers\/(\d+)/.exec(pointer);
    const rule = m ? valueAt(data, `/waivers/${m[1]}/rule`) : undefined;
    return typeof rule === 'string' ? `waiver for ${rule}` : null;
  });
  return doc.data.waivers.map((w, i) => {
    const d = new Date(`${w.expires}T00:00:00Z`);
    // Date() rolls 2030-02-31 over to March: compare the round trip.
    if (Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== w.expires) doc.fail(`/waivers/${i}/expires`, `"${w.expires}" is not a date`);
    return {
      rule: w.rule,
      hosts: w.hosts ?? null,
      domain: w.domain ?? null,
      justification: w.justification,
      approver: w.approver,
      expires: w.expires,
      source: { file: doc.file, line: doc.lineOf(`/waivers/${i}`) },
    };
  });
}

export function loadWaivers(file: string): Waiver[] {
  let text: string;
  try {
    if (statSync(file).size > MAX_BYTES) throw new WaiverFileError(`${file}: waivers file is larger than ${MAX_BYTES} bytes`);
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if (e instanceof WaiverFileError) throw e;
    throw new WaiverFileError(`${file}: cannot read waivers: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  return parseWaiverFile(text, file);
}

/** A waiver counts through the whole of its expiry day (UTC). */
export function isExpired(w: Waiver, now: Date): boolean {
  return now.toISOString().slice(0, 10) > w.expires;
}

/** Whether a waiver names this rule, (if it has a domain pattern) its domain, and (if it has a host pattern) either host of the pair. */
export function covers(w: Waiver, r: Pick<RuleResult, 'id' | 'domain'>, hosts: { src: Pick<HostReport, 'target' | 'hostname'>; dst: Pick<HostReport, 'target' | 'hostname'> }): boolean {
  if (!globToRegExp(w.rule, { ignoreCase: true }).test(r.id)) return false;
  // A domain pattern covers only results about a matching domain, never the pair as a whole.
  if (w.domain != null && (r.domain == null || !globToRegExp(w.domain).test(r.domain))) return false;
  if (w.hosts === null) return true;
  const re = globToRegExp(w.hosts, { ignoreCase: true });
  return [hosts.src, hosts.dst].some((h) => re.test(h.target) || (h.hostname !== null && re.test(h.hostname)));
}

/**
 * Turns failures covered by an unexpired waiver into `waived` (they no longer fail the gate) and
 * says what became of every waiver. An expired waiver covers nothing and is reported as expired.
 */
export function applyWaivers(
  results: readonly RuleResult[],
  waivers: readonly Waiver[],
  hosts: { src: HostReport; dst: HostReport },
  now: Date,
): { results: RuleResult[]; waivers: WaiverState[] } {
  const state = new Map<Waiver, WaiverState['state']>(waivers.map((w) => [w, isExpired(w, now) ? 'expired' : 'unused']));
  const out = results.map((r): RuleResult => {
    if (r.status !== 'fail') return r;
    const w = waivers.find((x) => !isExpired(x, now) && covers(x, r, hosts));
    if (!w) return r;
    state.set(w, 'applied');
    return { ...r, status: 'waived', waiver: w };
  });
  return { results: out, waivers: waivers.map((w) => ({ ...w, state: state.get(w) ?? 'unused' })) };
}
