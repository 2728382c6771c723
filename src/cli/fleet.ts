import { type Command, Option } from 'commander';
import { DEFAULTS } from '../pair/options.js';
import type { FleetOptions } from '../fleet/fleet.js';
import { FLEET_DEFAULTS, type FleetReport } from '../fleet/types.js';
import { sanitizeForTerminal } from '../report/sanitize.js';
import { UsageError } from '../errors.js';
import type { ExitCode } from '../types.js';
import { SEVERITIES } from '../types.js';
import { changeId, positiveInt, probeOptions, probeSettings, type FleetOpts } from './options.js';
import { checkOutputs, colorWanted, interruptible, writeReport, type Io } from './output.js';

const FLEET_FORMATS = ['json', 'html'] as const;

/** What --from goes with: the rule selection, the gate and the outputs; every other option is about reaching or probing hosts. */
const WITH_FROM = new Set(['from', 'strict', 'rules', 'only', 'skip', 'waivers', 'failOn', 'newHost', 'changeId', 'json', 'html', 'color', 'quiet']);

/** The fleet of the saved reports of --from, re-evaluated with today's rules: no host contacted. */
async function fromSaved(from: string, args: readonly string[], o: FleetOpts, cmd: Command, io: Io): Promise<FleetReport> {
  if (args.length > 0) throw new UsageError(`--from re-evaluates the hosts of the saved reports: no host arguments with it (got ${args.join(' ')})`);
  const given = cmd.options.filter((x) => cmd.getOptionValueSource(x.attributeName()) === 'cli' && !WITH_FROM.has(x.attributeName())).map((x) => x.long ?? x.flags);
  if (given.length > 0) throw new UsageError(`--from contacts no host: ${given.join(', ')} cannot be used with it`);
  checkOutputs(o, FLEET_FORMATS);
  const [{ fleetFrom }, { rulesFor }] = await Promise.all([import('../fleet/from.js'), import('../check.js')]);
  const ruleSet = rulesFor(o);
  // --fail-on and --change-id: the saved run's unless given again (as replay).
  const failOn = cmd.getOptionValueSource('failOn') === 'cli' ? o.failOn : undefined;
  const { report, notes } = fleetFrom(from, { rules: o.rules, only: o.only, skip: o.skip, waivers: o.waivers, failOn, changeId: o.changeId, newHost: o.newHost, strict: o.strict ?? false }, ruleSet);
  for (const n of notes) io.stderr.write(`migrate-preflight: ${sanitizeForTerminal(n)}\n`);
  return report;
}

/** The hosts of the arguments and --inventory, probed. */
async function probed(args: readonly string[], o: FleetOpts, io: Io): Promise<FleetReport> {
  if (o.strict) throw new UsageError('--strict needs --from (it refuses saved reports whose evidence was altered)');
  if (o.group !== undefined && o.inventory === undefined) throw new UsageError('--group needs --inventory');
  const { loadInventory } = await import('../fleet/inventory.js');
  const { fleet } = await import('../fleet/fleet.js');
  const { rulesFor } = await import('../check.js');
  const inventory = o.inventory ? loadInventory(o.inventory, o.group === undefined ? {} : { group: o.group }) : null;
  const hosts = [...(inventory?.hosts.map((h) => h.target) ?? []), ...args];
  if (hosts.length === 0) throw new UsageError('fleet needs hosts: give them as arguments or with --inventory FILE (or saved reports with --from)');
  checkOutputs(o, FLEET_FORMATS);
  const options: FleetOptions = { hosts, inventory: o.inventory ?? null, concurrency: o.concurrency, newHost: o.newHost, ...probeSettings(o), ...(o.changeId !== undefined ? { changeId: o.changeId } : {}) } as FleetOptions;
  const ruleSet = rulesFor(options); // bad rule files end the run here: exit 2, nothing probed
  const quiet = o.quiet ?? false;
  const onHost: FleetOptions['onHost'] = (t, phase, d) => {
    if (!quiet && (phase === 'done' || phase === 'failed')) io.stderr.write(`[${t}] ${phase}${d ? `: ${d}` : ''}\n`);
  };
  return interruptible(io, (signal) => fleet({ ...options, onHost, signal }, ruleSet));
}

async function runFleet(args: readonly string[], o: FleetOpts, cmd: Command, io: Io): Promise<ExitCode> {
  const report = o.from !== undefined ? await fromSaved(o.from, args, o, cmd, io) : await probed(args, o, io);
  const toStdout = FLEET_FORMATS.filter((f) => o[f] === '-');
  const render = await import('../fleet/render.js');
  const color = colorWanted(o, io) && toStdout.length === 0;
  (toStdout.length > 0 ? io.stderr : io.stdout).write(render.renderFleetConsole(report, { color, quiet: o.quiet ?? false }));
  if (o.json !== undefined) writeReport(o.json, render.fleetJsonChunks(report), io);
  if (o.html !== undefined) writeReport(o.html, render.renderFleetHtml(report), io);
  return report.summary.exitCode;
}

/** The fleet command: every ordered pair of a set of hosts. */
export function fleetCommand(p: Command, io: Io, setExit: (c: ExitCode) => void): void {
  const fl = p
    .command('fleet')
    .argument('[hosts...]', 'hosts: [user@]host[:port] or ssh_config aliases (after those of --inventory)')
    .description('check every ordered pair of a set of hosts: which host can take VMs from which (live migration)')
    .option('--inventory <file>', 'hosts from a YAML host list or an Ansible inventory (YAML or INI)')
    .option('--group <name>', 'only the hosts of this inventory group (and its children)')
    .option('--concurrency <n>', 'hosts probed at once', positiveInt, FLEET_DEFAULTS.concurrency)
    .option('--new-host <host>', 'gate: check this host against every other in both directions; exit 1 when it breaks a pair that works without it')
    .option('--change-id <id>', 'the change or ticket this run is evidence for (in the JSON and on the HTML page, with sign-off fields)', changeId)
    .option('--from <file|dir>', "re-evaluate saved fleet JSON reports (a file, or a directory's *.json merged by host) with today's rules; contacts no host")
    .option('--strict', "with --from: refuse a report whose evidence was altered (a probe's output no longer matching its recorded sha256)");
  probeOptions(fl);
  for (const f of FLEET_FORMATS) fl.option(`--${f} <file|->`, `write the fleet ${f === 'json' ? 'JSON report' : 'HTML heatmap'} (atomically; '-' for stdout)`);
  fl.addOption(new Option('--fail-on <severity>', 'lowest severity that makes a pair NO-GO').choices([...SEVERITIES.filter((x) => x !== 'info'), 'never']).default(DEFAULTS.failOn))
    .option('--no-color', 'no colour (also NO_COLOR)')
    .option('-q, --quiet', 'print only unprobed hosts, failing pairs, the gate and the summary')
    .addHelpText(
      'after',
      '\nExit codes: 0 every pair go (with --new-host: the new host breaks no pair); 1 a pair no-go (the new host breaks one);\n' +
        '            2 usage, inventory, rule file or saved report error; 3 a host could not be probed, or a pair is incomplete.\n' +
        '\nfleet --from FILE|DIR re-evaluates saved fleet reports (fleet --json) with the rules, waivers, --fail-on and --new-host\n' +
        'given now (--fail-on, --change-id and the gate default to the saved run\'s); options about reaching hosts are refused with it.\n',
    )
    .action(async (hosts: string[], o: FleetOpts, cmd: Command) => setExit(await runFleet(hosts, o, cmd, io)));
}
