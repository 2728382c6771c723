import { createHash, randomBytes } from 'node:crypto';
import { accessSync, constants as fsConstants, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { HYPERVISOR_CHOICES, type HypervisorChoice } from './checks/hypervisor-pair.js';
import { dirname, join, basename, resolve } from 'node:path';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { check, DEFAULTS, rulesFor, type CheckOptions } from './check.js';
import type { FleetOptions } from './fleet/fleet.js';
import { FLEET_DEFAULTS } from './fleet/types.js';
import { loadRules, parseRuleFile, type Rule } from './checks/rules.js';
import { asList, MODES, RULE_FILE_SCHEMA, type Mode } from './checks/rule-schema.js';
import { formatError, isPreflightError, ReportWriteError, UsageError } from './errors.js';
import { TOOL } from './paths.js';
import { renderConsole } from './report/console.js';
import { sanitizeForTerminal } from './report/sanitize.js';
import { renderJson } from './report/json.js';
import { FILE_FORMATS, FORMAT_LABEL, REPORTERS, type FileFormat, type ReportContext } from './report/index.js';
import { REPORT_SCHEMA } from './report/report-schema.js';
import { WAIVER_FILE_SCHEMA } from './checks/waivers.js';
import { replay } from './replay.js';
import type { ExitCode, FailOn, Report, Side } from './types.js';
import { SEVERITIES } from './types.js';

/** Where the CLI writes; tests pass their own. */
export interface Io {
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean };
  readonly env: NodeJS.ProcessEnv;
}

const defaultIo: Io = { stdout: process.stdout, stderr: process.stderr, env: process.env };

/** The longest timeout taken, seconds: a day (Node's timers overflow past about 24.8 days). */
export const MAX_TIMEOUT_S = 86_400;

function positiveSeconds(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a positive number of seconds');
  if (n > MAX_TIMEOUT_S) throw new InvalidArgumentError(`expected at most ${MAX_TIMEOUT_S} seconds (a day)`);
  return n;
}

/** NO_COLOR set to a non-empty value turns colour off (no-color.org); set but empty it does not. */
const colorWanted = (o: { color: boolean }, io: Io): boolean => o.color && io.stdout.isTTY === true && !io.env.NO_COLOR;

/**
 * Every requested report path can be written, checked before any host is contacted: at most one
 * goes to stdout, each one's directory exists and is writable, and none is a directory.
 * @throws UsageError naming the option and the path.
 */
function checkOutputs<F extends string>(o: { readonly [K in F]?: string | undefined }, formats: readonly F[]): void {
  const toStdout = formats.filter((f) => o[f] === '-');
  if (toStdout.length > 1) throw new UsageError(`only one report can go to stdout ('-'), got --${toStdout.join(' and --')}`);
  for (const f of formats) {
    const path = o[f];
    if (path === undefined || path === '-') continue;
    const dir = dirname(resolve(path));
    const st = statSync(dir, { throwIfNoEntry: false });
    if (!st) throw new UsageError(`--${f} ${path}: directory ${dir} does not exist`);
    if (!st.isDirectory()) throw new UsageError(`--${f} ${path}: ${dir} is not a directory`);
    try {
      accessSync(dir, fsConstants.W_OK);
    } catch {
      throw new UsageError(`--${f} ${path}: cannot write in ${dir}`);
    }
    if (statSync(path, { throwIfNoEntry: false })?.isDirectory()) throw new UsageError(`--${f} ${path} is a directory`);
  }
}

const collect = (v: string, prev: string[] = []): string[] => [...prev, v];

function absolutePath(v: string): string {
  if (!v.startsWith('/') || /[\n\r\0]/.test(v)) throw new InvalidArgumentError('expected an absolute path');
  return v;
}

/** A non-negative number with a unit for the error message (MiB/s, ms, MiB); positive when `strict`. */
const amount = (unit: string, strict: boolean) => (v: string): number => {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n < 0 || (strict && n === 0)) throw new InvalidArgumentError(`expected a ${strict ? 'positive' : 'non-negative'} number of ${unit}`);
  return n;
};

