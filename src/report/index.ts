import type { Report } from '../types.js';
import { renderConsole, type ConsoleContext } from './console.js';
import { renderJson } from './json.js';

/** A pure renderer: a report in, the file's text out. */
export type Reporter = (report: Report, ctx: ConsoleContext) => string;

/** File formats, by the option that asks for them. */
export const REPORTERS = {
  json: (r) => renderJson(r),
  console: renderConsole,
} satisfies Record<string, Reporter>;

export type ReportFormat = keyof typeof REPORTERS;
