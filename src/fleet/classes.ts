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
 * hosts) they are keyed on it per pair instead, and per host only on the operand being there.
 * A pair's outcome (verdict, problems, domain verdicts) is interned by the results it is made of
 * (bench/fleet-scale.ts: 1,000 hosts, 999,000 pairs, about 50,000 outcomes), and a cell per pair
 * names its outcome.
 */
import { crossOperands, evaluateScoped, hostOperands, notProbed, readPath, ruleReads, summarize, whyMissing } from '../checks/evaluate.js';
import { peerInputsOf } from '../checks/move-peer.js';
import type { FactRead } from '../checks/fact-path.js';
import { operatorNamed } from '../checks/operators/index.js';
import { asList } from '../checks/rule-schema.js';
import type { Rule } from '../checks/rules.js';
import { domainVerdicts, xenDomainVerdicts } from '../checks/verdicts.js';
import { applyWaivers } from '../checks/waivers.js';
import { pairHypervisor } from '../checks/hypervisor-pair.js';
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
  readonly stats: { readonly pairs: number; readonly ruleEvaluations: number; readonly ruleCells: number };
}

/** A fact as a class key: its value, or why it is missing (the missing fact's message names the failed probe). */
function keyValue(h: HostReport, path: string): unknown {
  const v = readPath(h.facts, path);
  return v === undefined ? { '?': missingWhy(h, path) } : v;
}

/** whyMissing, once per host's probe errors and path (a pair's view shares its source's list when the pair added none). */
const whyCache = new WeakMap<object, Map<string, ReturnType<typeof whyMissing>>>();
function missingWhy(h: HostReport, path: string): ReturnType<typeof whyMissing> {
  let m = whyCache.get(h.probeErrors);
  if (!m) whyCache.set(h.probeErrors, (m = new Map()));
  let w = m.get(path);
  if (!w) m.set(path, (w = whyMissing(h, path)));
  return w;
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
  /** Assertions keyed on what their operator's relation makes of the two operands, not on each host's value. */
  readonly relations: readonly RelationKey[];
  /** Whether the rule applies at all to a pair of this hypervisor, in this run's mode and transport. */
  readonly applies: Readonly<Record<'kvm' | 'xen', boolean>>;
}

interface RelationKey {
  readonly of: (src: unknown, dst: unknown) => unknown;
  /** The source operand's path when it is a peer fact (read per pair); null: read per host. */
  readonly peerPath: string | null;
  /** Per host: the source operand (per moving domain for a domain rule), and the destination operand. */
  readonly src: (readonly unknown[])[];
  readonly dst: unknown[];
}