function renderRule(r: Rule): string {
  const para = (t: string | undefined): string => (t ?? '').trim().replace(/\s*\n\s*/g, ' ');
  const asserts = asList(r.assert).map((a) => `  ${a.op} ${a.path ?? `${a.src ?? '-'} -> ${a.dst ?? '-'}`}${a.side ? ` (${a.side})` : ''}`);
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

type OutputOpts = { [F in FileFormat]?: string } & { color: boolean; quiet?: boolean; changeId?: string };

interface PairOpts extends OutputOpts {
  sshConfig?: string;
  identity?: string[];
  user?: string;
  jump?: string;
  knownHosts?: string;
  acceptNewHostKeys?: boolean;
  sudo?: boolean;
  connectTimeout: number;
  timeout: number;
  probeTimeout: number;
  libvirtUri: string;
  domain?: string[];
  transport: 'ssh' | 'tcp' | 'tls' | 'tunnelled';
  rules?: string[];
  only?: string[];
  skip?: string[];
  waivers?: string;
  baseline?: string;
  failOn: FailOn;
  bandwidth?: number;
  measureBandwidth?: boolean;
  dirtyRate?: number;
  maxDowntime: number;
  memoryReserve: number;
  mode: Mode;
  saveDir?: string;
  unsafe?: boolean;
  hypervisor: HypervisorChoice;
}

/**
 * Runs a collection that Ctrl-C or SIGTERM ends early: it stops collecting, and the caller writes
 * what was collected to every report (exit 130/143). A second signal exits at once.
 */
async function interruptible<T>(io: Io, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const ac = new AbortController();
  const onSignal = (sig: NodeJS.Signals): void => {
    if (ac.signal.aborted) process.exit(sig === 'SIGTERM' ? 143 : 130);
    io.stderr.write(`migrate-preflight: interrupted (${sig}): writing what was collected, then exiting\n`);
    ac.abort(sig);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await run(ac.signal);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
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
    // Signals are the run's own (they end the collection, then the reports are written).
    registerSignalListeners: false,
    rendererOptions: { collapseErrors: false },
    processOutput: new ProcessOutput(io.stderr as NodeJS.WriteStream, io.stderr as NodeJS.WriteStream),
  } as never);
  const shown = listr.run().catch(() => undefined);
  const report = await run(update);
  await shown;
  return report;
}

/** The options of probeOptions(), as check() and fleet() take them. */
function probeSettings(o: FleetOpts | PairOpts) {
  return {
    sshConfigFile: o.sshConfig,
    user: o.user,
    identityFiles: o.identity ?? [],
    jump: o.jump,
    knownHostsFile: o.knownHosts,
    acceptNewHostKeys: o.acceptNewHostKeys ?? false,
    sudo: o.sudo ?? false,
    connectTimeoutMs: o.connectTimeout * 1000,
    timeoutMs: o.timeout * 1000,
    probeTimeoutMs: o.probeTimeout * 1000,
    libvirtUri: o.libvirtUri,
    transport: o.transport,
    hypervisor: o.hypervisor,
    rules: o.rules ?? [],
    only: o.only ?? [],
    skip: o.skip ?? [],
    failOn: o.failOn,
    waivers: o.waivers,
    bandwidthMiBs: o.bandwidth,
    dirtyRateMiBs: o.dirtyRate,
    maxDowntimeMs: o.maxDowntime,
    memoryReserveMiB: o.memoryReserve,
  } satisfies Omit<CheckOptions, 'src' | 'dst'>;
}

async function runPair(src: string, dst: string, o: PairOpts, io: Io): Promise<ExitCode> {
  const options: CheckOptions = {
    src,
    dst,
    ...probeSettings(o),
    domains: o.domain ?? [],
    baseline: o.baseline,
    measureBandwidth: o.measureBandwidth ?? false,
    mode: o.mode,
    saveDir: o.saveDir,
    unsafe: o.unsafe ?? false,
    ...(o.changeId !== undefined ? { changeId: o.changeId } : {}),
  } as CheckOptions;
  if (o.saveDir !== undefined && o.mode !== 'save') throw new UsageError('--save-dir applies to --mode save only');
  if (src === dst) throw new UsageError(`source and destination are the same host (${src}): a migration needs two`);
  checkOutputs(o, FILE_FORMATS);
  const ruleSet = rulesFor(options); // bad rule files end the run here: exit 2, nothing probed
  const report = await interruptible(io, (signal) => withProgress(io, o.quiet ?? false, (onProgress) => check({ ...options, onProgress, signal }, ruleSet)));
  return emit(report, o, io);
}

