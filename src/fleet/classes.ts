/**
 * The fleet's matrix by classes. A rule's result on a pair depends only on the facts it reads
 * (checks/evaluate.ts ruleReads): on the source, on the destination, and on the source's way to
 * the destination (peer facts, and the parts of the move derived from them: checks/move-peer.ts),
 * besides the pair's hypervisor and whether each host was probed. So every host gets, per rule,
 * a class as a source and one as a destination (equal facts read, equal class), and a rule is
 * evaluated once per combination of classes it meets (and of peer facts, for the rules that read
 * them), on the first real pair with that combination: the result is the one the pair-by-pair
 * evaluation gives, not an approximation. The host-specific checks (names, UUIDs, host keys)
 * have classes of one host; they are evaluated per combination too, which for a pair of
 * strangers is one evaluation per source class and destination class. A pair's outcome (verdict,
 * problems, domain verdicts) is interned by the results it is made of: a fleet of a thousand hosts
 * has a few hundred outcomes, each kept once, and a cell per pair naming its outcome.
 */
import { evaluateScoped, notProbed, readPath, ruleReads, summarize, whyMissing } from '../checks/evaluate.js';
import { peerInputsOf } from '../checks/move-peer.js';
import type { Rule } from '../checks/rules.js';
import { domainVerdicts, xenDomainVerdicts } from '../checks/verdicts.js';
import { applyWaivers } from '../checks/waivers.js';
import { pairSetup, planOf, type PairSetup } from '../pair/evaluate.js';
import type { HostReport, RuleResult } from '../types.js';
import { outcomeOf, towards, type MatrixInput, type Probed } from './matrix.js';
import type { FleetOutcome } from './types.js';

/** Every ordered pair's outcome: `outcomes[cells[i * n + j]]` is the pair i -> j (the diagonal is unused). */
export interface ClassMatrix {
  readonly n: number;
  readonly outcomes: readonly FleetOutcome[];
  readonly cells: Uint32Array;
  /** How much work the classes saved: rule evaluations made, against rules x pairs. */
  readonly stats: { readonly pairs: number; readonly ruleEvaluations: number; readonly ruleCells: number; readonly classes: { readonly rule: string; readonly src: number; readonly dst: number }[] };
}

/** A fact as a class key: its value, or why it is missing (the missing fact's message names the failed probe). */
function keyValue(h: HostReport, path: string): unknown {
  const v = readPath(h.facts, path);
  return v === undefined ? { '?': whyMissing(h, path) } : v;
}

/** Interns keys to small numbers. */
class Interner {
  private readonly ids = new Map<string, number>();
  id(key: string): number {
    let v = this.ids.get(key);
    if (v === undefined) this.ids.set(key, (v = this.ids.size));
    return v;
  }
  get size(): number {
    return this.ids.size;
  }
}

/** A rule's classes: per host its source and destination class, and the peer facts it reads per pair. */
interface RulePlan {
  readonly rule: Rule;
  readonly src: Int32Array;
  readonly dst: Int32Array;
  readonly srcCount: number;
  readonly dstCount: number;
  /** Peer facts read (directly, or through the move): keyed per pair. */
  readonly peerInputs: readonly string[];
  /** Results by key, as indices into the evaluated entries. */
  readonly memo: Map<number | string, number>;
}

/**
 * The source as every rule sees it before any destination: the move derived with no peer facts
 * (what depends on them is keyed per pair), and the scope: domain rules' narrowed views.
 */
function baseViews(probed: readonly Probed[], m: MatrixInput): PairSetup[] {
  const plan = planOf(m.options, null);
  return probed.map((p, i) => {
    const src = p.report.reachable ? { ...p.report, facts: { ...p.report.facts, peer: {} } } : p.report;
    return pairSetup({ src, dst: (probed[(i + 1) % probed.length] as Probed).report }, m.options, plan);
  });
}

function planRule(rule: Rule, probed: readonly Probed[], base: readonly PairSetup[], json: (i: number, side: 'src' | 'dst', path: string) => string): RulePlan {
  const reads = ruleReads(rule);
  const srcPaths = [...new Set(reads.filter((r) => r.side === 'src').map((r) => r.path))];
  const dstPaths = [...new Set(reads.filter((r) => r.side === 'dst').map((r) => r.path))];
  const peerInputs = [...new Set(srcPaths.flatMap(peerInputsOf))];
  // Peer facts are keyed per pair; the rest is read on the source's base view (what the move derives from peer facts is keyed per pair too).
  const own = srcPaths.filter((p) => p !== 'peer' && !p.startsWith('peer.'));
  const srcI = new Interner();
  const dstI = new Interner();
  const src = new Int32Array(probed.length);
  const dst = new Int32Array(probed.length);
  for (let i = 0; i < probed.length; i++) {
    const b = base[i] as PairSetup;
    const mig = b.hosts.src.facts.migration;
    // A domain rule reads each moving domain's narrowed view: the class holds them all, by name.
    const scoped = rule.scope === 'domain' && mig !== undefined && b.ctx.narrow !== undefined && mig.domains.length > 0;
    const shape = rule.scope !== 'domain' ? 'p' : mig === undefined ? 'u' : mig.domains.length === 0 ? 'z' : 'd';
    const srcKey = scoped
      ? JSON.stringify(mig.domains.map((d) => [d.name, own.map((path) => keyValue((b.ctx.narrow as (n: string) => HostReport)(d.name), path))]))
      : own.map((path) => json(i, 'src', path)).join('\u0001');
    src[i] = srcI.id(`${shape}${srcKey}`);
    dst[i] = dstI.id(dstPaths.map((path) => json(i, 'dst', path)).join('\u0001'));
  }
  return { rule, src, dst, srcCount: srcI.size, dstCount: dstI.size, peerInputs, memo: new Map() };
}

