/**
 * The view layer every reporter shares (console, HTML, Markdown, JUnit, the fleet report): the
 * verdict (one mapping from exit code to word, tone and colour), labels, ordering and formatting
 * of what a report says. Format-neutral: nothing here escapes or marks up; each renderer does that
 * to what it takes from here.
 */
import type { HostReport, Report, RuleResult, Status, WaiverState } from '../types.js';
import { SEVERITIES } from '../types.js';
import type { FleetReport } from '../fleet/types.js';
import { covers } from '../checks/waivers.js';
import { atOrAbove } from '../checks/evaluate.js';

/** The key every report shows a result by (the rule id, and the domain for per-domain results: "storage.disk-cache [web01]"). */
export { resultKey } from '../checks/drift.js';

// ---------------------------------------------------------------------------------------------
// Verdicts
// ---------------------------------------------------------------------------------------------

/** The board's one-word answer, from the exit code: 0 GO, 1 NO-GO, anything else INCOMPLETE. */
export type Verdict = 'GO' | 'NO-GO' | 'INCOMPLETE';

/** Every verdict word a report shows: a run's or a fleet pair's (Verdict), or a domain's, which may be UNKNOWN. */
export type VerdictWord = Verdict | 'UNKNOWN';

/** Verdicts as the data holds them: a fleet pair's (go, no-go, incomplete) and a domain's (go, no-go, unknown). */
export type VerdictKey = 'go' | 'no-go' | 'incomplete' | 'unknown';

/** A run's (or a fleet's) verdict from its exit code: 0 GO, 1 NO-GO, anything else INCOMPLETE. */
export function verdictOfExit(exitCode: number): Verdict {
  return VERDICT_WORD[pairVerdictOfExit(exitCode)] as Verdict;
}

/** The same mapping as the data holds it (a fleet pair's verdict): 0 go, 1 no-go, anything else incomplete. */
export function pairVerdictOfExit(exitCode: number): 'go' | 'no-go' | 'incomplete' {
  return exitCode === 0 ? 'go' : exitCode === 1 ? 'no-go' : 'incomplete';
}

export function verdictOf(report: Report): Verdict {
  return verdictOfExit(report.summary.exitCode);
}

/** The word for a pair's or a domain's verdict. */
export const VERDICT_WORD: Record<VerdictKey, VerdictWord> = { go: 'GO', 'no-go': 'NO-GO', incomplete: 'INCOMPLETE', unknown: 'UNKNOWN' };

/** How a verdict is shown, in every format. */
export interface VerdictLook {
  /** CSS: `v-<tone>` on a verdict box (verdictClass), `c-<tone>` on a fleet matrix cell. */
  readonly tone: 'go' | 'nogo' | 'incomplete';
  /** The result status whose colours it wears (badge `s-<status>`, table row `row-<status>`). */
  readonly status: Extract<Status, 'pass' | 'fail' | 'error'>;
  /** The Markdown report's mark. */
  readonly icon: string;
  /** The terminal colour (a chalk colour). */
  readonly colour: 'green' | 'red' | 'magenta';
}

export const VERDICT_LOOK: Record<VerdictWord, VerdictLook> = {
  GO: { tone: 'go', status: 'pass', icon: '✅', colour: 'green' },
  'NO-GO': { tone: 'nogo', status: 'fail', icon: '⛔', colour: 'red' },
  INCOMPLETE: { tone: 'incomplete', status: 'error', icon: '⚠️', colour: 'magenta' },
  UNKNOWN: { tone: 'incomplete', status: 'error', icon: '⚠️', colour: 'magenta' },
};

/** The look of a pair's or a domain's verdict. */
export function lookOf(v: VerdictKey): VerdictLook {
  return VERDICT_LOOK[VERDICT_WORD[v]];
}

/** The CSS class of a verdict box: v-go, v-nogo, v-incomplete. */
export function verdictClass(v: VerdictWord): string {
  return `v-${VERDICT_LOOK[v].tone}`;
}

/** One sentence saying why the verdict is what it is. */
export function verdictReason(report: Report): string {
  const failOn = report.options.failOn;
  const v = verdictOf(report);
  if (v === 'GO') {
    return failOn === 'never' ? 'The gate is disabled (--fail-on never).' : `No failure at or above ${failOn} severity.`;
  }
  if (v === 'NO-GO') {
    const n = report.results.filter((r) => r.status === 'fail' && atOrAbove(r.severity, failOn)).length;
    return `${plural(n, 'rule fails', 'rules fail')} at or above ${failOn} severity.`;
  }
  if (report.summary.interrupted) return `The run was interrupted (${report.summary.interrupted}); this report holds what was collected until then.`;
  if (report.summary.ungated) return `No rule at or above ${failOn} severity was decided (all skipped or below it): nothing to give a GO on.`;
  const down = (['src', 'dst'] as const).filter((s) => !report.hosts[s].reachable);
  if (down.length > 0) return `The ${down.map((s) => (s === 'src' ? 'source' : 'destination')).join(' and ')} could not be probed; the checks are incomplete.`;
  return `A rule at or above ${failOn} severity could not be evaluated; the checks are incomplete.`;
}

