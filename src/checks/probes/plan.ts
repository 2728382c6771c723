/**
 * The collection plan: which probes a host runs in each round, and with what context. Pure: the
 * probes declare what they need (their side, their round, whether they ask about the one peer of
 * a pair, and for round 2 what they need of round 1: Probe.plan); this reads those declarations
 * for a host's place in the run. The pair check and the fleet both collect with it (src/collection/).
 */
import type { Hypervisor } from '../vocabulary.js';
import type { Known, Probe, ProbeContext } from './probe.js';
import { PROBES, type ProbeId } from './table.js';

export { diskQueries, selectDomains } from '../moving.js';

export const PROBE_IDS = Object.keys(PROBES) as ProbeId[];

/** Probes that tell the hypervisors apart: they run even when --hypervisor names one (a host running the other refuses the pair). */
const DETECTION: ReadonlySet<ProbeId> = new Set(['xl-info', 'virsh-version']);

/** A host's place in the run. */
export interface HostRole {
  /** A source: its guests move (a fleet's hosts are both). */
  readonly src: boolean;
  /** A destination: it takes them. */
  readonly dst: boolean;
  /** How many hosts it is checked against: 1 in a pair (the peer-asking probes run), more in a fleet. */
  readonly peers: number;
}

/** The run's settings the plan reads. */
export interface PlanSettings {
  readonly hypervisor: Hypervisor | 'auto';
  /** Probes left out: save-dir outside save mode, dirty-rate when --dirty-rate gives the rate. */
  readonly without: readonly ProbeId[];
}

/** One round's probes for one host, with the context their commands read. */
export interface RoundPlan {
  readonly ids: ProbeId[];
  readonly ctx: ProbeContext;
}

/**
 * The probes one host runs in a round. A named hypervisor leaves out the other one's probes
 * (auto runs both kinds: the Xen ones print nothing where there is no Xen toolstack).
 */
export function probesOf(role: HostRole, round: 1 | 2, s: PlanSettings): ProbeId[] {
  return PROBE_IDS.filter((id) => {
    const p: Probe = PROBES[id];
    return (
      (p.round ?? 1) === round &&
      (p.side === undefined || p.side === 'both' || role[p.side]) &&
      (p.peer !== 'one' || role.peers === 1) &&
      !s.without.includes(id) &&
      (s.hypervisor === 'auto' || p.hypervisor === undefined || p.hypervisor === s.hypervisor || DETECTION.has(id))
    );
  });
}

/**
 * Round 2 for one host, once round 1 is in here and on its peers: every round-2 probe whose plan
 * finds something to ask, with the contexts the plans give merged into the round's.
 */
export function secondRound(role: HostRole, s: PlanSettings, base: ProbeContext, known: Known): RoundPlan {
  let ctx: ProbeContext = base;
  const ids = probesOf(role, 2, s).filter((id) => {
    const p: Probe = PROBES[id];
    const more = p.plan ? p.plan(known) : {};
    if (more !== null) ctx = { ...ctx, ...more };
    return more !== null;
  });
  return { ids, ctx };
}

/** The SSH channel of the session a probe runs on in round 1 (Probe.channel; `main` for the rest). */
export const channelOf = (id: ProbeId): string => (PROBES[id] as Probe).channel ?? 'main';

/** Round 1's probes by channel, the main channel's first (round 2 follows on it); none left empty, at least one. */
export function channelGroups(ids: readonly ProbeId[]): ProbeId[][] {
  const by = new Map<string, ProbeId[]>([['main', []]]);
  for (const id of ids) {
    const ch = channelOf(id);
    by.set(ch, [...(by.get(ch) ?? []), id]);
  }
  const groups = [...by.values()].filter((g) => g.length > 0);
  return groups.length > 0 ? groups : [[]];
}

/** Whether a fact path and a probe's provided path name overlapping facts (one is the other, or under it). */
const overlaps = (a: string, b: string): boolean => a === b || a.startsWith(`${b}.`) || b.startsWith(`${a}.`);

/**
 * The peers' round-1 probes a host's round 2 plans read (Probe.peerReads, through what each probe
 * provides): round 2 can be planned once these are in on the peers.
 */
export function peerProbesRead(role: HostRole, s: PlanSettings): ProbeId[] {
  return providing(probesOf(role, 2, s).flatMap((id) => (PROBES[id] as Probe).peerReads ?? []));
}

/** The host's own round-1 probes its round 2 plans read (Probe.selfReads): enough to plan round 2. */
export function selfProbesRead(role: HostRole, s: PlanSettings): ProbeId[] {
  return providing(probesOf(role, 2, s).flatMap((id) => (PROBES[id] as Probe).selfReads ?? []));
}

const providing = (paths: readonly string[]): ProbeId[] =>
  PROBE_IDS.filter((id) => (PROBES[id].round ?? 1) === 1 && PROBES[id].provides.some((p) => paths.some((r) => overlaps(r, p))));
