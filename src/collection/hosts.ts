/**
 * Collection of a set of hosts, the one way both the pair check and the fleet probe: every host
 * its first round (own facts, and what it can learn of its peers from their addresses), then,
 * once the first rounds of the hosts it is checked against are in, a second round planned from
 * them (src/checks/probes/plan.ts reads what each probe declares it needs). Data flows one way:
 * targets in, host reports out; the callers evaluate.
 */
import { CollectError, PreflightError } from '../errors.js';
import type { ScriptProbe } from '../checks/collect.js';
import { buildFacts, channelGroups, peerProbesRead, probesOf, secondRound, selfProbesRead, type HostRole, type PlanSettings, type ProbeContext, type ProbeId } from '../checks/probes/index.js';
import type { Known } from '../checks/probes/probe.js';
import type { Mode } from '../checks/vocabulary.js';
import type { SshSession } from '../ssh/connect.js';
import type { ResolvedTarget } from '../ssh/target.js';
import type { HostFacts, HostReport, ProbeOutput } from '../types.js';
import { collection, type Collection, type Round } from '../pair/collection.js';
import { open, unprobed, type SessionOptions } from '../pair/sessions.js';

/** One host of the run and its place in it. */
export interface PlannedHost {
  readonly target: ResolvedTarget;
  readonly role: { readonly src: boolean; readonly dst: boolean };
  /** The hosts it is checked against, by index in the run's hosts. */
  readonly peers: readonly number[];
}

export interface CollectSettings extends SessionOptions {
  /** What every probe command reads (URI, transport, save directory). */
  readonly base: ProbeContext;
  readonly plan: PlanSettings;
  readonly mode: Mode;
  /** -d names (empty: the running domains). */
  readonly domains: readonly string[];
  /** Hosts collected at once. With every host inside it, sessions stay open between the rounds (one handshake each); else each host is connected to twice. */
  readonly concurrency: number;
  /** Return the sessions open (the pair's bandwidth relay needs both); the caller closes them. */
  readonly keepSessions?: boolean;
}

/** The caller's own part: progress, and probes of its own beside the planned ones (the fleet's many-peer probes). */
export interface CollectHooks {
  progress?(i: number, phase: 'connecting' | 'collecting', detail?: string): void;
  /** Round 1, on a channel of its own (they wait on the network, not on the host). */
  firstExtra?(i: number): readonly ScriptProbe[];
  /** Round 2, after the planned probes. */
  secondExtra?(i: number, known: Known): readonly ScriptProbe[];
}

export interface Collected {
  readonly report: HostReport;
  /** Open only with keepSessions, for hosts that were reached. */
  readonly session: SshSession | null;
}

