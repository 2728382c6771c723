import { Command, CommanderError } from 'commander';
import { formatError, isPreflightError, UsageError } from './errors.js';
import { TOOL } from './paths.js';
import { sanitizeForTerminal } from './report/sanitize.js';
import type { ExitCode } from './types.js';
import { fleetCommand } from './cli/fleet.js';
import type { Io } from './cli/output.js';
import { pairCommand } from './cli/pair.js';
import { replayCommand, rulesCommand, schemaCommand } from './cli/replay.js';

export type { Io } from './cli/output.js';
export { writeReport } from './cli/output.js';
export { MAX_TIMEOUT_S } from './cli/options.js';

const defaultIo: Io = { stdout: process.stdout, stderr: process.stderr, env: process.env };

/** The command line. Each command's options are defined here, its work loaded when it runs. */
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
  pairCommand(p, io, setExit);
  fleetCommand(p, io, setExit);
  replayCommand(p, io, setExit);
  rulesCommand(p, io, setExit);
  schemaCommand(p, io, setExit);
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
