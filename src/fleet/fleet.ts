import { collectSettings, DEFAULTS, rulesFor, type CheckOptions } from '../check.js';
import { reportOptions } from '../pair/evaluate.js';
import { collectHosts, type PlannedHost } from '../collection/hosts.js';
import { UsageError } from '../errors.js';
import type { RuleSet } from '../checks/rules.js';
import { loadWaivers } from '../checks/waivers.js';
import { loadSshConfig, resolveTarget, type ResolvedTarget, type TargetOverrides } from '../ssh/target.js';
import { namesCommand, netCommand, type PeerQuery } from './peers.js';
import { peerQueries, probedOf } from './peer-probe.js';
import type { Probed } from './matrix.js';
import { fleetReport } from './assemble.js';
import { FLEET_DEFAULTS, type FleetReport } from './types.js';

/** What a fleet run needs: the pair options (less the pair and what only a pair can do) and the hosts. */
export interface FleetOptions extends Omit<CheckOptions, 'src' | 'dst' | 'onProgress' | 'measureBandwidth' | 'baseline' | 'domains'> {
  /** `[user@]host[:port]` or ssh_config aliases, in order; duplicates count once. */
  readonly hosts: readonly string[];
  /** Where the hosts came from (recorded in the report). */
  readonly inventory?: string | null;
  /** Hosts probed at once (default 32). */
  readonly concurrency?: number;
  /** Gate mode: check this host against every other in both directions (added to the hosts when absent). */
  readonly newHost?: string;
  readonly onHost?: (target: string, phase: 'connecting' | 'collecting' | 'done' | 'failed', detail?: string) => void;
}

/**
 * Probes every host once with the one collection planner (src/collection/hosts.ts), each host a
 * source and a destination checked against every other: its own probes, and beside them, on
 * a channel of its own, its way to every other host (routes and TCP: they need only the others'
 * addresses); then, when every host has answered (so their hostnames are known), a second round:
 * how it resolves the others' hostnames, and its running guests' disk sizes.
 */
async function probeFleet(targets: readonly ResolvedTarget[], o: FleetOptions): Promise<Probed[]> {
  const transport = o.transport ?? DEFAULTS.transport;
  const hosts: PlannedHost[] = targets.map((target, i) => ({ target, role: { src: true, dst: true }, peers: targets.flatMap((_, j) => (j === i ? [] : [j])) }));
  const asked: PeerQuery[][] = targets.map((_, i) => peerQueries(targets, i, () => null, transport));
  // fleet() refuses every mode but live: the settings say live.
  const collected = await collectHosts(hosts, collectSettings({ ...o, domains: [] }, Math.max(1, o.concurrency ?? FLEET_DEFAULTS.concurrency), false), {
    progress: (i, phase, detail) => o.onHost?.((targets[i] as ResolvedTarget).target, phase, detail),
    firstExtra: (i) => [{ id: 'fleet-net', command: netCommand(asked[i] as PeerQuery[]) }],
    secondExtra: (i, known) => {
      const q = (asked[i] = peerQueries(targets, i, (j) => known.peers[j < i ? j : j - 1]?.facts ?? null, transport));
      return [{ id: 'fleet-names', command: namesCommand(q) }];
    },
  });
  return collected.map(({ report }, i) => {
    const t = targets[i] as ResolvedTarget;
    const p = probedOf(report, i, asked[i] as PeerQuery[]);
    o.onHost?.(t.target, report.error ? 'failed' : 'done', report.error?.message ?? report.hostname ?? undefined);
    return p;
  });
}

/**
 * Checks a fleet: every host probed once (bounded by --concurrency), then every ordered pair
 * evaluated here with the pair rules. Throws only for bad input (usage, rule files, ssh_config,
 * waivers); hosts that cannot be probed are part of the report.
 */
export async function fleet(o: FleetOptions, ruleSet: RuleSet = rulesFor(o)): Promise<FleetReport> {
  const started = new Date();
  const t0 = performance.now();
  if ((o.mode ?? DEFAULTS.mode) !== 'live') throw new UsageError('fleet checks live migration only (--mode live); check other modes pair by pair');
  const waivers = o.waivers ? loadWaivers(o.waivers) : [];
  const config = loadSshConfig(o.sshConfigFile);
  const overrides: TargetOverrides = { sshConfigFile: o.sshConfigFile, user: o.user, identityFiles: o.identityFiles, jump: o.jump, knownHostsFile: o.knownHostsFile, acceptNewHostKeys: o.acceptNewHostKeys };
  const names = [...new Set([...o.hosts, ...(o.newHost && !o.hosts.includes(o.newHost) ? [o.newHost] : [])])];
  if (names.length < 2) throw new UsageError(`a fleet needs at least two hosts, got ${names.length}`);
  const targets = names.map((h) => resolveTarget(h, config, overrides));
  const collected = await probeFleet(targets, o);
  const interrupt = o.signal?.aborted ? (o.signal.reason === 'SIGTERM' ? ('SIGTERM' as const) : ('SIGINT' as const)) : null;
  // Interrupted: a host cut short says so (its connection was closed by us, not dropped).
  const probed = interrupt
    ? collected.map((p) => (p.report.error && p.report.error.code !== 'MP_INTERRUPTED' ? { ...p, report: { ...p.report, error: { code: 'MP_INTERRUPTED', message: `interrupted (${interrupt}) during collection: ${p.report.error.message}` } } } : p))
    : collected;
  return fleetReport(probed, {
    ruleSet,
    options: reportOptions({ ...o, domains: [] }),
    fleet: { inventory: o.inventory ?? null, concurrency: Math.max(1, o.concurrency ?? FLEET_DEFAULTS.concurrency), newHost: o.newHost ?? null },
    newHostTarget: o.newHost ? (targets[names.indexOf(o.newHost)]?.target ?? o.newHost) : null,
    waivers,
    started,
    t0,
    probingMs: performance.now() - t0,
    interrupt,
  });
}
