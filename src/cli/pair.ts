import { type Command, Option } from 'commander';
import { MODES } from '../checks/vocabulary.js';
import { UsageError } from '../errors.js';
import { FILE_FORMATS } from '../report/index.js';
import { DEFAULTS, type CheckOptions } from '../pair/options.js';
import type { ExitCode, Report, Side } from '../types.js';
import { absolutePath, collect, outputOptions, probeOptions, probeSettings, type PairOpts } from './options.js';
import { checkOutputs, emit, interruptible, type Io } from './output.js';

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
  // The check itself (ssh, probes, rules, evaluation) loads once the command line is known good.
  const { check, rulesFor } = await import('../check.js');
  const ruleSet = rulesFor(options); // bad rule files end the run here: exit 2, nothing probed
  const report = await interruptible(io, (signal) => withProgress(io, o.quiet ?? false, (onProgress) => check({ ...options, onProgress, signal }, ruleSet)));
  return emit(report, o, io);
}

/** The pair check, the root command: its own options (after those of every probing command) and its action. */
export function pairCommand(p: Command, io: Io, setExit: (c: ExitCode) => void): void {
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
}