/** One sentence saying why the fleet's verdict is what it is. */
export function fleetVerdictReason(report: FleetReport): string {
  const s = report.summary;
  const o = report.options;
  const v = verdictOfExit(s.exitCode);
  return v === 'GO'
    ? `Every pair can migrate${o.failOn === 'never' ? ' (the gate is disabled: --fail-on never)' : ` (no failure at or above ${o.failOn} severity)`}.`
    : v === 'NO-GO'
      ? `${s.noGo} of ${plural(s.pairs, 'pair')} cannot migrate (a failure at or above ${o.failOn} severity).`
      : s.interrupted
        ? `The run was interrupted (${s.interrupted}); this report holds what was collected until then.`
        : `${s.incomplete} of ${plural(s.pairs, 'pair')} could not be fully checked${s.hosts > s.probed ? `; ${plural(s.hosts - s.probed, 'host')} not probed` : ''}.`;
}

// ---------------------------------------------------------------------------------------------
// Results
// ---------------------------------------------------------------------------------------------

export const STATUS_ORDER: Record<Status, number> = { fail: 0, error: 1, waived: 2, skip: 3, pass: 4 };

/** A result's status as a word: FAIL, ERROR, WAIVED, SKIP, PASS. */
export const STATUS_LABEL: Record<Status, string> = { fail: 'FAIL', error: 'ERROR', waived: 'WAIVED', skip: 'SKIP', pass: 'PASS' };

/** The heading of a group of results with one status. */
export const GROUP_TITLE: Record<Status, string> = { fail: 'Failures', error: 'Errors', waived: 'Waived failures', skip: 'Skipped', pass: 'Passed' };

/** Results failures first (fail, error, waived, skip, pass), then by severity, then by id (code-point order: locale-independent). */
export function sortResults(results: readonly RuleResult[]): RuleResult[] {
  return [...results].sort(
    (a, b) =>
      STATUS_ORDER[a.status] - STATUS_ORDER[b.status] ||
      SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity) ||
      (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
}

/** The message id of a rule in error only because a host was not probed. */
export const BLOCKED_MESSAGE_ID = 'error.unreachable';

/** What a blocked rule says in a results table (the full reason is given once, above it). */
export const BLOCKED_SHORT = 'not evaluated: a host was not probed';

/** Rules in error only because a host was not probed: they all say the same thing. */
export function isBlocked(r: Pick<RuleResult, 'messageId'>): boolean {
  return r.messageId === BLOCKED_MESSAGE_ID;
}

/** Expired waivers that would have covered this failure (same matching as the waiver engine). */
export function expiredWaiversFor(report: Report, r: RuleResult): WaiverState[] {
  if (r.status !== 'fail') return [];
  return report.waivers.filter((w) => w.state === 'expired' && covers(w, r, report.hosts));
}

/** How many waivers are in a state. */
export function waiverCount(report: Report, state: WaiverState['state']): number {
  return report.waivers.filter((w) => w.state === state).length;
}

/** "2 applied, 1 expired, 0 unused". */
export function waiverTally(report: Report): string {
  return `${waiverCount(report, 'applied')} applied, ${waiverCount(report, 'expired')} expired, ${waiverCount(report, 'unused')} unused`;
}

/** Said after the waiver tally when a waiver expired. */
export const EXPIRED_WAIVERS_NOTE = 'Expired waivers are ignored: the failures they named count again.';

/** Who signs a change off, in the HTML and Markdown reports. */
export const SIGN_OFF_ROLES = ['Prepared by (operator)', 'Reviewed by', 'Approved by (change-advisory board)'] as const;

// ---------------------------------------------------------------------------------------------
// Hosts, words, times
// ---------------------------------------------------------------------------------------------

/**
 * "target" or "target (hostname)" when the host calls itself something else. `each` is applied
 * to the target and the hostname apart (the console sanitises each name on its own).
 */
export function hostLabel(h: HostReport, each: (s: string) => string = (s) => s): string {
  return h.hostname && h.hostname !== h.target ? `${each(h.target)} (${each(h.hostname)})` : each(h.target);
}

/** "user@host:port" of the SSH connection, or null when there was none. */
export function connectionLabel(h: HostReport): string | null {
  return h.connection ? `${h.connection.user}@${h.connection.host}:${h.connection.port}` : null;
}

/** Who ran the tool, where: "user@host". */
export function runByLabel(r: { readonly runBy: { readonly user: string; readonly host: string } }): string {
  return `${r.runBy.user}@${r.runBy.host}`;
}

/** "1 host", "3 hosts": the count and the word, singular for one. */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** "2026-11-22T00:31:57.427Z" -> "2026-11-22 00:31:57 UTC"; anything else unchanged. */
export function formatTime(iso: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(?:\.\d+)?Z$/.exec(iso);
  return m ? `${m[1]} ${m[2]} UTC` : iso;
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(2)} s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)} min ${s % 60} s`;
}

/** Only plain web links become links; anything else (javascript:, data:, file:) stays text. */
export function isWebLink(url: string): boolean {
  return /^https?:\/\/[^\s<>"'`]+$/i.test(url);
}

/**
 * JSON for people: objects indented, arrays of scalars kept on one line (a CPU flag list is one
 * wrapped paragraph, not a hundred lines).
 */
export function prettyJson(value: unknown, indent = ''): string {
  if (value === undefined) return '(none)';
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? String(value);
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    if (value.every((v) => v === null || typeof v !== 'object')) return `[${value.map((v) => JSON.stringify(v) ?? 'null').join(', ')}]`;
    return `[\n${value.map((v) => inner + prettyJson(v, inner)).join(',\n')}\n${indent}]`;
  }
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
  if (entries.length === 0) return '{}';
  return `{\n${entries.map(([k, v]) => `${inner}${JSON.stringify(k)}: ${prettyJson(v, inner)}`).join(',\n')}\n${indent}}`;
}
