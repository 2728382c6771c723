import { type Command, InvalidArgumentError, Option } from 'commander';
import type { HypervisorChoice } from '../checks/hypervisor-pair.js';
import { HYPERVISORS, type Mode } from '../checks/vocabulary.js';
import { DEFAULTS, type CheckOptions } from '../pair/options.js';
import { FILE_FORMATS, FORMAT_LABEL, type FileFormat } from '../report/index.js';
import type { FailOn } from '../types.js';
import { SEVERITIES } from '../types.js';

/** --hypervisor's choices (checks/hypervisor-pair.ts's, which loads the evaluator: the options are defined before any run needs that). */
const HYPERVISOR_CHOICES: readonly HypervisorChoice[] = ['auto', ...HYPERVISORS];

/** The longest timeout taken, seconds: a day (Node's timers overflow past about 24.8 days). */
export const MAX_TIMEOUT_S = 86_400;

export function positiveSeconds(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a positive number of seconds');
  if (n > MAX_TIMEOUT_S) throw new InvalidArgumentError(`expected at most ${MAX_TIMEOUT_S} seconds (a day)`);
  return n;
}

export const collect = (v: string, prev: string[] = []): string[] => [...prev, v];

export function absolutePath(v: string): string {
  if (!v.startsWith('/') || /[\n\r\0]/.test(v)) throw new InvalidArgumentError('expected an absolute path');
  return v;
}

/** A non-negative number with a unit for the error message (MiB/s, ms, MiB); positive when `strict`. */
export const amount = (unit: string, strict: boolean) => (v: string): number => {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n < 0 || (strict && n === 0)) throw new InvalidArgumentError(`expected a ${strict ? 'positive' : 'non-negative'} number of ${unit}`);
  return n;
};

export function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive whole number');
  return n;
}

/** A change or ticket id: what change-management systems print (CHG0012345, CR-2026-17, OPS#42). */
export function changeId(v: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._:#/-]{0,63}$/.test(v)) throw new InvalidArgumentError('expected 1-64 letters, digits and . _ : # / -');
  return v;
}

export type OutputOpts = { [F in FileFormat]?: string } & { color: boolean; quiet?: boolean; changeId?: string };

export interface PairOpts extends OutputOpts {
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

export interface FleetOpts extends Omit<PairOpts, 'domain' | 'measureBandwidth' | 'mode' | 'saveDir' | 'baseline' | FileFormat> {
  inventory?: string;
  group?: string;
  concurrency: number;
  newHost?: string;
  json?: string;
  html?: string;
  from?: string;
  strict?: boolean;
}

/** The options of probeOptions(), as check() and fleet() take them. */
export function probeSettings(o: FleetOpts | PairOpts) {
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

/** The report options shared by the pair check and replay. */
export function outputOptions(c: Command, failOnDefault = true): void {
  c.option('--change-id <id>', 'the change or ticket this check is evidence for (shown in every report, with sign-off fields)', changeId);
  for (const f of FILE_FORMATS) c.option(`--${f} <file|->`, `write the ${FORMAT_LABEL[f]} report (atomically; '-' for stdout)`);
  const failOn = new Option('--fail-on <severity>', 'lowest severity that fails the run').choices([...SEVERITIES.filter((s) => s !== 'info'), 'never']);
  c.addOption(failOnDefault ? failOn.default(DEFAULTS.failOn) : failOn);
  c.option('--no-color', 'no colour (also NO_COLOR)');
  c.option('-q, --quiet', 'print only failures, errors and the summary');
}

/** Options of every command that probes hosts: how to reach them, and what to check. */
export function probeOptions(c: Command): Command {
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
