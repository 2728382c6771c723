/**
 * The fleet matrix's plan (fleet/classes.ts): per rule, each host's source and destination class
 * from the facts the rule reads, how each fact is keyed (by value, by an operator's decision, by a
 * relation per pair), and the groups of rules looked up with one key per pair.
 */
import { crossOperands, hostOperands, notProbed, readPath, ruleReads, whyMissing } from '../checks/evaluate.js';
import { peerInputsOf } from '../checks/move-peer.js';
import type { FactRead } from '../checks/fact-path.js';
import { operatorNamed } from '../checks/operators/index.js';
import { asList } from '../checks/rule-schema.js';
import type { Rule } from '../checks/rules.js';
import { pairSetup, planOf, type PairSetup } from '../pair/evaluate.js';
import type { HostReport } from '../types.js';
import type { MatrixInput, Probed } from './matrix.js';
import { Interner, ValueInterner, type NumberMemo } from './intern.js';
import { RelationRows } from './relations.js';

/** A fact as a class key: its value, or why it is missing (the missing fact's message names the failed probe). */
export function keyValue(h: HostReport, path: string): unknown {
  const v = readPath(h.facts, path);
  return v === undefined ? { '?': missingWhy(h, path) } : v;
}

/** whyMissing, once per host's probe errors and path (a pair's view shares its source's list when the pair added none). */
const whyCache = new WeakMap<object, Map<string, ReturnType<typeof whyMissing>>>();
export function missingWhy(h: HostReport, path: string): ReturnType<typeof whyMissing> {
  let m = whyCache.get(h.probeErrors);
  if (!m) whyCache.set(h.probeErrors, (m = new Map()));
  let w = m.get(path);
  if (!w) m.set(path, (w = whyMissing(h, path)));
  return w;
}

/** A rule's classes: per host its source and destination class, and the peer facts it reads per pair. */
export interface RulePlan {
  readonly rule: Rule;
  readonly src: Int32Array;
  readonly dst: Int32Array;
  readonly srcCount: number;
  readonly dstCount: number;
  /** Peer facts read (directly, or through the move): keyed per pair. */
  readonly peerInputs: readonly string[];
  /** Results by key (by class key, then by what is read per pair), as indices into the evaluated entries. */
  readonly memo: Map<number, number>;
  /** Made by the matrix (which knows the pair states): per class key, a map by what is read per pair. */
  perPairMemo: { readonly index: NumberMemo; readonly maps: Map<number, number>[] } | null;
  /** Whether the rule reads something per pair (peer facts, relations). */
  readonly perPair: boolean;
  /** Assertions keyed on what their operator's relation makes of the two operands, not on each host's value. */
  readonly relations: readonly RelationKey[];
  /** Whether the rule applies at all to a pair of this hypervisor, in this run's mode and transport. */
  readonly applies: Readonly<Record<'kvm' | 'xen', boolean>>;
}

export interface RelationKey {
  readonly of: (src: unknown, dst: unknown) => unknown;
  /** The source operand's path when it is a peer fact (read per pair); null: read per host, by rows. */
  readonly peerPath: string | null;
  readonly rows: RelationRows | null;
  /** A peer relation's part, per destination by the peer value's id (in `peerValues`). */
  readonly peerRows: Map<number, number>[] | null;
  readonly peerValues: ValueInterner | null;
  /** Per host: the destination operand. */
  readonly dst: unknown[];
}