interface FleetOpts extends Omit<PairOpts, 'domain' | 'measureBandwidth' | 'mode' | 'saveDir' | 'baseline' | FileFormat> {
  inventory?: string;
  group?: string;
  concurrency: number;
  newHost?: string;
  json?: string;
  html?: string;
}

const FLEET_FORMATS = ['json', 'html'] as const;

function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive whole number');
  return n;
}

async function runFleet(args: readonly string[], o: FleetOpts, io: Io): Promise<ExitCode> {
  if (o.group !== undefined && o.inventory === undefined) throw new UsageError('--group needs --inventory');
  const { loadInventory } = await import('./fleet/inventory.js');
  const { fleet } = await import('./fleet/fleet.js');
  const inventory = o.inventory ? loadInventory(o.inventory, o.group === undefined ? {} : { group: o.group }) : null;
  const hosts = [...(inventory?.hosts.map((h) => h.target) ?? []), ...args];
  if (hosts.length === 0) throw new UsageError('fleet needs hosts: give them as arguments or with --inventory FILE');
  checkOutputs(o, FLEET_FORMATS);
  const toStdout = FLEET_FORMATS.filter((f) => o[f] === '-');
  const options: FleetOptions = { hosts, inventory: o.inventory ?? null, concurrency: o.concurrency, newHost: o.newHost, ...probeSettings(o), ...(o.changeId !== undefined ? { changeId: o.changeId } : {}) } as FleetOptions;
  const ruleSet = rulesFor(options); // bad rule files end the run here: exit 2, nothing probed
  const quiet = o.quiet ?? false;
  const onHost: FleetOptions['onHost'] = (t, phase, d) => {
    if (!quiet && (phase === 'done' || phase === 'failed')) io.stderr.write(`[${t}] ${phase}${d ? `: ${d}` : ''}\n`);
  };
  const report = await interruptible(io, (signal) => fleet({ ...options, onHost, signal }, ruleSet));
  const render = await import('./fleet/render.js');
  const color = colorWanted(o, io) && toStdout.length === 0;
  (toStdout.length > 0 ? io.stderr : io.stdout).write(render.renderFleetConsole(report, { color, quiet }));
  if (o.json !== undefined) writeReport(o.json, render.renderFleetJson(report), io);
  if (o.html !== undefined) writeReport(o.html, render.renderFleetHtml(report), io);
  return report.summary.exitCode;
}

/**
 * Writes every requested report file, then prints the console report (whose summary states the
 * exit code the process returns: 3 when a file could not be written) and the one to stdout.
 */
async function emit(report: Report, o: OutputOpts, io: Io): Promise<ExitCode> {
  checkOutputs(o, FILE_FORMATS);
  const toStdout = FILE_FORMATS.filter((f) => o[f] === '-');
  const color = colorWanted(o, io) && toStdout.length === 0;
  const json = renderJson(report);
  const ctx: ReportContext = { color, quiet: o.quiet ?? false, reportSha256: createHash('sha256').update(json).digest('hex') };
  const unwritten: string[] = [];
  for (const f of FILE_FORMATS) {
    const dest = o[f];
    if (dest === undefined || dest === '-') continue;
    try {
      writeReport(dest, (await REPORTERS[f]())(report, ctx), io);
    } catch (e) {
      if (!(e instanceof ReportWriteError)) throw e;
      unwritten.push(formatError(e));
    }
  }
  const exitCode: ExitCode = unwritten.length > 0 ? 3 : report.summary.exitCode;
  const shown = exitCode === report.summary.exitCode ? report : { ...report, summary: { ...report.summary, exitCode } };
  (toStdout.length > 0 ? io.stderr : io.stdout).write(renderConsole(shown, ctx));
  for (const f of toStdout) writeReport('-', (await REPORTERS[f]())(report, ctx), io);
  for (const m of unwritten) io.stderr.write(`migrate-preflight: ${m}\n`);
  return exitCode;
}

const SCHEMAS = { report: REPORT_SCHEMA, rules: RULE_FILE_SCHEMA, waivers: WAIVER_FILE_SCHEMA } as const;

/** A change or ticket id: what change-management systems print (CHG0012345, CR-2026-17, OPS#42). */
function changeId(v: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._:#/-]{0,63}$/.test(v)) throw new InvalidArgumentError('expected 1-64 letters, digits and . _ : # / -');
  return v;
}