/** A host's report from its rounds: every output parsed once, here. */
export function hostReport(t: ResolvedTarget, session: SshSession, rounds: readonly Round[]): HostReport {
  const outputs = Object.assign({}, ...rounds.map((r) => r.outputs)) as Record<string, ProbeOutput>;
  const { facts, failures } = buildFacts(outputs, rounds.flatMap((r) => r.missing), session.hostKey);
  const error = rounds.find((r) => r.error !== null)?.error ?? null;
  return { target: t.target, connection: { user: t.user, host: t.host, port: t.port }, hostname: facts.host?.hostname ?? null, reachable: true, error, hostKey: session.hostKey, facts, probes: outputs, probeErrors: failures };
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

/** Some of a host's round-1 outputs, each as soon as it is in (Collection.outputsOf). */
type OutputsOf = (ids: readonly string[]) => Promise<Record<string, ProbeOutput>>;

/**
 * Round 1's outcome on one host: the session (when kept), the main collection, the finished rounds,
 * the facts for planning and, when those are only what round 2's plans read, the outputs not yet parsed.
 */
interface First {
  readonly s: SshSession;
  readonly c: Collection | null;
  /** The other channels' rounds, once their shells have exited (round 2 does not wait for that). */
  readonly done: Promise<Round[]>;
  readonly error: HostReport['error'];
  readonly facts: HostFacts;
  readonly unparsed: Record<string, ProbeOutput> | null;
}

/** Waits for an outcome; resolves once. */
function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve: (v: T) => void = () => {};
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

export async function collectHosts(hosts: readonly PlannedHost[], o: CollectSettings, hooks: CollectHooks = {}): Promise<Collected[]> {
  const limit = Math.max(1, o.concurrency);
  const keepOpen = hosts.length <= limit;
  // An interrupt closes every open session (their commands end with what they printed so far); hosts not yet connected are not.
  const live = new Set<SshSession>();
  const track = (s: SshSession | PreflightError): SshSession | PreflightError => {
    if (s instanceof PreflightError) return s;
    if (o.signal?.aborted) s.close();
    else live.add(s);
    return s;
  };
  const release = (s: SshSession): void => {
    live.delete(s);
    s.close();
  };
  const closeAll = (): void => live.forEach((s) => s.close());
  o.signal?.addEventListener('abort', closeAll, { once: true });
  const progress = (i: number) => (phase: 'connecting' | 'collecting', detail?: string) => hooks.progress?.(i, phase, detail);
  const roleOf = (h: PlannedHost): HostRole => ({ ...h.role, peers: h.peers.length });
  const firstCtx = (h: PlannedHost): ProbeContext => {
    const one = h.peers.length === 1 ? hosts[h.peers[0] as number]?.target : undefined;
    return { ...o.base, domains: o.domains, ...(one ? { peer: { host: one.host, sshPort: one.port } } : {}) };
  };
  const firsts = hosts.map(() => deferred<First | PreflightError>());
  // A host's round-1 outputs as they come in (null: not reached), for the peers that plan their round 2 on some of them.
  const early = hosts.map(() => deferred<OutputsOf | null>());
  // The pair plans round 2 once the peer's probes its plans read are in; the fleet's own round-2 probes read all of them.
  const streamed = keepOpen && hooks.secondExtra === undefined;

  const first = async (h: PlannedHost, i: number): Promise<First | PreflightError> => {
    const s = track(await open(h.target, o, progress(i)));
    if (s instanceof PreflightError) return s;
    const ids = probesOf(roleOf(h), 1, o.plan);
    progress(i)('collecting', `${ids.length} probes`);
    const started = firstRound(s, h.target, ids, firstCtx(h), o, hooks.firstExtra?.(i) ?? []);
    early[i]?.resolve(started.outputsOf);
    const r = await started.finished;
    // The pair plans round 2 from the facts its plans read here; the rest is parsed while round 2 runs.
    const selfReads = streamed ? selfProbesRead(roleOf(h), o.plan) : null;
    const facts = buildFacts(selfReads ? Object.fromEntries(Object.entries(r.round.outputs).filter(([id]) => selfReads.includes(id as ProbeId))) : r.round.outputs).facts;
    if (keepOpen) return { s, c: r.c, done: r.done, error: r.round.error, facts, unparsed: selfReads ? r.round.outputs : null };
    const done = [...(await r.done), ...(await r.c.finish())];
    release(s);
    return { s, c: null, done: Promise.resolve(done), error: r.round.error, facts, unparsed: null };
  };

  const second = async (h: PlannedHost, i: number, f: First | PreflightError): Promise<Collected> => {
    if (f instanceof PreflightError) return { report: unprobed(h.target, f), session: null };
    const rounds: Round[] = [];
    let session: SshSession | PreflightError = f.s;
    let c = f.c;
    try {
      if (f.error === null) {
        const reads = streamed ? peerProbesRead(roleOf(h), o.plan) : [];
        const peers = await Promise.all(h.peers.map(async (j) => {
          const t = (hosts[j] as PlannedHost).target;
          if (streamed) {
            const outputsOf = await (early[j] as { promise: Promise<OutputsOf | null> }).promise;
            return { host: t.host, sshPort: t.port, facts: outputsOf === null ? null : buildFacts(await outputsOf(reads)).facts };
          }
          const p = await (firsts[j] as { promise: Promise<First | PreflightError> }).promise;
          return { host: t.host, sshPort: t.port, facts: p instanceof PreflightError ? null : p.facts };
        }));
        const known: Known = { self: f.facts, peers, mode: o.mode, domains: o.domains };
        const plan = secondRound(roleOf(h), o.plan, firstCtx(h), known);
        const extra = hooks.secondExtra?.(i, known) ?? [];
        if (plan.ids.length > 0 || extra.length > 0) {
          if (c === null) {
            session = track(await open(h.target, o, () => {}));
            c = session instanceof PreflightError ? null : collection(session, h.target, o);
          }
          if (session instanceof PreflightError) rounds.push({ outputs: {}, missing: [], error: { code: session.code, message: `second connection: ${session.message}` } });
          else {
            const running = c?.round(plan.ids, plan.ctx, extra);
            // Its script is on the way: round 1's other outputs are parsed now, not after round 2 (facts.ts keeps each parse).
            if (f.unparsed) buildFacts(f.unparsed);
            await running;
          }
        }
      }
      rounds.unshift(...(await f.done));
      if (c) rounds.push(...(await c.finish()));
      const s = session instanceof PreflightError ? f.s : session;
      return { report: hostReport(h.target, s, rounds), session: o.keepSessions && s === f.s ? s : null };
    } finally {
      if (!o.keepSessions) release(f.s);
      if (!(session instanceof PreflightError) && session !== f.s) release(session);
    }
  };

  try {
    if (keepOpen) {
      return await Promise.all(
        hosts.map(async (h, i) => {
          const f = await first(h, i).catch((e: unknown) => {
            early[i]?.resolve(null);
            firsts[i]?.resolve(e instanceof PreflightError ? e : new CollectError(String(e)));
            throw e;
          });
          early[i]?.resolve(null); // a no-op once round 1 started; here when the host was not reached
          firsts[i]?.resolve(f);
          return second(h, i, f);
        }),
      );
    }
    const f1 = await pool(hosts, limit, async (h, i) => {
      const f = await first(h, i);
      firsts[i]?.resolve(f);
      return f;
    });
    return await pool(hosts, limit, (h, i) => second(h, i, f1[i] as First | PreflightError));
  } finally {
    o.signal?.removeEventListener('abort', closeAll);
  }
}

/**
 * Round 1 of one host on several channels of its session at once: each channel its probes name
 * (Probe.channel: the libvirt probes, the source's peer probes), the rest on the main one, the
 * caller's extra probes (they wait on the network) on another, so the host works on all together.
 * Returns the main collection (round 2 goes down it), round 1 merged for planning, and the
 * finished rounds of the others.
 */
function firstRound(s: SshSession, t: ResolvedTarget, ids: readonly ProbeId[], ctx: ProbeContext, o: SessionOptions, extra: readonly ScriptProbe[]): { outputsOf: OutputsOf; finished: Promise<{ c: Collection; round: Round; done: Promise<Round[]> }> } {
  // The first group's channel takes round 2: the main one's, or with no probes of its own in round 1 another's.
  const groups = channelGroups(ids);
  const c = collection(s, t, o);
  const others = groups.slice(1).map(() => collection(s, t, o));
  const x = extra.length > 0 ? collection(s, t, o) : null;
  const all = [c, ...others];
  const rounds = Promise.all([...all.map((k, i) => k.round(groups[i] as ProbeId[], ctx)), x?.round([], ctx, extra)]);
  const outputsOf: OutputsOf = async (want) => Object.assign({}, ...(await Promise.all(all.map((k) => k.outputsOf(want)))));
  const finished = (async () => {
    const got = (await rounds).slice(0, all.length) as Round[];
    // The outputs are in: round 2 can be planned while the other channels' shells exit.
    const done = Promise.all([...others.map((k) => k.finish()), x ? x.finish() : []]).then((r) => r.flat());
    done.catch(() => {}); // awaited by the host's second round; this only keeps an early failure from being unhandled
    const round: Round = { outputs: Object.assign({}, ...got.map((r) => r.outputs)), missing: got.flatMap((r) => r.missing), error: got.find((r) => r.error !== null)?.error ?? null };
    return { c, round, done };
  })();
  return { outputsOf, finished };
}