export const isPeer = (path: string): boolean => path === 'peer' || path.startsWith('peer.');
const placeholders = (t: string | undefined): string[] => [...(t ?? '').matchAll(/\{(\w+)/g)].map((m) => m[1] as string);

interface ReadMode {
  /** Some part of the rule reads the value itself. */
  value: boolean;
  /** Per-host operators whose message says only what they decided: keyed on their decision. */
  readonly evals: ((v: unknown) => HostDecision)[];
  /** One of them names the value in its message ({src}, {dst}): then a value it refuses is keyed on too. */
  shownOnFailure: boolean;
}

type HostDecision = { readonly ok: boolean; readonly undecided?: string };
const HOST_PLACEHOLDERS = new Set(['failed', 'details', 'src', 'dst']);

/**
 * How a rule's facts are keyed. By value, unless only per-host operators whose message names
 * nothing but their decision (`{failed}`) read a fact (keyed on the decision; one whose message
 * names the value of its one operand, `{dst}`, on the value too where it is refused), or a cross
 * operator with a relation whose message names only what the relation decides (keyed on the
 * relation per pair, and per host on the operand being there).
 */
type RelationRead = { src: FactRead; dst: FactRead; of: (s: unknown, d: unknown) => unknown; members: ((v: unknown) => readonly string[]) | null };

function readModes(rule: Rule, many: (c: { src: FactRead; dst: FactRead }) => boolean): { modes: Map<string, ReadMode>; rels: RelationRead[] } {
  const all = asList(rule.assert);
  const modes = new Map<string, ReadMode>();
  const mode = (r: FactRead): ReadMode => {
    const k = `${r.side}\u0000${r.path}`;
    let m = modes.get(k);
    if (!m) modes.set(k, (m = { value: false, evals: [], shownOnFailure: false }));
    return m;
  };
  const byValue = (rs: readonly FactRead[]): void => rs.forEach((r) => (mode(r).value = true));
  byValue(ruleReads({ ...rule, assert: [] }));
  const candidates: RelationRead[] = [];
  for (const a of all) {
    const def = operatorNamed(a.op);
    const template = a.message ?? (all.length === 1 ? rule.message : undefined);
    const names = placeholders(template);
    const operands = def?.kind === 'host' ? hostOperands(a) : [];
    // A message may name the value ({src}, {dst}) of an assertion on one host: it shows only when the value is refused.
    const shown = names.filter((f) => f === 'src' || f === 'dst');
    if (def?.kind === 'host' && names.every((f) => HOST_PLACEHOLDERS.has(f)) && (shown.length === 0 || (operands.length === 1 && shown.every((f) => f === operands[0]?.side)))) {
      for (const r of operands) {
        const m = mode(r);
        m.evals.push((v) => def.evaluate(v, a));
        if (shown.length > 0) m.shownOnFailure = true;
      }
    } else if (def?.kind === 'cross' && def.relation && !(def.factParams && Object.keys(def.factParams).length > 0) && names.every((f) => def.relation?.fields.includes(f))) {
      const rel = def.relation as { of: (s: unknown, d: unknown, p: unknown) => unknown };
      const c = { ...crossOperands(a), of: (s: unknown, d: unknown) => rel.of(s, d, a), members: def.relation.members ?? null };
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


/**
 * An operand keyed by its relation: only whether it is there (and of what kind), or why not; for a
 * list, how many of its members were not collected (null: a guest's UUID when `virsh list --uuid`
 * failed), which an operator may count in its verdict (disjoint).
 */
function presence(h: HostReport, path: string): unknown {
  const v = readPath(h.facts, path);
  if (v === undefined) return { '?': missingWhy(h, path) };
  if (!Array.isArray(v)) return typeof v;
  const unknown = v.reduce((n: number, x: unknown) => (x === null || x === undefined ? n + 1 : n), 0);
  return unknown === 0 ? 'a' : `a?${unknown}/${v.length}`;
}

/**
 * The source as every rule sees it before any destination: the move derived with no peer facts
 * (what depends on them is keyed per pair), and the scope: domain rules' narrowed views.
 */
export function baseViews(probed: readonly Probed[], m: MatrixInput): PairSetup[] {
  const plan = planOf(m.options, null);
  return probed.map((p, i) => {
    const src = p.report.reachable ? { ...p.report, facts: { ...p.report.facts, peer: {} } } : p.report;
    return pairSetup({ src, dst: (probed[(i + 1) % probed.length] as Probed).report }, m.options, plan);
  });
}

/**
 * A rule's plan. `hypervisors`: those of the fleet's pairs; a rule that applies to none of them is
 * skipped on every pair whatever the facts, so it has one class (its key is the pair's state).
 */
export function planRule(rule: Rule, probed: readonly Probed[], base: readonly PairSetup[], m: MatrixInput, json: (i: number, side: 'src' | 'dst', path: string) => string, parts: Interner, hypervisors: ReadonlySet<'kvm' | 'xen'>): RulePlan {
  const inRun = (!rule.modes || rule.modes.includes(m.options.mode)) && (!rule.transports || rule.transports.includes(m.options.transport as never));
  const applies = { kvm: inRun && (!rule.hypervisors || rule.hypervisors.includes('kvm')), xen: inRun && (!rule.hypervisors || rule.hypervisors.includes('xen')) };
  if (![...hypervisors].some((h) => applies[h])) {
    const none = new Int32Array(probed.length);
    return { rule, src: none, dst: none, srcCount: 1, dstCount: 1, peerInputs: [], memo: new Map(), perPairMemo: null, perPair: false, relations: [], applies };
  }
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
    const decided = m.evals.map((f) => (v === undefined ? null : f(v)));
    const refused = m.shownOnFailure && decided.some((d) => d !== null && (!d.ok || d.undecided !== undefined));
    return JSON.stringify([presence(h, path), ...decided, refused ? v : null]);
  };
  const srcI = new Interner();
  const dstI = new Interner();
  const src = new Int32Array(probed.length);
  const dst = new Int32Array(probed.length);
  const relSrc: (readonly unknown[])[][] = rels.map(() => []);
  const relDst: unknown[][] = rels.map(() => []);
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
      relSrc[k]?.push(isPeer(x.src.path) ? [] : views.map((v) => readPath(v.facts, x.src.path)));
      relDst[k]?.push(readPath(d.facts, x.dst.path));
    });
  }
  const relations = rels.map((x, k): RelationKey => {
    const peerPath = isPeer(x.src.path) ? x.src.path : null;
    const dst = relDst[k] as unknown[];
    return { of: x.of, peerPath, dst, rows: peerPath ? null : new RelationRows({ of: x.of, members: x.members, src: relSrc[k] as unknown[][], dst }, parts), peerRows: peerPath ? [] : null, peerValues: peerPath ? new ValueInterner() : null };
  });
  return { rule, src, dst, srcCount: srcI.size, dstCount: dstI.size, peerInputs, memo: new Map(), perPairMemo: null, perPair: peerInputs.length > 0 || relations.length > 0, relations, applies };
}

