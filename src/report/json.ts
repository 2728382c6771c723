import type { Report } from '../types.js';

/** The JSON report of the contract (schemaVersion 1); key order follows the Report type. */
export function renderJson(report: Report): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
