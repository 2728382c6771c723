import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { Rule } from '../checks/rules.js';
import { UsageError } from '../errors.js';
import { FILE_FORMATS } from '../report/index.js';
import type { ExitCode, FailOn } from '../types.js';
import { collect, outputOptions, type OutputOpts } from './options.js';
import { checkOutputs, emit, type Io } from './output.js';

function renderRule(r: Rule): string {
  const para = (t: string | undefined): string => (t ?? '').trim().replace(/\s*\n\s*/g, ' ');
  const asserts = (Array.isArray(r.assert) ? r.assert : [r.assert]).map((a) => `  ${a.op} ${a.path ?? `${a.src ?? '-'} -> ${a.dst ?? '-'}`}${a.side ? ` (${a.side})` : ''}`);
  return [
    `${r.id}  [${r.severity}]  ${r.title}`,
    `defined at ${r.source.file}:${r.source.line}`,
    ...(r.tags?.length ? [`tags: ${r.tags.join(', ')}`] : []),
    ...(r.hypervisors ? [`hypervisors: ${r.hypervisors.join(', ')}`] : []),
    ...(r.transports ? [`transports: ${r.transports.join(', ')}`] : []),
    ...(r.modes ? [`modes: ${r.modes.join(', ')}`] : []),
    ...(r.modeSeverity ? [`severity by mode: ${Object.entries(r.modeSeverity).map(([m, sev]) => `${m} ${sev}`).join(', ')}`] : []),
    ...(r.facts?.length ? [`facts: ${r.facts.join(', ')}`] : []),
    'asserts:',
    ...asserts,
    ...(r.rationale ? ['', 'Why:', `  ${para(r.rationale)}`] : []),
    ...(r.remediation ? ['', 'Fix:', `  ${para(r.remediation)}`] : []),
    ...(r.references?.length ? ['', 'References:', ...r.references.map((x) => `  ${x}`)] : []),
    '',
  ].join('\n');
}

/** The published schemas, each loaded when asked for (the commands load only what they run). */
const SCHEMAS: Readonly<Record<string, () => Promise<unknown>>> = {
  report: async () => (await import('../report/report-schema.js')).REPORT_SCHEMA,
  rules: async () => (await import('../checks/rule-schema.js')).RULE_FILE_SCHEMA,
  waivers: async () => (await import('../checks/waivers.js')).WAIVER_FILE_SCHEMA,
};

/** The replay command: a saved report re-evaluated, no host contacted. */
export function replayCommand(p: Command, io: Io, setExit: (c: ExitCode) => void): void {
  const rp = p
    .command('replay')
    .argument('<report.json>', 'a saved JSON report')
    .description("re-evaluate a saved report's raw evidence with the given rules and waivers; contacts no host")
    .option('-r, --rules <file|dir>', 'extra rule file or directory (repeatable)', collect)
    .option('--only <sel>', 'evaluate only these rules (repeatable)', collect)
    .option('--skip <sel>', 'skip these rules (repeatable)', collect)
    .option('--waivers <file>', 'waivers (YAML)')
    .option('--baseline <report.json>', 'an earlier JSON report to compare with')
    .option('--strict', "refuse a report whose evidence was altered (a probe's output no longer matching its recorded sha256)");
  outputOptions(rp, false);
  rp.action(async (file: string, o: OutputOpts & { rules?: string[]; only?: string[]; skip?: string[]; waivers?: string; baseline?: string; failOn?: FailOn; strict?: boolean }) => {
    checkOutputs(o, FILE_FORMATS);
    const { replay } = await import('../replay.js');
    const report = replay(file, { rules: o.rules, only: o.only, skip: o.skip, waivers: o.waivers, baseline: o.baseline, failOn: o.failOn, strict: o.strict ?? false, ...(o.changeId !== undefined ? { changeId: o.changeId } : {}) });
    setExit(await emit(report, o, io));
  });
}

/** The rules commands: list, show, validate. */
export function rulesCommand(p: Command, io: Io, setExit: (c: ExitCode) => void): void {
  const rules = p.command('rules').description('list or validate rules');
  rules
    .command('list')
    .description('list the rules a check would evaluate')
    .option('-r, --rules <file|dir>', 'extra rule file or directory (repeatable)', collect)
    .action(async (o: { rules?: string[] }) => {
      const { loadRules } = await import('../checks/rules.js');
      for (const r of loadRules(o.rules ?? []).rules) io.stdout.write(`${r.id.padEnd(28)} ${r.severity.padEnd(8)} ${r.title}  [${r.source.file}:${r.source.line}]\n`);
      setExit(0);
    });
  rules
    .command('show')
    .argument('<id>', 'rule id')
    .description('explain a rule: what it checks, why, how to fix a failure')
    .option('-r, --rules <file|dir>', 'extra rule file or directory (repeatable)', collect)
    .action(async (id: string, o: { rules?: string[] }) => {
      const { loadRules } = await import('../checks/rules.js');
      const r = loadRules(o.rules ?? []).rules.find((x) => x.id === id);
      if (!r) throw new UsageError(`no rule "${id}" (see: migrate-preflight rules list)`);
      io.stdout.write(renderRule(r));
      setExit(0);
    });
  rules
    .command('validate')
    .argument('<file...>', 'rule files')
    .description('validate rule files against the schema (exit 2 on the first error)')
    .action(async (files: string[]) => {
      const { parseRuleFile } = await import('../checks/rules.js');
      for (const f of files) {
        const n = parseRuleFile(readFileSync(f, 'utf8'), f).length;
        io.stdout.write(`${f}: ${n} rules ok\n`);
      }
      setExit(0);
    });
}

/** The schema command: prints a published JSON Schema. */
export function schemaCommand(p: Command, io: Io, setExit: (c: ExitCode) => void): void {
  p.command('schema')
    .argument('<which>', Object.keys(SCHEMAS).join(' | '))
    .description('print a published JSON Schema')
    .action(async (which: string) => {
      const schema = Object.hasOwn(SCHEMAS, which) ? SCHEMAS[which] : undefined;
      if (!schema) throw new UsageError(`unknown schema "${which}"; available: ${Object.keys(SCHEMAS).join(', ')}`);
      io.stdout.write(`${JSON.stringify(await schema(), null, 2)}\n`);
      setExit(0);
    });
}