/** The report options shared by the pair check and replay. */
function outputOptions(c: Command, failOnDefault = true): void {
  c.option('--change-id <id>', 'the change or ticket this check is evidence for (shown in every report, with sign-off fields)', changeId);
  for (const f of FILE_FORMATS) c.option(`--${f} <file|->`, `write the ${FORMAT_LABEL[f]} report (atomically; '-' for stdout)`);
  const failOn = new Option('--fail-on <severity>', 'lowest severity that fails the run').choices([...SEVERITIES.filter((s) => s !== 'info'), 'never']);
  c.addOption(failOnDefault ? failOn.default(DEFAULTS.failOn) : failOn);
  c.option('--no-color', 'no colour (also NO_COLOR)');
  c.option('-q, --quiet', 'print only failures, errors and the summary');
}

/** Options of every command that probes hosts: how to reach them, and what to check. */
function probeOptions(c: Command): Command {
  return c
    .option('-F, --ssh-config <file>', 'ssh_config file (default ~/.ssh/config when present)')
    .option('-i, --identity <file>', 'private key file (repeatable)', collect)
    .option('-l, --user <name>', 'remote user')
    .option('-J, --jump <host>', 'jump host(s), like ssh -J')
    .option('--known-hosts <file>', 'known_hosts file to verify host keys against')
    .option('--accept-new-host-keys', 'accept host keys not yet known (a changed key is still refused)')
    .option('--sudo', 'run the probes with sudo -n (never prompts)')
    .option('--connect-timeout <s>', 'connection timeout per host, seconds', positiveSeconds, DEFAULTS.connectTimeoutMs / 1000)
    .option('--timeout <s>', 'collection timeout per host, seconds', positiveSeconds, DEFAULTS.timeoutMs / 1000)
    .option('--probe-timeout <s>', 'limit for one probe on a host (a hung virsh), seconds', positiveSeconds, DEFAULTS.probeTimeoutMs / 1000)
    .option('--libvirt-uri <uri>', 'libvirt connection URI on the hosts', DEFAULTS.libvirtUri)
    .option('--bandwidth <MiB/s>', 'migration bandwidth between the hosts, for the convergence prediction', amount('MiB/s', true))
    .option('--dirty-rate <MiB/s>', "the guests' page-dirtying rate (default: measured by QEMU where it can, virsh domdirtyrate-calc)", amount('MiB/s', false))
    .option('--max-downtime <ms>', 'largest acceptable pause at the end of a live migration', amount('ms', false), DEFAULTS.maxDowntimeMs)
    .option('--memory-reserve <MiB>', 'memory to leave free on dst besides the moving domains', amount('MiB', false), DEFAULTS.memoryReserveMiB)
    .addOption(new Option('--transport <kind>', 'migration transport').choices(['ssh', 'tcp', 'tls', 'tunnelled']).default(DEFAULTS.transport))
    .addOption(
      new Option('--hypervisor <kind>', 'which rule set: auto (each host says what it runs; a KVM-to-Xen pair is refused), kvm (libvirt/QEMU) or xen (xl, or xm on xend hosts)')
        .choices([...HYPERVISOR_CHOICES])
        .default(DEFAULTS.hypervisor),
    )
    .option('-r, --rules <file|dir>', 'extra rule file or directory (repeatable; same id overrides)', collect)
    .option('--only <sel>', 'evaluate only these rules: id, glob or tag (repeatable)', collect)
    .option('--skip <sel>', 'skip these rules: id, glob or tag (repeatable)', collect)
    .option('--waivers <file>', 'waivers (YAML): failures they cover are waived until they expire');
}

