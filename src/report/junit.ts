import junitModule from 'junit-report-builder';
import type { Builder, TestCase, TestSuite } from 'junit-report-builder';
import type { HostReport, Report, RuleResult, Side } from '../types.js';
import type { ReportContext } from './index.js';
import { sanitizeForTerminal } from './sanitize.js';
import { hypervisorLabel } from './domains.js';
import { hostLabel, resultKey } from './view.js';

// The package's CommonJS build sets `module.exports = builder`, but its typings say `export default`,
// so under NodeNext TypeScript sees `{ default: Builder }` while Node hands over the builder itself.
const sharedBuilder: Builder = 'default' in junitModule && junitModule.default ? junitModule.default : (junitModule as unknown as Builder);

/** Results the run itself produces (not from a rule file): they go to the `run` suite. */
const RUN_RESULTS: ReadonlySet<string> = new Set(['domain.selection']);

const SIDE_NAME: Record<Side, string> = { src: 'source', dst: 'destination' };

/** Longest JSON rendering of one host's evidence in a failure body; the JSON report has all of it. */
const MAX_VALUE_CHARS = 4000;

/** Lone surrogates, U+FFFE and U+FFFF: not characters in XML 1.0 (sanitizeForTerminal handles C0/C1 and escapes). */
const XML_NON_CHARS = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]|[\uFFFE\uFFFF]/g;

/**
 * Text that is legal in XML 1.0 and harmless in a terminal (CI logs echo failure messages):
 * escape sequences and control characters become U+FFFD, newlines and tabs stay. The builder
 * (xmlbuilder) escapes `& < > "` itself; its own invalid-character stripping is not relied on
 * (with a lone low surrogate it also eats the character before it).
 */
function xmlText(text: string): string {
  return sanitizeForTerminal(text).replace(XML_NON_CHARS, '\uFFFD');
}

/**
 * Text for a CDATA body. junit-report-builder's xmlbuilder splits only the FIRST `]]>` in a CDATA
 * section (String.replace with a string), so a second one would end the section and break the
 * document: every occurrence is neutralised here instead.
 */
function cdataText(text: string): string {
  return xmlText(text).replace(/\]\]>/g, ']]&gt;');
}

/** A host name as a classname segment: dots would make Jenkins read `hv1.example.com` as packages. */
function classSegment(text: string): string {
  return xmlText(text).replace(/\./g, '_');
}

/** The suite a result belongs to: the rule id's prefix (`cpu.flags` → `cpu`), `run` for the run's own results. */
function categoryOf(id: string): string {
  if (RUN_RESULTS.has(id)) return 'run';
  const dot = id.indexOf('.');
  return dot > 0 ? id.slice(0, dot) : 'run';
}

function jsonValue(v: unknown): string {
  if (v === undefined) return '(none)';
  const s = JSON.stringify(v) ?? String(v);
  return s.length > MAX_VALUE_CHARS ? `${s.slice(0, MAX_VALUE_CHARS)}... (${s.length} chars; see the JSON report)` : s;
}

function unreachableHosts(report: Report): [Side, HostReport][] {
  return (['src', 'dst'] as const).filter((side) => !report.hosts[side].reachable).map((side) => [side, report.hosts[side]]);
}

function notProbed(side: Side, h: HostReport): string {
  const reason = h.error ? `${h.error.code}: ${h.error.message}` : 'unreachable';
  return `${SIDE_NAME[side]} host ${h.target} was not probed: ${reason}`;
}

/** The error's message; when a host was not probed it always names that host and the reason. */
function errorMessage(r: RuleResult, report: Report): string {
  const missing = unreachableHosts(report)
    .filter(([, h]) => !(r.message.includes(h.target) && (!h.error || r.message.includes(h.error.message))))
    .map(([side, h]) => notProbed(side, h));
  return [r.message, ...missing].join('; ');
}

/** The text body of a failure, error or waiver: what was found, on which host, and the fix. */
function details(r: RuleResult, report: Report): string {
  const { src, dst } = report.hosts;
  const isError = r.status === 'error';
  const lines = [isError ? errorMessage(r, report) : r.message, `rule: ${r.id} (${r.title})`, ...(r.domain ? [`domain: ${r.domain}`] : []), `severity: ${r.severity}`];
  if (isError) for (const [side, h] of unreachableHosts(report)) lines.push(`${SIDE_NAME[side]} host ${h.target} unreachable (${h.error?.code ?? 'no error code'})`);
  for (const [side, h] of [['src', src], ['dst', dst]] as const) {
    const v = r.evidence[side];
    if (!isError || v !== undefined) lines.push(`${SIDE_NAME[side]} ${hostLabel(h)}: ${jsonValue(v)}`);
  }
  if (r.remediation && r.status !== 'error') lines.push(`remediation: ${r.remediation.trim()}`);
  if (r.references.length > 0) lines.push(`references: ${r.references.join(' ')}`);
  if (r.status === 'waived') lines.push(`waiver: ${r.waiver.source.file}:${r.waiver.source.line} (rule ${r.waiver.rule}, hosts ${r.waiver.hosts ?? 'any'})`);
  const drift = report.drift;
  if (drift) {
    if (drift.new.includes(resultKey(r))) lines.push(`drift: new since baseline ${drift.baseline.path} (${drift.baseline.startedAt})`);
    const changed = drift.changed.find((c) => c.id === resultKey(r));
    if (changed) lines.push(`drift: changed since baseline ${drift.baseline.path}: ${changed.before} -> ${changed.after}`);
  }
  return cdataText(lines.join('\n'));
}

