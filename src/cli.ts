import { randomBytes } from 'node:crypto';
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, basename } from 'node:path';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { check, DEFAULTS, rulesFor, type CheckOptions } from './check.js';
import { loadRules, parseRuleFile, type Rule } from './checks/rules.js';
import { asList, RULE_FILE_SCHEMA } from './checks/rule-schema.js';
import { formatError, isPreflightError, ReportWriteError, UsageError } from './errors.js';
import { TOOL } from './paths.js';
import { renderConsole } from './report/console.js';
import { renderJson } from './report/json.js';
import type { ExitCode, FailOn, Report, Side } from './types.js';
import { SEVERITIES } from './types.js';

/** Where the CLI writes; tests pass their own. */
export interface Io {
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean };
  readonly env: NodeJS.ProcessEnv;
}

const defaultIo: Io = { stdout: process.stdout, stderr: process.stderr, env: process.env };

function positiveSeconds(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a positive number of seconds');
  return n;
}

const collect = (v: string, prev: string[] = []): string[] => [...prev, v];

function renderRule(r: Rule): string {
  const para = (t: string | undefined): string => (t ?? '').trim().replace(/\s*\n\s*/g, ' ');
  const asserts = asList(r.assert).map((a) => `  ${a.op} ${a.path ?? `${a.src ?? '-'} -> ${a.dst ?? '-'}`}${a.side ? ` (${a.side})` : ''}`);
  return [
    `${r.id}  [${r.severity}]  ${r.title}`,
    `defined at ${r.source.file}:${r.source.line}`,
    ...(r.tags?.length ? [`tags: ${r.tags.join(', ')}`] : []),
    ...(r.hypervisors ? [`hypervisors: ${r.hypervisors.join(', ')}`] : []),
    ...(r.transports ? [`transports: ${r.transports.join(', ')}`] : []),
    ...(r.facts?.length ? [`facts: ${r.facts.join(', ')}`] : []),
    'asserts:',
    ...asserts,
    ...(r.rationale ? ['', 'Why:', `  ${para(r.rationale)}`] : []),
    ...(r.remediation ? ['', 'Fix:', `  ${para(r.remediation)}`] : []),
    ...(r.references?.length ? ['', 'References:', ...r.references.map((x) => `  ${x}`)] : []),
    '',
  ].join('\n');
}

