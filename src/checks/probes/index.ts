import type { DomainFact, HostFacts, ProbeFailure, ProbeOutput } from '../../types.js';
import { shq } from '../shell.js';
import { parseCpuinfo } from './cpuinfo.js';
import { ParseError } from './parse-error.js';
import { parseHostname, parseLongBit, parseUnameM } from './simple.js';
import { joinDomains, parseVirshList, parseVirshUuids, type ListedDomain } from './virsh.js';

/** What a probe's command may depend on. */
export interface ProbeContext {
  readonly libvirtUri: string;
}

/** A read-only command and the pure parser for what it prints. */
export interface Probe<T = unknown> {
  readonly id: string;
  /** Fact paths this probe feeds; a rule reading one of them ends in `error` when the probe fails. */
  readonly provides: readonly string[];
  /** The shell command, every value quoted with shq(). */
  command(ctx: ProbeContext): string;
  parse(stdout: string): T;
}

function probe<T>(p: Probe<T>): Probe<T> {
  return p;
}

export const PROBES = {
  cpuinfo: probe({ id: 'cpuinfo', provides: ['cpu'], command: () => 'cat /proc/cpuinfo', parse: parseCpuinfo }),
  'uname-m': probe({ id: 'uname-m', provides: ['os.arch'], command: () => 'uname -m', parse: parseUnameM }),
  'long-bit': probe({ id: 'long-bit', provides: ['os.longBit'], command: () => 'getconf LONG_BIT', parse: parseLongBit }),
  hostname: probe({ id: 'hostname', provides: ['host.hostname'], command: () => 'uname -n', parse: parseHostname }),
  'virsh-list': probe({
    id: 'virsh-list',
    provides: ['libvirt.domains', 'migration.domains'],
    command: (ctx) => `virsh -c ${shq(ctx.libvirtUri)} list --all`,
    parse: parseVirshList,
  }),
  'virsh-uuids': probe({
    id: 'virsh-uuids',
    provides: ['libvirt.domains.uuid', 'migration.domains.uuid'],
    command: (ctx) => `virsh -c ${shq(ctx.libvirtUri)} list --all --uuid --name`,
    parse: parseVirshUuids,
  }),
} as const satisfies Record<string, Probe>;

export type ProbeId = keyof typeof PROBES;
export const PROBE_IDS = Object.keys(PROBES) as ProbeId[];

type Parsed = { [K in ProbeId]?: ReturnType<(typeof PROBES)[K]['parse']> };

/** A short reason for a failed probe, from its exit code and stderr (127: command not found). */
export function probeFailureReason(out: ProbeOutput): string | null {
  if (out.exitCode === 0) return null;
  const err = out.stderr.trim().split('\n').filter(Boolean).slice(-2).join(' / ').slice(0, 300);
  if (out.exitCode === null) return `did not finish${err ? `: ${err}` : ''}`;
  if (out.exitCode === 127) return `command not found${err ? `: ${err}` : ''}`;
  if (out.exitCode === 124) return 'timed out on the host';
  return `exit code ${out.exitCode}${err ? `: ${err}` : ''}`;
}

/**
 * Parses every probe's output and assembles the host's facts. Pure: failures are returned, not
 * thrown, so one broken probe costs only the rules that need it.
 */
export function buildFacts(
  outputs: Readonly<Record<string, ProbeOutput>>,
  missingProbes: readonly string[] = [],
): { facts: HostFacts; failures: ProbeFailure[] } {
  const failures: ProbeFailure[] = missingProbes.map((probe) => ({ probe, reason: 'no output collected' }));
  const parsed: Parsed = {};
  for (const id of PROBE_IDS) {
    const out = outputs[id];
    if (out === undefined) continue;
    const reason = probeFailureReason(out);
    if (reason !== null) {
      failures.push({ probe: id, reason });
      continue;
    }
    try {
      (parsed as Record<string, unknown>)[id] = PROBES[id].parse(out.stdout);
    } catch (e) {
      if (!(e instanceof ParseError)) throw e;
      failures.push({ probe: id, reason: `unparsable output: ${e.message}` });
    }
  }
  const facts: HostFacts = {};
  if (parsed.cpuinfo) facts.cpu = parsed.cpuinfo;
  if (parsed['uname-m'] !== undefined || parsed['long-bit'] !== undefined) {
    facts.os = {};
    if (parsed['uname-m'] !== undefined) facts.os.arch = parsed['uname-m'];
    if (parsed['long-bit'] !== undefined) facts.os.longBit = parsed['long-bit'];
  }
  if (parsed.hostname !== undefined) facts.host = { hostname: parsed.hostname };
  const list: ListedDomain[] | undefined = parsed['virsh-list'];
  if (list) facts.libvirt = { domains: joinDomains(list, parsed['virsh-uuids'] ?? null) };
  return { facts, failures };
}

/**
 * The domains this run moves: the names given with -d, or (host evacuation) every running
 * domain. Names asked for but absent on the source are reported as missing.
 */
export function selectDomains(
  domains: readonly DomainFact[],
  requested: readonly string[],
): { domains: DomainFact[]; missing: string[] } {
  if (requested.length === 0) return { domains: domains.filter((d) => d.state === 'running' || d.state === 'paused'), missing: [] };
  const byName = new Map(domains.map((d) => [d.name, d]));
  return {
    domains: requested.flatMap((n) => byName.get(n) ?? []),
    missing: requested.filter((n) => !byName.has(n)),
  };
}