/** Properties every suite carries: which pair, which tool and rules, which evidence file. */
function properties(report: Report, ctx: ReportContext): [string, string][] {
  const { src, dst } = report.hosts;
  const props: [string, string][] = [
    ['src.target', src.target],
    ['src.hostname', src.hostname ?? ''],
    ['dst.target', dst.target],
    ['dst.hostname', dst.hostname ?? ''],
  ];
  for (const [side, h] of unreachableHosts(report)) props.push([`${side}.error`, notProbed(side, h)]);
  props.push(
    ['tool.name', report.tool.name],
    ['tool.version', report.tool.version],
    ['mode', report.options.mode],
    ['hypervisor', hypervisorLabel(report) ?? 'unknown'],
    ...(report.options.saveDir ? [['save-dir', report.options.saveDir] as [string, string]] : []),
    ['fail-on', report.options.failOn],
    ...(report.options.changeId ? [['change-id', report.options.changeId] as [string, string]] : []),
    ['exit-code', String(report.summary.exitCode)],
    ['started-at', report.startedAt],
  );
  for (const rs of report.rulesets) props.push([`ruleset:${rs.path}`, rs.sha256]);
  props.push(['report.sha256', ctx.reportSha256]);
  if (report.replayOf) props.push(['replay-of', `${report.replayOf.path} sha256:${report.replayOf.sha256}`]);
  if (report.drift) {
    const d = report.drift;
    props.push(
      ['drift.baseline', `${d.baseline.path} sha256:${d.baseline.sha256}`],
      ['drift.new', d.new.join(' ')],
      ['drift.resolved', d.resolved.join(' ')],
      ['drift.changed', d.changed.map((c) => c.id).join(' ')],
    );
  }
  return props.map(([k, v]) => [xmlText(k), xmlText(v)]);
}

/** junit-report-builder 5 writes a bare `<skipped/>`; CI servers show its message, so add one. */
function skipWithMessage(tc: TestCase, message: string): void {
  tc.skipped();
  const build = tc.build.bind(tc);
  tc.build = (parent) => {
    const el = build(parent);
    const node = el.children.find((c) => (c as { name?: unknown }).name === 'skipped') as typeof el | undefined;
    if (node) node.att('message', message);
    else el.ele('skipped', { message });
    return el;
  };
}

function addCase(suite: TestSuite, r: RuleResult, classname: string, report: Report): void {
  const tc = suite.testCase().className(classname).name(xmlText(`${resultKey(r)}: ${r.title}`));
  switch (r.status) {
    case 'pass':
      return;
    case 'fail':
      tc.failure(xmlText(r.message), xmlText(r.messageId)).stacktrace(details(r, report));
      return;
    case 'error':
      tc.error(xmlText(errorMessage(r, report)), xmlText(r.messageId), details(r, report));
      return;
    case 'skip':
      skipWithMessage(tc, xmlText(r.message));
      return;
    case 'waived':
      skipWithMessage(tc, xmlText(`waived until ${r.waiver.expires} by ${r.waiver.approver}: ${r.waiver.justification}`));
      tc.standardOutput(details(r, report));
      return;
  }
}

/**
 * The JUnit XML report for CI servers (Jenkins, GitLab): one `<testsuite>` per category (the rule
 * id's prefix, `run` for the run's own results such as domain.selection), in the order the
 * categories first appear in the report, named `<tool> <src> -> <dst>: <category>`; one
 * `<testcase>` per result, classname `<tool>.<src>-><dst>.<category>` with dots in host names
 * replaced by `_` (Jenkins splits classnames into packages at dots), name `<id>: <title>`.
 * fail → `<failure>`, error → `<error>`, skip and waived → `<skipped message>`. Deterministic:
 * the only time in it is report.startedAt. Built on a fresh builder per call.
 */
export function renderJunit(report: Report, ctx: ReportContext): string {
  const { src, dst } = report.hosts;
  const builder = sharedBuilder.newBuilder();
  const tool = xmlText(report.tool.name);
  const pair = `${xmlText(src.target)} -> ${xmlText(dst.target)}`;
  builder.name(`${tool} ${pair}`);
  const props = properties(report, ctx);
  const classPrefix = `${classSegment(report.tool.name)}.${classSegment(src.target)}->${classSegment(dst.target)}`;
  const suites = new Map<string, TestSuite>();
  for (const r of report.results) {
    const category = categoryOf(r.id);
    let suite = suites.get(category);
    if (!suite) {
      suite = builder.testSuite().name(`${tool} ${pair}: ${xmlText(category)}`).timestamp(xmlText(report.startedAt));
      for (const [k, v] of props) suite.property(k, v);
      suites.set(category, suite);
    }
    addCase(suite, r, `${classPrefix}.${classSegment(category)}`, report);
  }
  return `${builder.build()}\n`;
}
