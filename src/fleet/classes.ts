/**
 * The fleet's matrix by classes. A rule's result on a pair depends only on the facts it reads
 * (checks/evaluate.ts ruleReads): on the source, on the destination, and on the source's way to
 * the destination (peer facts, and the parts of the move derived from them: checks/move-peer.ts),
 * besides the pair's hypervisor and whether each host was probed. So every host gets, per rule,
 * a class as a source and one as a destination (equal facts read, equal class), and a rule is
 * evaluated once per combination of classes it meets (and of peer facts, for the rules that read
 * them), on the first real pair with that combination: the result is the one the pair-by-pair
 * evaluation gives, not an approximation. The host-specific checks (names, UUIDs, host keys) would
 * have classes of one host; where their operator has a relation (disjoint: the values on both
 * hosts) they are keyed on it per pair instead, and per host only on the operand being there;
 * with a set relation's members indexed, a source meets the few destinations it shares a value
 * with, and every other pair is a class lookup (relations.ts).
 * Per pair, then: one lookup per group of rules keyed on classes alone (class-plan.ts groupsOf),
 * one per rule that reads peer facts, and the outcome (verdict, problems, domain verdicts),
 * interned as the vector of result ids it is made of (intern.ts). bench/fleet-scale.ts: 1,000
 * hosts, 999,000 pairs, about 50,000 outcomes, ~3-5 µs a pair on one core.
 */
import { evaluateScoped, readPath, summarize } from '../checks/evaluate.js';
import type { RuleResult } from '../types.js';
import { domainVerdicts, xenDomainVerdicts } from '../checks/verdicts.js';
import { applyWaivers } from '../checks/waivers.js';
import { pairHypervisor } from '../checks/hypervisor-pair.js';
import { pairSetup, planOf, type PairSetup } from '../pair/evaluate.js';
import type { HostReport } from '../types.js';
import { outcomeOf, peerIncomplete, peerInputOf, towards, type MatrixInput, type Probed } from './matrix.js';
import { peerFactsOf, peerFieldOf, type PeerInput } from '../checks/probes/index.js';
import type { FleetOutcome } from './types.js';
import { Interner, NumberMemo, ValueInterner, VectorInterner } from './intern.js';
import type { RelationRows } from './relations.js';
import { baseViews, groupsOf, hostState, keyValue, missingWhy, planRule, type Group, type RelationKey, type RulePlan } from './class-plan.js';

/** Every ordered pair's outcome: `outcomes[cells[i * n + j]]` is the pair i -> j (the diagonal is unused). */
export interface ClassMatrix {
  readonly n: number;
  readonly outcomes: readonly FleetOutcome[];
  readonly cells: Uint32Array;
  /** How much work the classes saved: rule evaluations made, against rules x pairs. */
  readonly stats: { readonly pairs: number; readonly ruleEvaluations: number; readonly ruleCells: number };
}

/** A peer path below `peer.` (split once): the path below, its first field and the rest (null: none). */
const SUB = new Map<string, { readonly sub: string; readonly field: string; readonly rest: string | null }>();
const peerSub = (path: string): { readonly sub: string; readonly field: string; readonly rest: string | null } => {
  let v = SUB.get(path);
  if (v === undefined) {
    const sub = path.slice('peer.'.length);
    const dot = sub.indexOf('.');
    SUB.set(path, (v = { sub, field: dot < 0 ? sub : sub.slice(0, dot), rest: dot < 0 ? null : sub.slice(dot + 1) }));
  }
  return v;
};

