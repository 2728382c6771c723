import { collection, DEFAULTS, hostReport, open, peerPlanFacts, pick, reportOptions, rulesFor, unprobed, type CheckOptions, type Collection, type Round } from '../check.js';
import { UsageError, PreflightError } from '../errors.js';
import { buildFacts, controlPort, diskQueries, MIGRATION_DATA_PORT, probesFor, selectDomains, type ProbeContext, type ProbeId } from '../checks/probes/index.js';
import type { RuleSet } from '../checks/rules.js';
import { loadWaivers } from '../checks/waivers.js';
import type { SshSession } from '../ssh/connect.js';
import { loadSshConfig, resolveTarget, type ResolvedTarget, type TargetOverrides } from '../ssh/target.js';
import { xendListening } from '../checks/xen-move.js';
import { namesCommand, netCommand, parsePeers, type PeerFacts, type PeerQuery } from './peers.js';
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

/** Runs fn over items with at most `limit` at once, keeping the results in order. */
async function pool<T, R>(items: readonly T[], limit: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}


/**
 * Probes every host once: its own probes, and beside them, on a second channel of the same SSH
 * session, its way to every other host (routes and TCP: they need only the others' addresses);
 * then, when every host has answered (so their hostnames are known), a second round down the
 * same shell: how it resolves the others' hostnames, and its running guests' disk sizes. With
 * at most `concurrency` hosts the sessions stay open in between (one SSH handshake per host);
 * with more, each host is connected to twice.
 */
async function probeFleet(targets: readonly ResolvedTarget[], o: FleetOptions): Promise<Probed[]> {
  // An interrupt closes every open session (their commands end with what they printed); hosts not yet connected are not.
  const live = new Set<SshSession>();
  const track = (s: SshSession | PreflightError): SshSession | PreflightError => {
    if (s instanceof PreflightError) return s;
    if (o.signal?.aborted) s.close();
    else live.add(s);
    return s;
  };
  const closeAll = (): void => live.forEach((s) => s.close());
  o.signal?.addEventListener('abort', closeAll, { once: true });
  try {
    return await probeHosts(targets, o, track);
  } finally {
    o.signal?.removeEventListener('abort', closeAll);
  }
}

async function probeHosts(targets: readonly ResolvedTarget[], o: FleetOptions, track: (s: SshSession | PreflightError) => SshSession | PreflightError): Promise<Probed[]> {
  const hv = o.hypervisor ?? DEFAULTS.hypervisor;
  const limit = Math.max(1, o.concurrency ?? FLEET_DEFAULTS.concurrency);
  const keepOpen = targets.length <= limit;
  const base: ProbeContext = { libvirtUri: o.libvirtUri ?? DEFAULTS.libvirtUri, transport: o.transport ?? DEFAULTS.transport };
  const firstIds: ProbeId[] = [...probesFor('dst', 1, ['save-dir'], hv), ...(o.dirtyRateMiBs === undefined && hv !== 'xen' ? (['dirty-rate'] as const) : [])];
  const progress = (t: ResolvedTarget) => (phase: 'connecting' | 'collecting', detail?: string) => o.onHost?.(t.target, phase, detail);
  // The ports every host tries on every other: the control port and QEMU's first migration port.
  const ports = (p: ResolvedTarget): number[] => [controlPort(base.transport, p.port), MIGRATION_DATA_PORT];
  interface First {
    readonly s: SshSession;
    /** The host's collection, still open for the second round when the session is kept. */
    readonly c: Collection | null;
    /** Round 1 as split for planning (the final rounds come from finish()). */
    readonly round: Round;
    /** Finished rounds: the network half, and round 1 when the session was not kept. */
    readonly done: Round[];
  }
  const first = await pool(targets, limit, async (t, i): Promise<First | PreflightError> => {
    const s = track(await open(t, o, progress(t)));
    if (s instanceof PreflightError) return s;
    o.onHost?.(t.target, 'collecting', `${firstIds.length} probes`);
    const net = targets.filter((_, j) => j !== i).map((p) => ({ host: p.host, hostname: null, ports: ports(p) }));
    const c = collection(s, t, o);
    const n = collection(s, t, o);
    const [round] = await Promise.all([c.round(firstIds, { ...base, domains: [] }), n.round([], base, [{ id: 'fleet-net', command: netCommand(net) }])]);
    const done = await n.finish();
    if (keepOpen) return { s, c, round, done };
    done.push(...(await c.finish()));
    s.close();
    return { s, c: null, round, done };
  });
  // What the second round needs to know of each host: its hostname and xend's relocation port.
  const known = first.map((f) => (f instanceof PreflightError ? null : peerPlanFacts(f.round.outputs)));
  // xend's relocation port, where a host's xend listens, is known only now.
  const xendPorts = known.map((k): number[] => {
    const x = xendListening(k);
    return x ? [x.relocationPort] : [];
  });
  return pool(targets, limit, async (t, i): Promise<Probed> => {
    const f = first[i] as First | PreflightError;
    if (f instanceof PreflightError) {
      o.onHost?.(t.target, 'failed', f.message);
      return { report: unprobed(t, f), peers: [], peersError: f.message };
    }
    const rounds: Round[] = [...f.done];
    let session: SshSession | PreflightError = f.s;
    let others: PeerQuery[] = [];
    try {
      let c = f.c;
      if (f.round.error === null) {
        const own = buildFacts(pick(f.round.outputs, ['virsh-list', 'virsh-uuids', 'virsh-domxml'])).facts;
        const disks = diskQueries(own.libvirt?.domains ? selectDomains(own.libvirt.domains, []).domains : []);
        others = targets.flatMap((p, j) => (j === i ? [] : [{ host: p.host, hostname: known[j]?.host?.hostname ?? null, ports: [...ports(p), ...(xendPorts[j] ?? [])] }]));
        const extra = xendPorts.filter((_, j) => j !== i);
        if (c === null) {
          session = track(await open(t, o, () => {}));
          c = session instanceof PreflightError ? null : collection(session, t, o);
        }
        if (session instanceof PreflightError) rounds.push({ outputs: {}, missing: [], error: { code: session.code, message: `second connection: ${session.message}` } });
        else await c?.round(disks.length > 0 ? ['disk-sizes'] : [], { ...base, disks }, [{ id: 'fleet-names', command: namesCommand(others, extra) }]);
      }
      if (c) rounds.push(...(await c.finish()));
      const report = hostReport(t, session instanceof PreflightError ? f.s : session, rounds);
      const outs = [report.probes['fleet-net'], report.probes['fleet-names']];
      let peers: (PeerFacts | null)[] = [];
      let peersError: string | null = null;
      const badAt = outs.findIndex((x) => x === undefined || x.exitCode !== 0);
      if (badAt < 0) {
        try {
          const parsed = parsePeers(outs.map((x) => x?.stdout ?? '').join('\n'), others);
          peers = targets.map((_, j) => (j === i ? null : (parsed[j < i ? j : j - 1] ?? null)));
        } catch (e) {
          peersError = `unparsable output: ${(e as Error).message}`;
        }
      } else {
        const bad = outs[badAt];
        peersError = `${badAt === 0 ? 'fleet-net' : 'fleet-names'}: ${bad ? `exit code ${bad.exitCode ?? 'none'}: ${bad.stderr.trim().slice(0, 200)}` : 'not collected'}`;
      }
      o.onHost?.(t.target, report.error ? 'failed' : 'done', report.error?.message ?? report.hostname ?? undefined);
      return { report, peers, peersError };
    } finally {
      f.s.close();
      if (!(session instanceof PreflightError) && session !== f.s) session.close();
    }
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