const isPeer = (path: string): boolean => path === 'peer' || path.startsWith('peer.');
const placeholders = (t: string | undefined): string[] => [...(t ?? '').matchAll(/\{(\w+)/g)].map((m) => m[1] as string);

interface ReadMode {
  /** Some part of the rule reads the value itself. */
  value: boolean;
  /** Per-host operators whose message says only what they decided: keyed on their decision. */
  readonly evals: ((v: unknown) => unknown)[];
}

/**
 * How a rule's facts are keyed. By value, unless only per-host operators whose message names
 * nothing but their decision (`{failed}`) read a fact (keyed on the decision), or a cross
 * operator with a relation whose message names only what the relation decides (keyed on the
 * relation per pair, and per host on the operand being there).
 */
function readModes(rule: Rule, many: (c: { src: FactRead; dst: FactRead }) => boolean): { modes: Map<string, ReadMode>; rels: { src: FactRead; dst: FactRead; of: (s: unknown, d: unknown) => unknown }[] } {
  const all = asList(rule.assert);
  const modes = new Map<string, ReadMode>();
  const mode = (r: FactRead): ReadMode => {
    const k = `${r.side}\u0000${r.path}`;
    let m = modes.get(k);
    if (!m) modes.set(k, (m = { value: false, evals: [] }));
    return m;
  };
  const byValue = (rs: readonly FactRead[]): void => rs.forEach((r) => (mode(r).value = true));
  byValue(ruleReads({ ...rule, assert: [] }));
  const candidates: { src: FactRead; dst: FactRead; of: (s: unknown, d: unknown) => unknown }[] = [];
  for (const a of all) {
    const def = operatorNamed(a.op);
    const template = a.message ?? (all.length === 1 ? rule.message : undefined);
    const names = placeholders(template);
    if (def?.kind === 'host' && names.every((f) => f === 'failed' || f === 'details')) {
      for (const r of hostOperands(a)) mode(r).evals.push((v) => def.evaluate(v, a));
    } else if (def?.kind === 'cross' && def.relation && !(def.factParams && Object.keys(def.factParams).length > 0) && names.every((f) => def.relation?.fields.includes(f))) {
      const rel = def.relation as { of: (s: unknown, d: unknown, p: unknown) => unknown };
      const c = { ...crossOperands(a), of: (s: unknown, d: unknown) => rel.of(s, d, a) };
      if (c.src.side === 'src' && c.dst.side === 'dst') {
        candidates.push(c);
        mode(c.src);
        mode(c.dst);
      } else byValue(ruleReads({ ...rule, assert: [a], when: undefined, escalate: undefined }));
    } else byValue(ruleReads({ ...rule, assert: [a], when: undefined, escalate: undefined }));
  }
  // A relation's operand that something else reads by value: the whole assertion is keyed by value.
  // So is one whose values are few (CPU flags of five generations): classes beat a relation per pair.
  const rels = candidates.filter((c) => !mode(c.src).value && !mode(c.dst).value && many(c));
  for (const c of candidates) if (!rels.includes(c)) byValue([c.src, c.dst]);
  return { modes, rels };
}

/** An operand keyed by its relation: only whether it is there (and of what kind), or why not. */
function presence(h: HostReport, path: string): unknown {
  const v = readPath(h.facts, path);
  return v === undefined ? { '?': missingWhy(h, path) } : Array.isArray(v) ? 'a' : typeof v;
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

function planRule(rule: Rule, probed: readonly Probed[], base: readonly PairSetup[], m: MatrixInput, json: (i: number, side: 'src' | 'dst', path: string) => string): RulePlan {
  const inRun = (!rule.modes || rule.modes.includes(m.options.mode)) && (!rule.transports || rule.transports.includes(m.options.transport as never));
  const applies = { kvm: inRun && (!rule.hypervisors || rule.hypervisors.includes('kvm')), xen: inRun && (!rule.hypervisors || rule.hypervisors.includes('xen')) };
  // Distinct values of an operand over the fleet (peer facts: per pair, so many).
  const distinct = (r: FactRead): number =>
    isPeer(r.path) ? Number.POSITIVE_INFINITY : new Set(probed.map((p, i) => JSON.stringify(readPath((r.side === 'src' ? (base[i] as PairSetup).hosts.src : p.report).facts, r.path)))).size;
  const { modes, rels } = readModes(rule, (c) => distinct(c.src) * distinct(c.dst) > 4 * probed.length);
  const reads = ruleReads(rule);
  const srcPaths = [...new Set(reads.filter((r) => r.side === 'src').map((r) => r.path))];
  const dstPaths = [...new Set(reads.filter((r) => r.side === 'dst').map((r) => r.path))];
  const relPeer = new Set(rels.filter((x) => isPeer(x.src.path)).map((x) => x.src.path));
  const peerInputs = [...new Set(srcPaths.filter((p) => !relPeer.has(p)).flatMap(peerInputsOf))];
  // Peer facts are keyed per pair; the rest is read on the source's base view (what the move derives from peer facts is keyed per pair too).
  const own = srcPaths.filter((p) => !isPeer(p));
  const keyOf = (h: HostReport, side: 'src' | 'dst', path: string, i: number | null): string => {
    const m = modes.get(`${side}\u0000${path}`);
    if (!m || m.value) return i === null ? JSON.stringify(keyValue(h, path)) ?? 'u' : json(i, side, path);
    const v = readPath(h.facts, path);
    return JSON.stringify([presence(h, path), ...m.evals.map((f) => (v === undefined ? null : f(v)))]);
  };
  const srcI = new Interner();
  const dstI = new Interner();
  const src = new Int32Array(probed.length);
  const dst = new Int32Array(probed.length);
  const relations: RelationKey[] = rels.map((x) => ({ of: x.of, peerPath: isPeer(x.src.path) ? x.src.path : null, src: [], dst: [] }));
  for (let i = 0; i < probed.length; i++) {
    const b = base[i] as PairSetup;
    const mig = b.hosts.src.facts.migration;
    // A domain rule reads each moving domain's narrowed view: the class holds them all, by name.
    const scoped = rule.scope === 'domain' && mig !== undefined && b.ctx.narrow !== undefined && mig.domains.length > 0;
    const shape = rule.scope !== 'domain' ? 'p' : mig === undefined ? 'u' : mig.domains.length === 0 ? 'z' : 'd';
    const views = scoped ? mig.domains.map((d) => (b.ctx.narrow as (n: string) => HostReport)(d.name)) : [b.hosts.src];
    const srcKey = scoped ? JSON.stringify(mig.domains.map((d, k) => [d.name, own.map((path) => keyOf(views[k] as HostReport, 'src', path, null))])) : own.map((path) => keyOf(b.hosts.src, 'src', path, i)).join('\u0001');
    src[i] = srcI.id(`${shape}${srcKey}`);
    const d = (probed[i] as Probed).report;
    dst[i] = dstI.id(dstPaths.map((path) => keyOf(d, 'dst', path, i)).join('\u0001'));
    rels.forEach((x, k) => {
      const r = relations[k] as RelationKey;
      r.src.push(r.peerPath ? [] : views.map((v) => readPath(v.facts, x.src.path)));
      r.dst.push(readPath(d.facts, x.dst.path));
    });
  }
  return { rule, src, dst, srcCount: srcI.size, dstCount: dstI.size, peerInputs, memo: new Map(), relations, applies };
}

/** The relations' part of a pair's key: what each makes of the two operands (or why an operand is missing). */
function relationPart(p: RulePlan, i: number, j: number, lightView: () => HostReport): string {
  return JSON.stringify(
    p.relations.map((r) => {
      const d = r.dst[j];
      if (r.peerPath) {
        const v = readPath(lightView().facts, r.peerPath);
        return v === undefined ? { '?': missingWhy(lightView(), r.peerPath) } : d === undefined ? null : r.of(v, d);
      }
      return d === undefined ? null : (r.src[i] as unknown[]).map((v) => (v === undefined ? null : r.of(v, d)));
    }),
  );
}

/** What every result of a pair depends on besides the facts: the pair's hypervisor, which hosts were probed, the destination's SSH port. */
function hostState(h: HostReport): string {
  return JSON.stringify([h.facts.hypervisor ?? null, notProbed(h), h.error, notProbed(h) ? h.target : null, h.connection?.port ?? null]);
}

/** Rules with at most this many destination classes are looked up together. */
const GROUP_DST_CLASSES = 32;

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
  const plans = m.ruleSet.rules.map((r) => planRule(r, probed, base, m, json));
  jsonCache.clear();
  const stateI = new Interner();
  const state = Int32Array.from(probed, (p) => stateI.id(hostState(p.report)));
  const states = stateI.size;
  // The move's domains (their verdicts are by name) and what the run itself says (domain.selection).
  const movingI = new Interner();
  const moving = Int32Array.from(base, (b) => movingI.id(JSON.stringify([b.hosts.src.facts.migration?.domains.map((d) => d.name) ?? null, b.hosts.src.facts.migration?.missing ?? null, b.hosts.src.facts.xenMove?.names ?? null, b.hosts.src.facts.xenMove?.missing ?? null])));
  const entries: (readonly RuleResult[])[] = [];
  // Results are interned by what an outcome reads of them: equal results, one entry (a pass is a pass).
  const entryIds = new Map<string, number>();
  const entry = (results: readonly RuleResult[]): number => {
    const k = JSON.stringify(results.map((r) => [r.id, r.domain, r.status, r.severity, r.message, r.messageId]));
    let e = entryIds.get(k);
    if (e === undefined) entryIds.set(k, (e = entries.push(results) - 1));
    return e;
  };
  const runMemo = new Map<number, number>();
  const hvOf = new Map<number, 'kvm' | 'xen'>();
  const outcomeIds = new Map<string, number>();
  const outcomes: FleetOutcome[] = [];
  const cells = new Uint32Array(n * n);
  const plan = planOf(m.options, null); // as baseViews'
  const peerPaths = [...new Set(plans.flatMap((p) => p.peerInputs))];
  const selection = { leftOut: m.ruleSet.leftOut ?? 0, ids: new Set(m.ruleSet.rules.map((r) => r.id)) };
  let ruleEvaluations = 0;
  const ids: number[] = new Array(plans.length + 1);
  // Rules keyed on the hosts' classes alone, with few destination classes: grouped (a host's group
  // class is its classes in all of them), so a pair costs one lookup for them all.
  const grouped = plans.map((p) => p.peerInputs.length === 0 && p.relations.length === 0 && p.dstCount <= GROUP_DST_CLASSES);
  const groupSrcI = new Interner();
  const groupDstI = new Interner();
  const groupSrc = Int32Array.from(probed, (_, i) => groupSrcI.id(plans.flatMap((p, r) => (grouped[r] ? [p.src[i]] : [])).join(',')));
  const groupDst = Int32Array.from(probed, (_, i) => groupDstI.id(plans.flatMap((p, r) => (grouped[r] ? [p.dst[i]] : [])).join(',')));
  const groupMemo = new Map<number, number[]>();
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
      let hv = hvOf.get(pairState);
      if (hv === undefined) hvOf.set(pairState, (hv = pairHypervisor(m.options.hypervisor ?? 'auto', { src: src.report, dst: dst.report }).hypervisor));
      const runKey = pairState * movingI.size + (moving[i] as number);
      let run = runMemo.get(runKey);
      if (run === undefined) {
        runMemo.set(runKey, (run = entry(fullSetup().runResults)));
      }
      ids[0] = run;
      // The rules of few destination classes, as one: a single lookup gives all their results.
      const gk = (pairState * groupSrcI.size + (groupSrc[i] as number)) * groupDstI.size + (groupDst[j] as number);
      let g = groupMemo.get(gk);
      const fromGroup = g !== undefined;
      if (g === undefined) g = [];
      for (let r = 0; r < plans.length; r++) {
        const p = plans[r] as RulePlan;
        if (fromGroup && grouped[r]) {
          ids[r + 1] = (g as number[])[r] as number;
          continue;
        }
        const numeric = (pairState * p.srcCount + (p.src[i] as number)) * p.dstCount + (p.dst[j] as number);
        // A rule for the other hypervisor, mode or transport is skipped whatever the facts: keyed on the pair's state alone.
        const key: number | string = !p.applies[hv]
          ? -1 - pairState
          : p.peerInputs.length === 0 && p.relations.length === 0 ? numeric : `${numeric}\u0001${p.peerInputs.map(peerKey).join('\u0001')}\u0001${p.relations.length > 0 ? relationPart(p, i, j, lightView) : ''}`;
        let e = p.memo.get(key);
        if (e === undefined) {
          const s = fullSetup();
          ruleEvaluations++;
          p.memo.set(key, (e = entry(evaluateScoped(p.rule, s.hosts, s.ctx))));
        }
        ids[r + 1] = e;
        if (!fromGroup && grouped[r]) (g as number[])[r] = e;
      }
      if (!fromGroup) groupMemo.set(gk, g);
      // Waivers name hosts, so which failures they cover is per pair.
      const waivedResults = m.waivers.length > 0 ? applyWaivers(ids.flatMap((e) => entries[e] as RuleResult[]), m.waivers, { src: lightView(), dst: dst.report }, m.now).results : null;
      const waived = waivedResults ? waivedResults.map((r) => (r.status === 'waived' ? 'w' : '-')).join('') : '';
      const okey = `${ids.join(',')}|${moving[i]}|${state[i]},${state[j]}|${waived}`;
      let o = outcomeIds.get(okey);
      if (o === undefined) {
        // The moving domains' names are the source's own (moving[i] is in the key): its base view has them.
        const s = base[i] as PairSetup;
        const results = waivedResults ?? ids.flatMap((e) => entries[e] as RuleResult[]);
        const summary = summarize(results, { src: src.report, dst: dst.report }, m.options.failOn, selection);
        const domains = hv === 'xen' ? xenDomainVerdicts(s.hosts.src.facts.xenMove, results, m.options.failOn) : domainVerdicts(s.hosts.src.facts.migration, results, m.options.failOn);
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
    },
  };
}

