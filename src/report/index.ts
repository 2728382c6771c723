import type { Report } from '../types.js';

/** What a renderer may need besides the report. */
export interface ReportContext {
  /** Colour escapes (console only). */
  readonly color: boolean;
  /** Only failures, errors and the summary (console only). */
  readonly quiet: boolean;
  /** sha256 of the JSON report of this run, so every format can cite the evidence file. */
  readonly reportSha256: string;
}

/** A pure renderer: a report in, the file's text out. */
export type Reporter = (report: Report, ctx: ReportContext) => string;

/**
 * File formats by the option that asks for them. Loaded on demand: a run that writes no HTML
 * does not pay for the HTML renderer at start-up.
 */
export const REPORTERS = {
  json: async () => (await import('./json.js')).renderJson as Reporter,
  junit: async () => (await import('./junit.js')).renderJunit,
  html: async () => (await import('./html.js')).renderHtml,
  markdown: async () => (await import('./markdown.js')).renderMarkdown,
} satisfies Record<string, () => Promise<Reporter>>;

export type FileFormat = keyof typeof REPORTERS;
export const FORMAT_LABEL: Record<FileFormat, string> = { json: 'JSON', junit: 'JUnit XML', html: 'HTML', markdown: 'Markdown' };
export const FILE_FORMATS = Object.keys(REPORTERS) as FileFormat[];
