import { createHash, randomBytes } from 'node:crypto';
import { accessSync, closeSync, constants as fsConstants, openSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { dirname, join, basename, resolve } from 'node:path';
import { formatError, ReportWriteError, UsageError } from '../errors.js';
import { FILE_FORMATS, REPORTERS, type ReportContext } from '../report/index.js';
import type { ExitCode, Report } from '../types.js';
import type { OutputOpts } from './options.js';

/** Where the CLI writes; tests pass their own. */
export interface Io {
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean };
  readonly env: NodeJS.ProcessEnv;
}

/** NO_COLOR set to a non-empty value turns colour off (no-color.org); set but empty it does not. */
export const colorWanted = (o: { color: boolean }, io: Io): boolean => o.color && io.stdout.isTTY === true && !io.env.NO_COLOR;

/**
 * Every requested report path can be written, checked before any host is contacted: at most one
 * goes to stdout, each one's directory exists and is writable, and none is a directory.
 * @throws UsageError naming the option and the path.
 */
export function checkOutputs<F extends string>(o: { readonly [K in F]?: string | undefined }, formats: readonly F[]): void {
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

/** Writes a report file atomically (temp file + rename), or to stdout for '-'. */
export function writeReport(path: string, text: string | Iterable<string>, io: Io): void {
  if (path === '-') {
    for (const piece of batched(text)) io.stdout.write(piece);
    return;
  }
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const fd = openSync(tmp, 'w', 0o644);
    try {
      for (const piece of batched(text)) writeSync(fd, piece);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw new ReportWriteError(`cannot write report ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
}

/** A text, or its pieces joined into writes of about a MiB (a large fleet's JSON is longer than one string can be). */
function* batched(text: string | Iterable<string>): Generator<string> {
  if (typeof text === 'string') return void (yield text);
  let buf: string[] = [];
  let size = 0;
  for (const piece of text) {
    buf.push(piece);
    size += piece.length;
    if (size >= 1 << 20) {
      yield buf.join('');
      buf = [];
      size = 0;
    }
  }
  if (buf.length > 0) yield buf.join('');
}

/**
 * Runs a collection that Ctrl-C or SIGTERM ends early: it stops collecting, and the caller writes
 * what was collected to every report (exit 130/143). A second signal exits at once.
 */
export async function interruptible<T>(io: Io, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
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

/**
 * Writes every requested report file, then prints the console report (whose summary states the
 * exit code the process returns: 3 when a file could not be written) and the one to stdout.
 */
export async function emit(report: Report, o: OutputOpts, io: Io): Promise<ExitCode> {
  checkOutputs(o, FILE_FORMATS);
  const toStdout = FILE_FORMATS.filter((f) => o[f] === '-');
  const color = colorWanted(o, io) && toStdout.length === 0;
  const [{ renderConsole }, { renderJson }] = await Promise.all([import('../report/console.js'), import('../report/json.js')]);
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
