import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { ReportReadError } from '../errors.js';
import type { Report } from '../types.js';
import { REPORT_SCHEMA } from './report-schema.js';

/**
 * A validator of a schema, compiled on first use (~60 ms, ajv itself ~25 ms to load): only the
 * commands that read reports pay for it, not a plain check.
 */
export function lazyValidator<T>(schema: object): ValidateFunction<T> {
  let compiled: ValidateFunction<T> | null = null;
  const validate = ((data: unknown) => {
    if (compiled === null) {
      const { Ajv } = createRequire(import.meta.url)('ajv') as typeof import('ajv');
      const ajv = new Ajv({ allErrors: false, strict: false });
      // date-time without ajv-formats: an ISO-8601 timestamp as Date#toISOString writes it.
      ajv.addFormat('date-time', /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/);
      compiled = ajv.compile<T>(schema);
    }
    const ok = compiled(data);
    validate.errors = compiled.errors;
    return ok;
  }) as ValidateFunction<T>;
  validate.errors = null;
  return validate;
}

const reportValidator = lazyValidator<Report>(REPORT_SCHEMA);

/** Validates a parsed report against the published schema; `validateReport.errors` says why not. */
export function validateReport(data: unknown): data is Report {
  const ok = reportValidator(data);
  validateReport.errors = reportValidator.errors;
  return ok;
}
validateReport.errors = null as ErrorObject[] | null | undefined;

/** The first schema error, as `/path message`. */
export const schemaError = (errors: ErrorObject[] | null | undefined): string => `${errors?.[0]?.instancePath || '/'} ${errors?.[0]?.message ?? 'invalid'}`;

/**
 * Reads a saved JSON file (a report) of at most 512 MiB.
 * @throws ReportReadError naming the file: unreadable, too large, not JSON.
 */
export function readJsonFile(path: string): { data: unknown; sha256: string } {
  let text: string;
  try {
    if (statSync(path).size > 512 * 1024 * 1024) throw new ReportReadError(`${path}: larger than 512 MiB; not a report`);
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if (e instanceof ReportReadError) throw e;
    throw new ReportReadError(`cannot read report ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  try {
    return { data: JSON.parse(text), sha256: createHash('sha256').update(text).digest('hex') };
  } catch (e) {
    throw new ReportReadError(`${path}: not JSON: ${(e as Error).message}`);
  }
}

/** Reads a saved JSON report (for replay and --baseline), validated against its schema. */
export function readReport(path: string): { report: Report; path: string; sha256: string } {
  const { data, sha256 } = readJsonFile(path);
  if (!validateReport(data)) throw new ReportReadError(`${path}: not a migrate-preflight report (schemaVersion 1): ${schemaError(validateReport.errors)}`);
  return { report: data, path, sha256 };
}
