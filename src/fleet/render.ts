/**
 * Renderers of the fleet report (`migrate-preflight fleet`): console (render-console.ts), HTML
 * (render-html.ts) and JSON. Pure: the output depends on the report only. Hosts are untrusted:
 * every string that came from one (and, to be safe, every string at all) is sanitised for the
 * terminal or escaped for HTML.
 */
import { jsonChunks } from '../report/json-chunks.js';
import type { FleetReport } from './types.js';

export { renderFleetConsole, type FleetConsoleContext } from './render-console.js';
export { renderFleetHtml } from './render-html.js';
export { FLEET_GLYPH } from './render-layout.js';

/** The fleet report as saved, in pieces (a large fleet's report is longer than a string can be): the whole object, indented. */
export function* fleetJsonChunks(report: FleetReport): Generator<string> {
  yield* jsonChunks(report);
  yield '\n';
}

/** The fleet report as saved, as one string (small fleets; `fleet --json` writes fleetJsonChunks). */
export function renderFleetJson(report: FleetReport): string {
  return [...fleetJsonChunks(report)].join('');
}