function program(io: Io, setExit: (c: ExitCode) => void): Command {
  const p = new Command('migrate-preflight')
    .description('Checks whether a source hypervisor host can migrate its VMs to a destination host, over SSH, read-only.')
    .version(TOOL.version)
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .exitOverride()
    // Options after a subcommand belong to it (replay has its own --waivers, --fail-on ...).
    .enablePositionalOptions()
    .showSuggestionAfterError()
    .argument('<src>', 'source host: [user@]host[:port] or an ssh_config alias')
    .argument('<dst>', 'destination host')
    // Options before a subcommand would be the pair check's and silently lost: refuse them.
    .hook('preSubcommand', (root, sub) => {
      const given = root.options.filter((x) => root.getOptionValueSource(x.attributeName()) === 'cli').map((x) => x.long ?? x.short ?? x.flags);
      if (given.length > 0) throw new UsageError(`${given.join(', ')} before "${sub.name()}": a subcommand's options go after it (migrate-preflight ${sub.name()} ${given[0]} ...)`);
    });
  probeOptions(p)
    .option('-d, --domain <name>', 'domain to migrate (repeatable; default: every running domain on src)', collect)
    .option('--measure-bandwidth', 'measure it: a bounded transfer (64 MiB or 5 s) from src to dst relayed over the two SSH sessions')
    .addOption(
      new Option('--mode <mode>', 'how the guests move: live (shared storage), block (live, copying the disks), cold (shut off, copied, defined), save (virsh save, then restore on dst)')
        .choices([...MODES])
        .default(DEFAULTS.mode),
    )
    .option('--save-dir <dir>', `save mode: the directory the save images go to, on both hosts (default ${DEFAULTS.saveDir})`, absolutePath)
    .option('--unsafe', "the migration will run with virsh migrate --unsafe: libvirt's storage safety check is overridden")
    .option('--baseline <report.json>', 'an earlier JSON report of this pair: say what is new, resolved, changed');
  outputOptions(p);
  p.addHelpText(
      'after',
      '\nExit codes: 0 go; 1 a failure at or above --fail-on; 2 usage or rule file error (nothing probed);\n' +
        '            3 a host could not be probed, or a rule at or above --fail-on ended in error.\n',
    )
    .action(async (src: string, dst: string, o: PairOpts) => setExit(await runPair(src, dst, o, io)));

  const fl = p
    .command('fleet')
    .argument('[hosts...]', 'hosts: [user@]host[:port] or ssh_config aliases (after those of --inventory)')
    .description('check every ordered pair of a set of hosts: which host can take VMs from which (live migration)')
    .option('--inventory <file>', 'hosts from a YAML host list or an Ansible inventory (YAML or INI)')
    .option('--group <name>', 'only the hosts of this inventory group (and its children)')
    .option('--concurrency <n>', 'hosts probed at once', positiveInt, FLEET_DEFAULTS.concurrency)
    .option('--new-host <host>', 'gate: check this host against every other in both directions; exit 1 when it breaks a pair that works without it')
    .option('--change-id <id>', 'the change or ticket this run is evidence for (in the JSON and on the HTML page, with sign-off fields)', changeId);
  probeOptions(fl);
  for (const f of FLEET_FORMATS) fl.option(`--${f} <file|->`, `write the fleet ${f === 'json' ? 'JSON report' : 'HTML heatmap'} (atomically; '-' for stdout)`);
  fl.addOption(new Option('--fail-on <severity>', 'lowest severity that makes a pair NO-GO').choices([...SEVERITIES.filter((x) => x !== 'info'), 'never']).default(DEFAULTS.failOn))
    .option('--no-color', 'no colour (also NO_COLOR)')
    .option('-q, --quiet', 'print only unprobed hosts, failing pairs, the gate and the summary')
    .addHelpText(
      'after',
      '\nExit codes: 0 every pair go (with --new-host: the new host breaks no pair); 1 a pair no-go (the new host breaks one);\n' +
        '            2 usage, inventory or rule file error; 3 a host could not be probed, or a pair is incomplete.\n',
    )
    .action(async (hosts: string[], o: FleetOpts) => setExit(await runFleet(hosts, o, io)));

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
    const report = replay(file, { rules: o.rules, only: o.only, skip: o.skip, waivers: o.waivers, baseline: o.baseline, failOn: o.failOn, strict: o.strict ?? false, ...(o.changeId !== undefined ? { changeId: o.changeId } : {}) });
    setExit(await emit(report, o, io));
  });

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
    .argument('<which>', Object.keys(SCHEMAS).join(' | '))
    .description('print a published JSON Schema')
    .action((which: string) => {
      const schema = SCHEMAS[which as keyof typeof SCHEMAS];
      if (!schema) throw new UsageError(`unknown schema "${which}"; available: ${Object.keys(SCHEMAS).join(', ')}`);
      io.stdout.write(`${JSON.stringify(schema, null, 2)}\n`);
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
    // Error text can carry bytes from a file or a host (a report starting with terminal escapes): never raw.
    io.stderr.write(`migrate-preflight: ${isPreflightError(e) ? sanitizeForTerminal(formatError(e)) : formatError(e)}\n`);
    if (isPreflightError(e)) return e.exitCode;
    return 3;
  }
}