/** Evaluates every ordered pair by classes. Pure; equal, pair by pair, to evaluateMatrix (test/unit/fleet-classes.test.ts). */
export function evaluateByClasses(probed: readonly Probed[], m: MatrixInput): ClassMatrix {
  const n = probed.length;
  const base = baseViews(probed, m);
  const jsonCache = new Map<string, string>();
  const json = (i: number, side: 'src' | 'dst', path: string): string => {
    const k = `${i}\u0000${side}\u0000${path}`;
    let v = jsonCache.get(k);
    if (v === undefined) jsonCache.set(k, (v = JSON.stringify(keyValue(side === 'src' ? (base[i] as PairSetup).hosts.src : (probed[i] as Probed).report, path)) ?? 'u'));
    return v;
  };
  const stateI = new Interner();
  const state = Int32Array.from(probed, (p) => stateI.id(hostState(p.report)));
  const states = stateI.size;
  // The pair's hypervisor by the two hosts' states (of one host of each state).
  const hvOf = new NumberMemo(states * states); // 0: kvm, 1: xen
  const hvFor = (a: number, b: number): 'kvm' | 'xen' => {
    const ps = (state[a] as number) * states + (state[b] as number);
    let h = hvOf.get(ps);
    if (h < 0) hvOf.set(ps, (h = pairHypervisor(m.options.hypervisor ?? 'auto', { src: (probed[a] as Probed).report, dst: (probed[b] as Probed).report }).hypervisor === 'xen' ? 1 : 0));
    return h === 1 ? 'xen' : 'kvm';
  };
  const first = [...new Map([...state].map((s, k) => [s, k])).values()];
  const hypervisors = new Set<'kvm' | 'xen'>(first.length <= 200 ? first.flatMap((a) => first.map((b) => hvFor(a, b))) : ['kvm', 'xen']);
  const parts = new Interner();
  const plans = m.ruleSet.rules.map((r) => planRule(r, probed, base, m, json, parts, hypervisors));
  jsonCache.clear();
  // The move's domains (their verdicts are by name) and what the run itself says (domain.selection).
  const movingI = new Interner();
  const moving = Int32Array.from(base, (b) => movingI.id(JSON.stringify([b.hosts.src.facts.migration?.domains.map((d) => d.name) ?? null, b.hosts.src.facts.migration?.missing ?? null, b.hosts.src.facts.xenMove?.names ?? null, b.hosts.src.facts.xenMove?.missing ?? null])));
  const entries: (readonly RuleResult[])[] = [];
  // Results are interned by what an outcome reads of them (outcomeOf, summarize, the domains' verdicts, waivers):
  // of a pass or a skip, only that it is one, of which rule and severity; of the others, all it shows.
  const entryIds = new Map<string, number>();
  const entry = (results: readonly RuleResult[]): number => {
    const k = JSON.stringify(results.map((r) => (r.status === 'pass' || r.status === 'skip' ? [r.id, r.status, r.severity] : [r.id, r.domain, r.status, r.severity, r.message, r.messageId])));
    let e = entryIds.get(k);
    if (e === undefined) entryIds.set(k, (e = entries.push(results) - 1));
    return e;
  };
  const groups = groupsOf(plans, n);
  const groupOfRule = new Int32Array(plans.length).fill(-1);
  groups.forEach((g, k) => g.rules.forEach((r) => (groupOfRule[r] = k)));
  const own = plans.flatMap((_, r) => (groupOfRule[r] === -1 ? [r] : []));
  const groupVecs = new VectorInterner();
  const groupVec: (readonly number[])[] = [];
  // Peer facts read per pair (by the rules not in a group: those in one read none), interned per path.
  const peerPaths = [...new Set(plans.flatMap((p) => p.peerInputs))];
  const peerI = peerPaths.map(() => new ValueInterner());
  const peerSlot = plans.map((p) => p.peerInputs.map((x) => peerPaths.indexOf(x)));
  // Per pair: a path's id, read when a rule that applies reads it (-1: not yet).
  const peerIds = new Int32Array(peerPaths.length).fill(-1);
  const combos = new Interner();
  const plan = planOf(m.options, null); // as baseViews'
  const selection = { leftOut: m.ruleSet.leftOut ?? 0, ids: new Set(m.ruleSet.rules.map((r) => r.id)) };
  const outcomeIds = new VectorInterner();
  const waivedI = new Interner();
  const outcomes: FleetOutcome[] = [];
  const cells = new Uint32Array(n * n);
  // A pair's outcome key: the run's results, each group's vector, each other rule's entry, the moving domains, the hosts' states, what waivers cover.
  const key = new Int32Array(1 + groups.length + own.length + 4);
  const last = new Int32Array(key.length);
  let lastOutcome = -1;
  let ruleEvaluations = 0;
  // The pair at hand, and what is derived of it on demand.
  let i = 0;
  let j = 0;
  let pairState = 0;
  let hv: 'kvm' | 'xen' = 'kvm';
  let view: HostReport | null = null;
  let setup: PairSetup | null = null;
  // The pair's peer facts, read field by field (no pair view, no peer object): loaded, the fleet's
  // answers about the destination (null: an unreachable source, whose own peer facts are read), whether the pair added a probe failure.
  let peerLoaded = false;
  let peerIn: PeerInput | null = null;
  let peerFailed = false;
  const lightView = (): HostReport => (view ??= towards(probed[i] as Probed, j));
  const peerRead = (path: string): unknown => {
    const src = probed[i] as Probed;
    if (!peerLoaded) {
      peerLoaded = true;
      if (src.report.reachable) {
        const pf = src.peerOf(j);
        peerIn = pf === null ? {} : peerInputOf(pf);
        peerFailed = peerIncomplete(pf);
      } else {
        peerIn = null;
        peerFailed = false;
      }
    }
    if (peerIn === null) return path === 'peer' ? src.report.facts.peer : readPath(src.report.facts.peer, peerSub(path).sub);
    if (path === 'peer') return peerFactsOf(peerIn);
    const { field, rest } = peerSub(path);
    const v = peerFieldOf(peerIn, field);
    return rest === null || v === undefined ? v : readPath(v, rest);
  };
  // With no failure of its own, the pair's view has the source's probe errors: the source says why a peer fact is missing.
  const peerWhy = (path: string): object => missingWhy(peerFailed ? lightView() : (probed[i] as Probed).report, path);
  const fullSetup = (): PairSetup => (setup ??= pairSetup({ src: lightView(), dst: (probed[j] as Probed).report }, m.options, plan));
  const peerId = (k: number): number => {
    let v = peerIds[k] as number;
    if (v < 0) {
      const path = peerPaths[k] as string;
      const x = peerRead(path);
      peerIds[k] = v = x === undefined ? (peerI[k] as ValueInterner).missing(peerWhy(path)) : (peerI[k] as ValueInterner).id(x);
    }
    return v;
  };
  const relationId = (rel: RelationKey): number => {
    if (rel.rows) return rel.rows.at(i, j);
    const path = rel.peerPath as string;
    const v = peerRead(path);
    const d = rel.dst[j];
    if (v === undefined || d === undefined) return parts.id(JSON.stringify(v === undefined ? { '?': peerWhy(path) } : null));
    // Many sources see the same value of a destination (its name resolves alike): once per destination and value.
    const vs = rel.peerValues as ValueInterner;
    const byValue = ((rel.peerRows as Map<number, number>[])[j] ??= new Map());
    const vid = vs.id(v);
    let at = byValue.get(vid);
    if (at === undefined) byValue.set(vid, (at = parts.id(JSON.stringify(rel.of(v, d)))));
    return at;
  };
  // What a rule reads per pair (peer facts, relations) as one id.
  const perPair = (p: RulePlan, r: number): number => {
    const slots = peerSlot[r] as number[];
    if (slots.length + p.relations.length === 1) return slots.length === 1 ? peerId(slots[0] as number) : relationId(p.relations[0] as RelationKey);
    return combos.id(`${r}:${[...slots.map(peerId), ...p.relations.map(relationId)].join(',')}`);
  };
  // Per rule, the keys of its last lookup and what it gave: neighbours in a row often have the same.
  const lastClass = new Float64Array(plans.length).fill(-1);
  const lastRead = new Float64Array(plans.length).fill(-1);
  const lastEntry = new Int32Array(plans.length);
  const ruleEntry = (r: number): number => {
    const p = plans[r] as RulePlan;
    const numeric = (pairState * p.srcCount + (p.src[i] as number)) * p.dstCount + (p.dst[j] as number);
    // A rule for the other hypervisor, mode or transport is skipped whatever the facts: keyed on the pair's state alone.
    const skipped = !(hv === 'kvm' ? p.applies.kvm : p.applies.xen);
    const byClass = skipped ? -2 - pairState : numeric;
    const read = !skipped && p.perPair ? perPair(p, r) : -1;
    if (lastClass[r] === byClass && lastRead[r] === read) return lastEntry[r] as number;
    let memo = p.memo;
    let k = byClass;
    if (read >= 0) {
      const pp = (p.perPairMemo ??= { index: new NumberMemo(states * states * p.srcCount * p.dstCount), maps: [] });
      let at = pp.index.get(numeric);
      if (at < 0) pp.index.set(numeric, (at = pp.maps.push(new Map()) - 1));
      memo = pp.maps[at] as Map<number, number>;
      k = read;
    }
    let e = memo.get(k);
    if (e === undefined) {
      const s = fullSetup();
      ruleEvaluations++;
      memo.set(k, (e = entry(evaluateScoped(p.rule, s.hosts, s.ctx))));
    }
    lastClass[r] = byClass;
    lastRead[r] = read;
    lastEntry[r] = e;
    return e;
  };
  // The pair's results in rule order, from the key.
  const resultsOf = (): RuleResult[] => {
    const out: RuleResult[] = [...(entries[key[0] as number] as RuleResult[])];
    let o = 0;
    const pos = new Int32Array(groups.length);
    for (let r = 0; r < plans.length; r++) {
      const g = groupOfRule[r] as number;
      let e: number;
      if (g < 0) e = key[1 + groups.length + o++] as number;
      else {
        e = (groupVec[key[1 + g] as number] as number[])[pos[g] as number] as number;
        pos[g] = (pos[g] as number) + 1;
      }
      for (const x of entries[e] as RuleResult[]) out.push(x);
    }
    return out;
  };
  const relational = groups.filter((g) => g.relational);
  const runMemo = new NumberMemo(states * states * movingI.size);
  // The destinations met by this source (marked), and the list to unmark them.
  const met = new Uint8Array(n);
  const metList: number[] = [];
  for (i = 0; i < n; i++) {
    const src = probed[i] as Probed;
    // The destinations that share an identity with this source: looked up rule by rule.
    for (const j of metList) met[j] = 0;
    metList.length = 0;
    for (const g of relational)
      for (const r of g.rules)
        for (const rel of (plans[r] as RulePlan).relations)
          for (const j of (rel.rows as RelationRows).met(i).keys())
            if (met[j] === 0) {
              met[j] = 1;
              metList.push(j);
            }
    for (j = 0; j < n; j++) {
      if (i === j) continue;
      const dst = probed[j] as Probed;
      pairState = (state[i] as number) * states + (state[j] as number);
      view = null;
      setup = null;
      peerLoaded = false;
      peerIds.fill(-1);
      hv = hvFor(i, j);
      const runKey = pairState * movingI.size + (moving[i] as number);
      let run = runMemo.get(runKey);
      if (run < 0) runMemo.set(runKey, (run = entry(fullSetup().runResults)));
      key[0] = run;
      for (let g = 0; g < groups.length; g++) {
        const G = groups[g] as Group;
        const gk = G.relational && met[j] === 1 ? -1 : (pairState * G.srcCount + (G.src[i] as number)) * G.dstCount + (G.dst[j] as number);
        const memo = (G.memo ??= new NumberMemo(states * states * G.srcCount * G.dstCount));
        let v = gk < 0 ? -1 : memo.get(gk);
        if (v < 0) {
          const es = G.rules.map(ruleEntry);
          v = groupVecs.id(es, es.length);
          if (v === groupVec.length) groupVec.push(es);
          if (gk >= 0) memo.set(gk, v);
        }
        key[1 + g] = v;
      }
      for (let o = 0; o < own.length; o++) key[1 + groups.length + o] = ruleEntry(own[o] as number);
      let at = 1 + groups.length + own.length;
      key[at++] = moving[i] as number;
      key[at++] = state[i] as number;
      key[at++] = state[j] as number;
      // Waivers name hosts, so which failures they cover is per pair.
      const waivedResults = m.waivers.length > 0 ? applyWaivers(resultsOf(), m.waivers, { src: lightView(), dst: dst.report }, m.now).results : null;
      key[at] = waivedResults ? waivedI.id(waivedResults.map((r) => (r.status === 'waived' ? 'w' : '-')).join('')) : 0;
      // Neighbours in a row often share an outcome: the last key is compared before any hashing.
      let same = lastOutcome >= 0;
      for (let k = 0; same && k < key.length; k++) same = key[k] === last[k];
      const o = same ? lastOutcome : outcomeIds.id(key, key.length);
      last.set(key);
      lastOutcome = o;
      if (o === outcomes.length) {
        // The moving domains' names are the source's own (moving[i] is in the key): its base view has them.
        const s = base[i] as PairSetup;
        const results = waivedResults ?? resultsOf();
        const summary = summarize(results, { src: src.report, dst: dst.report }, m.options.failOn, selection);
        const domains = hv === 'xen' ? xenDomainVerdicts(s.hosts.src.facts.xenMove, results, m.options.failOn) : domainVerdicts(s.hosts.src.facts.migration, results, m.options.failOn);
        outcomes.push(outcomeOf(results, summary, domains));
      }
      cells[i * n + j] = o;
    }
  }
  return { n, outcomes, cells, stats: { pairs: n * (n - 1), ruleEvaluations, ruleCells: n * (n - 1) * plans.length } };
}
