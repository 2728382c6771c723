import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { ReportReadError } from '../errors.js';
import type { Report } from '../types.js';
import { REPORT_SCHEMA } from './report-schema.js';

let compiled: ValidateFunction<Report> | null = null;

/**
 * Validates a parsed report against the published schema; `validateReport.errors` says why not.
 * Compiled on first use (~60 ms): only replay and --baseline read reports, not a plain check.
 */
export function validateReport(data: unknown): data is Report {
  if (compiled === null) {
    // ajv itself is loaded here too (~25 ms): a plain check never reads a report.
    const { Ajv } = createRequire(import.meta.url)('ajv') as typeof import('ajv');
    const ajv = new Ajv({ allErrors: false, strict: false });
    // date-time without ajv-formats: an ISO-8601 timestamp as Date#toISOString writes it.
    ajv.addFormat('date-time', /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/);
    compiled = ajv.compile<Report>(REPORT_SCHEMA);
  }
  const ok = compiled(data);
  validateReport.errors = compiled.errors;
  return ok;
}
validateReport.errors = null as ErrorObject[] | null | undefined;

/** Reads a saved JSON report (for replay and --baseline), validated against its schema. */
export function readReport(path: string): { report: Report; path: string; sha256: string } {
  let text: string;
  try {
    if (statSync(path).size > 512 * 1024 * 1024) throw new ReportReadError(`${path}: larger than 512 MiB; not a report`);
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if (e instanceof ReportReadError) throw e;
    throw new ReportReadError(`cannot read report ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new ReportReadError(`${path}: not JSON: ${(e as Error).message}`);
  }
  if (!validateReport(data)) {
    const e = validateReport.errors?.[0];
    throw new ReportReadError(`${path}: not a migrate-preflight report (schemaVersion 1): ${e?.instancePath || '/'} ${e?.message ?? 'invalid'}`);
  }
  return { report: data, path, sha256: createHash('sha256').update(text).digest('hex') };
}