/** Writes a report file atomically (temp file + rename), or to stdout for '-'. */
export function writeReport(path: string, text: string, io: Io): void {
  if (path === '-') {
    io.stdout.write(text);
    return;
  }
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    writeFileSync(tmp, text, { mode: 0o644 });
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw new ReportWriteError(`cannot write report ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
}

interface PairOpts {
  sshConfig?: string;
  identity?: string[];
  user?: string;
  jump?: string;
  knownHosts?: string;
  acceptNewHostKeys?: boolean;
  sudo?: boolean;
  connectTimeout: number;
  timeout: number;
  libvirtUri: string;
  domain?: string[];
  transport: 'ssh' | 'tcp' | 'tls' | 'tunnelled';
  rules?: string[];
  only?: string[];
  skip?: string[];
  json?: string;
  failOn: FailOn;
  color: boolean;
  quiet?: boolean;
}

/** Live per-host progress on stderr: listr2 on a TTY, plain lines otherwise (CI), nothing with --quiet. */
async function withProgress(io: Io, quiet: boolean, run: (onProgress: CheckOptions['onProgress']) => Promise<Report>): Promise<Report> {
  if (quiet) return run(undefined);
  if (!io.stderr.isTTY) {
    return run((side, phase, detail) => io.stderr.write(`[${side}] ${phase}${detail ? `: ${detail}` : ''}\n`));
  }
  const { Listr, ProcessOutput } = await import('listr2');
  const waiters = new Map<Side, { title: (t: string) => void; done: (err?: Error) => void }>();
  const pending = new Map<Side, { phase: string; detail?: string | undefined }>();
  const task = (side: Side) => ({
    title: `${side}: waiting`,
    task: (_ctx: unknown, t: { title: string }) =>
      new Promise<void>((resolve, reject) => {
        const title = (s: string): void => {
          t.title = s;
        };
        waiters.set(side, { title, done: (err) => (err ? reject(err) : resolve()) });
        const p = pending.get(side);
        if (p) update(side, p.phase, p.detail);
      }),
  });
  const update = (side: Side, phase: string, detail?: string): void => {
    const w = waiters.get(side);
    if (!w) {
      pending.set(side, { phase, detail });
      return;
    }
    w.title(phase === 'failed' ? `${side}: not probed` : `${side}: ${phase}${detail ? ` (${detail})` : ''}`);
    if (phase === 'done') w.done();
    if (phase === 'failed') w.done(new Error(`${side}: ${detail ?? 'failed'}`));
  };
  const listr = new Listr([task('src'), task('dst')], {
    concurrent: true,
    exitOnError: false,
    rendererOptions: { collapseErrors: false },
    processOutput: new ProcessOutput(io.stderr as NodeJS.WriteStream, io.stderr as NodeJS.WriteStream),
  } as never);
  const shown = listr.run().catch(() => undefined);
  const report = await run(update);
  await shown;
  return report;
}

async function runPair(src: string, dst: string, o: PairOpts, io: Io): Promise<ExitCode> {
  const color = o.color && io.stdout.isTTY === true && io.env.NO_COLOR === undefined;
  const options: CheckOptions = {
    src,
    dst,
    sshConfigFile: o.sshConfig,
    user: o.user,
    identityFiles: o.identity ?? [],
    jump: o.jump,
    knownHostsFile: o.knownHosts,
    acceptNewHostKeys: o.acceptNewHostKeys ?? false,
    sudo: o.sudo ?? false,
    connectTimeoutMs: o.connectTimeout * 1000,
    timeoutMs: o.timeout * 1000,
    libvirtUri: o.libvirtUri,
    domains: o.domain ?? [],
    transport: o.transport,
    rules: o.rules ?? [],
    only: o.only ?? [],
    skip: o.skip ?? [],
    failOn: o.failOn,
  } as CheckOptions;
  const ruleSet = rulesFor(options); // bad rule files end the run here: exit 2, nothing probed
  const report = await withProgress(io, o.quiet ?? false, (onProgress) => check({ ...options, onProgress }, ruleSet));
  const consoleOut = o.json === '-' ? io.stderr : io.stdout;
  consoleOut.write(renderConsole(report, { color, quiet: o.quiet ?? false }));
  if (o.json) writeReport(o.json, renderJson(report), io);
  return report.summary.exitCode;
}

function program(io: Io, setExit: (c: ExitCode) => void): Command {
  const p = new Command('migrate-preflight')
    .description('Checks whether a source hypervisor host can migrate its VMs to a destination host, over SSH, read-only.')
    .version(TOOL.version)
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .exitOverride()
    .showSuggestionAfterError()
    .argument('<src>', 'source host: [user@]host[:port] or an ssh_config alias')
    .argument('<dst>', 'destination host')
    .option('-F, --ssh-config <file>', 'ssh_config file (default ~/.ssh/config when present)')
    .option('-i, --identity <file>', 'private key file (repeatable)', collect)
    .option('-l, --user <name>', 'remote user')
    .option('-J, --jump <host>', 'jump host(s), like ssh -J')
    .option('--known-hosts <file>', 'known_hosts file to verify host keys against')
    .option('--accept-new-host-keys', 'accept host keys not yet known (a changed key is still refused)')
    .option('--sudo', 'run the probes with sudo -n (never prompts)')
    .option('--connect-timeout <s>', 'connection timeout per host, seconds', positiveSeconds, DEFAULTS.connectTimeoutMs / 1000)
    .option('--timeout <s>', 'collection timeout per host, seconds', positiveSeconds, DEFAULTS.timeoutMs / 1000)
    .option('--libvirt-uri <uri>', 'libvirt connection URI on both hosts', DEFAULTS.libvirtUri)
    .option('-d, --domain <name>', 'domain to migrate (repeatable; default: every running domain on src)', collect)
    .addOption(new Option('--transport <kind>', 'migration transport').choices(['ssh', 'tcp', 'tls', 'tunnelled']).default(DEFAULTS.transport))
    .option('-r, --rules <file|dir>', 'extra rule file or directory (repeatable; same id overrides)', collect)
    .option('--only <sel>', 'evaluate only these rules: id, glob or tag (repeatable)', collect)
    .option('--skip <sel>', 'skip these rules: id, glob or tag (repeatable)', collect)
    .option('--json <file|->', 'write the JSON report')
    .addOption(new Option('--fail-on <severity>', 'lowest severity that fails the run').choices([...SEVERITIES.filter((s) => s !== 'info'), 'never']).default(DEFAULTS.failOn))
    .option('--no-color', 'no colour (also NO_COLOR)')
    .option('-q, --quiet', 'print only failures, errors and the summary')
    .addHelpText(
      'after',
      '\nExit codes: 0 go; 1 a failure at or above --fail-on; 2 usage or rule file error (nothing probed);\n' +
        '            3 a host could not be probed, or a rule at or above --fail-on ended in error.\n',
    )
    .action(async (src: string, dst: string, o: PairOpts) => setExit(await runPair(src, dst, o, io)));

  const rules = p.command('rules').description('list or validate rules');
  rules
    .command('list')
    .description('list the rules a check would evaluate')
    .option('-r, --rules <file|dir>', 'extra rule file or directory (repeatable)', collect)
    .action((o: { rules?: string[] }) => {
      for (const r of loadRules(o.rules ?? []).rules) io.stdout.write(`${r.id.padEnd(28)} ${r.severity.padEnd(8)} ${r.title}  [${r.source.file}:${r.source.line}]\n`);
      setExit(0);
    });
  rules
    .command('show')
    .argument('<id>', 'rule id')
    .description('explain a rule: what it checks, why, how to fix a failure')
    .option('-r, --rules <file|dir>', 'extra rule file or directory (repeatable)', collect)
    .action((id: string, o: { rules?: string[] }) => {
      const r = loadRules(o.rules ?? []).rules.find((x) => x.id === id);
      if (!r) throw new UsageError(`no rule "${id}" (see: migrate-preflight rules list)`);
      io.stdout.write(renderRule(r));
      setExit(0);
    });
  rules
    .command('validate')
    .argument('<file...>', 'rule files')
    .description('validate rule files against the schema (exit 2 on the first error)')
    .action((files: string[]) => {
      for (const f of files) {
        const n = parseRuleFile(readFileSync(f, 'utf8'), f).length;
        io.stdout.write(`${f}: ${n} rules ok\n`);
      }
      setExit(0);
    });
  p.command('schema')
    .argument('<which>', 'rules')
    .description('print a published JSON Schema')
    .action((which: string) => {
      if (which !== 'rules') throw new UsageError(`unknown schema "${which}"; available: rules`);
      io.stdout.write(`${JSON.stringify(RULE_FILE_SCHEMA, null, 2)}\n`);
      setExit(0);
    });
  return p;
}

/** Runs the CLI and returns the exit code; never calls process.exit. */
export async function main(argv: readonly string[], io: Io = defaultIo): Promise<ExitCode> {
  let code: ExitCode = 0;
  const p = program(io, (c) => {
    code = c;
  });
  try {
    await p.parseAsync([...argv], { from: 'user' });
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version end here with exit code 0; every other parse error is a usage error.
      return e.exitCode === 0 ? 0 : 2;
    }
    io.stderr.write(`migrate-preflight: ${formatError(e)}\n`);
    if (isPreflightError(e)) return e.exitCode;
    return 3;
  }
}
