import { type Command, Option } from 'commander';
import { DEFAULTS } from '../pair/options.js';
import type { FleetOptions } from '../fleet/fleet.js';
import { FLEET_DEFAULTS } from '../fleet/types.js';
import { UsageError } from '../errors.js';
import type { ExitCode } from '../types.js';
import { SEVERITIES } from '../types.js';
import { changeId, positiveInt, probeOptions, probeSettings, type FleetOpts } from './options.js';
import { checkOutputs, colorWanted, interruptible, writeReport, type Io } from './output.js';

const FLEET_FORMATS = ['json', 'html'] as const;

async function runFleet(args: readonly string[], o: FleetOpts, io: Io): Promise<ExitCode> {
  if (o.group !== undefined && o.inventory === undefined) throw new UsageError('--group needs --inventory');
  const { loadInventory } = await import('../fleet/inventory.js');
  const { fleet } = await import('../fleet/fleet.js');
  const { rulesFor } = await import('../check.js');
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
  const render = await import('../fleet/render.js');
  const color = colorWanted(o, io) && toStdout.length === 0;
  (toStdout.length > 0 ? io.stderr : io.stdout).write(render.renderFleetConsole(report, { color, quiet }));
  if (o.json !== undefined) writeReport(o.json, render.renderFleetJson(report), io);
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
}