/** What every result of a pair depends on besides the facts: the pair's hypervisor, which hosts were probed, the destination's SSH port. */
function hostState(h: HostReport): string {
  return JSON.stringify([h.facts.hypervisor ?? null, notProbed(h), h.error, notProbed(h) ? h.target : null, h.connection?.port ?? null]);
}

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
  const plans = m.ruleSet.rules.map((r) => planRule(r, probed, base, json));
  jsonCache.clear();
  const stateI = new Interner();
  const state = Int32Array.from(probed, (p) => stateI.id(hostState(p.report)));
  const states = stateI.size;
  // The move's domains (their verdicts are by name) and what the run itself says (domain.selection).
  const movingI = new Interner();
  const moving = Int32Array.from(base, (b) => movingI.id(JSON.stringify([b.hosts.src.facts.migration?.domains.map((d) => d.name) ?? null, b.hosts.src.facts.migration?.missing ?? null, b.hosts.src.facts.xenMove?.names ?? null, b.hosts.src.facts.xenMove?.missing ?? null])));
  const entries: (readonly RuleResult[])[] = [];
  const runMemo = new Map<number, number>();
  const outcomeIds = new Map<string, number>();
  const outcomes: FleetOutcome[] = [];
  const cells = new Uint32Array(n * n);
  const plan = planOf(m.options, null);
  const peerPaths = [...new Set(plans.flatMap((p) => p.peerInputs))];
  const selection = { leftOut: m.ruleSet.leftOut ?? 0, ids: new Set(m.ruleSet.rules.map((r) => r.id)) };
  let ruleEvaluations = 0;
  const ids: number[] = new Array(plans.length + 1);
  for (let i = 0; i < n; i++) {
    const src = probed[i] as Probed;
    for (let j = 0; j < n; j++) {
      if (i === j) continue;
      const dst = probed[j] as Probed;
      const pairState = (state[i] as number) * states + (state[j] as number);
      let view: HostReport | null = null;
      let setup: PairSetup | null = null;
      let peerKeys: Map<string, string> | null = null;
      const lightView = (): HostReport => (view ??= towards(src, j));
      const fullSetup = (): PairSetup => (setup ??= pairSetup({ src: lightView(), dst: dst.report }, m.options, plan));
      const peerKey = (path: string): string => {
        peerKeys ??= new Map(peerPaths.map((p) => [p, JSON.stringify(keyValue(lightView(), p)) ?? 'u']));
        return peerKeys.get(path) as string;
      };
      const runKey = pairState * movingI.size + (moving[i] as number);
      let run = runMemo.get(runKey);
      if (run === undefined) {
        runMemo.set(runKey, (run = entries.push(fullSetup().runResults) - 1));
      }
      ids[0] = run;
      for (let r = 0; r < plans.length; r++) {
        const p = plans[r] as RulePlan;
        const numeric = (pairState * p.srcCount + (p.src[i] as number)) * p.dstCount + (p.dst[j] as number);
        const key: number | string = p.peerInputs.length === 0 ? numeric : `${numeric}\u0001${p.peerInputs.map(peerKey).join('\u0001')}`;
        let e = p.memo.get(key);
        if (e === undefined) {
          const s = fullSetup();
          ruleEvaluations++;
          p.memo.set(key, (e = entries.push(evaluateScoped(p.rule, s.hosts, s.ctx)) - 1));
        }
        ids[r + 1] = e;
      }
      const waived = m.waivers.length > 0 ? waiverKey(ids, entries, m, lightView(), dst.report) : '';
      const okey = `${ids.join(',')}|${moving[i]}|${state[i]},${state[j]}|${waived}`;
      let o = outcomeIds.get(okey);
      if (o === undefined) {
        const s = fullSetup();
        const flat = ids.flatMap((e) => entries[e] as RuleResult[]);
        const results = m.waivers.length > 0 ? applyWaivers(flat, m.waivers, { src: lightView(), dst: dst.report }, m.now).results : flat;
        const summary = summarize(results, { src: src.report, dst: dst.report }, m.options.failOn, selection);
        const domains = s.pair.hypervisor === 'xen' ? xenDomainVerdicts(s.hosts.src.facts.xenMove, results, m.options.failOn) : domainVerdicts(s.hosts.src.facts.migration, results, m.options.failOn);
        outcomeIds.set(okey, (o = outcomes.push(outcomeOf(results, summary, domains)) - 1));
      }
      cells[i * n + j] = o;
    }
  }
  return {
    n,
    outcomes,
    cells,
    stats: {
      pairs: n * (n - 1),
      ruleEvaluations,
      ruleCells: n * (n - 1) * plans.length,
      classes: plans.map((p) => ({ rule: p.rule.id, src: p.srcCount, dst: p.dstCount })),
    },
  };
}

/** Which failures of the pair a waiver covers (waivers name hosts, so this is per pair). */
function waiverKey(ids: readonly number[], entries: readonly (readonly RuleResult[])[], m: MatrixInput, src: HostReport, dst: HostReport): string {
  const flat = ids.flatMap((e) => entries[e] as RuleResult[]);
  return applyWaivers(flat, m.waivers, { src, dst }, m.now)
    .results.map((r) => (r.status === 'waived' ? 'w' : '-'))
    .join('');
}