/** What every result of a pair depends on besides the facts: the pair's hypervisor, which hosts were probed, the destination's SSH port. */
export function hostState(h: HostReport): string {
  return JSON.stringify([h.facts.hypervisor ?? null, notProbed(h), h.error, notProbed(h) ? h.target : null, h.connection?.port ?? null]);
}

/** Rules keyed on the hosts' classes alone are grouped by how many classes they have: at most this many destination classes, at most this many source classes, the rest. */
const GROUP_CLASSES = 32;

/** Rules looked up with one key per pair: a host's group class is its classes in all of them. */
export interface Group {
  readonly rules: readonly number[];
  readonly src: Int32Array;
  readonly dst: Int32Array;
  readonly srcCount: number;
  readonly dstCount: number;
  /** Group key -> the id of the vector of its rules' entries (made by the matrix, which knows the pair states). */
  memo: NumberMemo | null;
  /**
   * Identity relations (indexed by member): a source's class holds what each relation makes of a
   * destination it shares nothing with; the destinations it does share a member with (`met`) are
   * looked up rule by rule.
   */
  readonly relational: boolean;
}

function groupOf(rules: readonly number[], plans: readonly RulePlan[], n: number, relational: boolean): Group {
  const si = new Interner();
  const di = new Interner();
  const src = new Int32Array(n);
  const dst = new Int32Array(n);
  const srcKey = (p: RulePlan, i: number): string => (relational ? `${p.src[i]}:${p.relations.map((x) => (x.rows as RelationRows).fallbackOf(i)).join('/')}` : String(p.src[i]));
  for (let i = 0; i < n; i++) {
    src[i] = si.id(rules.map((r) => srcKey(plans[r] as RulePlan, i)).join(','));
    dst[i] = di.id(rules.map((r) => (plans[r] as RulePlan).dst[i]).join(','));
  }
  return { rules, src, dst, srcCount: si.size, dstCount: di.size, memo: null, relational };
}

/** The groups (a group whose keys could be about as many as the pairs is left out: its rules are looked up one by one). */
export function groupsOf(plans: readonly RulePlan[], n: number): Group[] {
  const classOnly = (p: RulePlan): boolean => !p.perPair;
  const fewDst = plans.flatMap((p, r) => (classOnly(p) && p.dstCount <= GROUP_CLASSES ? [r] : []));
  const fewSrc = plans.flatMap((p, r) => (classOnly(p) && p.dstCount > GROUP_CLASSES && p.srcCount <= GROUP_CLASSES ? [r] : []));
  const rest = plans.flatMap((p, r) => (classOnly(p) && p.dstCount > GROUP_CLASSES && p.srcCount > GROUP_CLASSES ? [r] : []));
  const identities = plans.flatMap((p, r) => (p.peerInputs.length === 0 && p.relations.length > 0 && p.relations.every((x) => x.rows?.indexed) ? [r] : []));
  return [
    ...[fewDst, fewSrc, rest].filter((rs) => rs.length > 0).map((rs) => groupOf(rs, plans, n, false)),
    ...(identities.length > 0 ? [groupOf(identities, plans, n, true)] : []),
  ].filter((g) => g.srcCount * g.dstCount <= 64 * n);
}
