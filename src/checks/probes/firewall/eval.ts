import type { FirewallVerdict, InboundQuery, InboundResult } from './types.js';

// ---------------------------------------------------------------------------------------------
// Evaluation core (shared by nft and iptables)

export type Tri = 'T' | 'F' | 'U';

export interface Pkt {
  readonly fam: 4 | 6;
  readonly src: bigint;
  readonly dst: bigint | null;
  readonly dport: number;
  /** The source is another host (not one of this host's loopback addresses). */
  readonly remote: boolean;
}

/** What one walk has assumed so far (so correlated rules stay consistent along a path). */
export interface Facts {
  readonly iifIs: string | null;
  readonly iifNot: readonly string[];
  readonly known: Readonly<Record<string, boolean>>;
}

export interface MatchItem {
  readonly kind: 'match';
  readonly text: string;
  test(p: Pkt, f: Facts): Tri;
  /** Facts implied when the match is assumed to hold (or not): interface matches learn the interface. */
  learn?(f: Facts, holds: boolean): Facts;
  /** Decided by the input interface (used for the hint in `reason`). */
  readonly iface?: boolean;
}

export type Terminal =
  | { readonly kind: 'verdict'; readonly v: 'accept' | 'drop' | 'reject' | 'return' | 'continue' }
  | { readonly kind: 'jump' | 'goto'; readonly target: string };

export interface VmapItem {
  readonly kind: 'vmap';
  readonly text: string;
  readonly entries: readonly { readonly match: MatchItem; readonly to: Terminal }[];
}

export type Item = MatchItem | VmapItem | Terminal | { readonly kind: 'noop' } | { readonly kind: 'opaque'; readonly text: string; readonly why: string };

export interface CRule {
  readonly text: string;
  readonly items: readonly Item[];
}

export interface CChain {
  readonly label: string;
  readonly rules: readonly CRule[];
  resolve(name: string): CChain | null;
}

export interface Base {
  readonly chain: CChain;
  readonly policy: 'accept' | 'drop';
  /** Whether this base chain sees the packet at all (ingress device, bridge port); null = always. */
  readonly cond: MatchItem | null;
}

export interface Program {
  readonly bases: readonly Base[];
  /** Why no base chain applies (empty ruleset, family), used when `bases` is empty. */
  readonly emptyReason: string;
  /** A reason that makes every query unknown (e.g. ip6tables rules asked about IPv4). */
  readonly unusable?: string;
}

export interface Decision {
  readonly chain: string;
  readonly rule: string;
  readonly expr: string;
  readonly holds: boolean;
  readonly iface: boolean;
}

export interface Hit {
  readonly chain: string;
  readonly rule: string | null;
  readonly why: string;
}

export interface Leaf {
  readonly verdict: FirewallVerdict;
  readonly hit: Hit;
  readonly decisions: readonly Decision[];
  readonly taint: Hit | null;
  readonly acceptedBy: Hit | null;
}

type Effect =
  | { readonly k: 'next' | 'accept' | 'drop' | 'reject' | 'return' }
  | { readonly k: 'jump' | 'goto'; readonly target: string }
  | { readonly k: 'unknown'; readonly why: string; readonly text: string };

interface Branch {
  readonly facts: Facts;
  readonly decisions: readonly Decision[];
  readonly effect: Effect;
}

const MAX_STEPS = 200_000;
export const MAX_LEAVES = 4_096;
/** Undecided matches assumed along one path: each step copies what the path assumed, so more made a walk quadratic. */
export const MAX_DECISIONS = 1_024;
const MAX_DEPTH = 64;

function tri(m: MatchItem, p: Pkt, f: Facts): Tri {
  const k = f.known[m.text];
  if (k !== undefined) return k ? 'T' : 'F';
  return m.test(p, f);
}

function assume(m: MatchItem, f: Facts, holds: boolean): Facts {
  const g = m.learn ? m.learn(f, holds) : f;
  return { ...g, known: { ...g.known, [m.text]: holds } };
}

function evalRule(rule: CRule, chain: string, p: Pkt, facts: Facts): Branch[] {
  const items = rule.items;
  let k = items.findIndex((it) => it.kind !== 'match' && it.kind !== 'noop');
  if (k < 0) k = items.length;
  const matches = items.slice(0, k).filter((it): it is MatchItem => it.kind === 'match');
  if (matches.some((m) => tri(m, p, facts) === 'F')) return [{ facts, decisions: [], effect: { k: 'next' } }];
  const out: Branch[] = [];
  const dec = (m: MatchItem, holds: boolean): Decision => ({ chain, rule: rule.text, expr: m.text, holds, iface: m.iface === true });
  // A loop, not recursion (a rule of thousands of matches overflowed the stack). Undecided matches
  // fork: the "does not hold" branches follow the deeper ones, innermost first.
  const notHolding: Branch[] = [];
  let f = facts;
  let ds: readonly Decision[] = [];
  for (let j = 0; ; j++) {
    if (j === matches.length) {
      for (const b of terminal(items[k], rule, chain, p, f)) out.push({ facts: b.facts, decisions: [...ds, ...b.decisions], effect: b.effect });
      break;
    }
    const m = matches[j] as MatchItem;
    const t = tri(m, p, f);
    if (t === 'T') continue;
    if (t === 'F') {
      out.push({ facts: f, decisions: ds, effect: { k: 'next' } });
      break;
    }
    // Each fork copies what was assumed so far: past the limit the rule is too complex to follow.
    if (notHolding.length >= MAX_DECISIONS) return [{ facts, decisions: [], effect: { k: 'unknown', why: `more than ${MAX_DECISIONS} undecided matches in one rule`, text: rule.text } }];
    notHolding.push({ facts: assume(m, f, false), decisions: [...ds, dec(m, false)], effect: { k: 'next' } });
    f = assume(m, f, true);
    ds = [...ds, dec(m, true)];
  }
  for (let j = notHolding.length - 1; j >= 0; j--) out.push(notHolding[j] as Branch);
  return out;
}

function terminalEffect(t: Terminal): Effect {
  if (t.kind === 'verdict') return { k: t.v === 'continue' ? 'next' : t.v };
  return { k: t.kind, target: t.target };
}

function terminal(it: Item | undefined, rule: CRule, chain: string, p: Pkt, f: Facts): Branch[] {
  if (it === undefined) return [{ facts: f, decisions: [], effect: { k: 'next' } }];
  switch (it.kind) {
    case 'verdict':
    case 'jump':
    case 'goto':
      return [{ facts: f, decisions: [], effect: terminalEffect(it) }];
    case 'opaque':
      return [{ facts: f, decisions: [], effect: { k: 'unknown', why: it.why, text: it.text } }];
    case 'vmap': {
      const tris = it.entries.map((e) => tri(e.match, p, f));
      const sure = tris.indexOf('T');
      if (sure >= 0) return [{ facts: f, decisions: [], effect: terminalEffect((it.entries[sure] as VmapItem['entries'][number]).to) }];
      const out: Branch[] = [];
      let rest = f;
      const restDecisions: Decision[] = [];
      it.entries.forEach((e, i) => {
        if (tris[i] !== 'U') return;
        const d = (holds: boolean): Decision => ({ chain, rule: rule.text, expr: e.match.text, holds, iface: e.match.iface === true });
        out.push({ facts: assume(e.match, rest, true), decisions: [...restDecisions, d(true)], effect: terminalEffect(e.to) });
        rest = assume(e.match, rest, false);
        restDecisions.push(d(false));
      });
      out.push({ facts: rest, decisions: restDecisions, effect: { k: 'next' } });
      return out;
    }
    default:
      return [{ facts: f, decisions: [], effect: { k: 'next' } }];
  }
}

interface Frame {
  readonly chain: CChain;
  readonly idx: number;
}

interface State {
  readonly bi: number;
  readonly frames: readonly Frame[];
  readonly facts: Facts;
  readonly decisions: readonly Decision[];
  readonly taint: Hit | null;
  readonly acceptedBy: Hit | null;
}

export function run(prog: Program, p: Pkt, facts0: Facts): Leaf[] | 'too-complex' {
  const leaves: Leaf[] = [];
  const stack: State[] = [{ bi: 0, frames: [], facts: facts0, decisions: [], taint: null, acceptedBy: null }];
  let steps = 0;
  const leaf = (s: State, verdict: FirewallVerdict, hit: Hit, decisions = s.decisions): void => {
    leaves.push({ verdict, hit, decisions, taint: s.taint, acceptedBy: s.acceptedBy });
  };
  const nextBase = (s: State, extra: Partial<State>): State => ({ ...s, ...extra, bi: s.bi + 1, frames: [] });
  const pop = (s: State, base: Base): State | null => {
    const frames = s.frames.slice(0, -1);
    if (frames.length > 0) return { ...s, frames };
    if (base.policy === 'accept') return nextBase(s, {});
    leaf(s, 'drop', { chain: base.chain.label, rule: null, why: `policy drop of base chain ${base.chain.label}` });
    return null;
  };
  while (stack.length > 0) {
    if (++steps > MAX_STEPS || leaves.length > MAX_LEAVES) return 'too-complex';
    const s = stack.pop() as State;
    if (s.decisions.length > MAX_DECISIONS) return 'too-complex';
    const succ: State[] = [];
    if (s.frames.length === 0) {
      const base = prog.bases[s.bi];
      if (!base) {
        if (s.taint) leaf(s, 'unknown', s.taint);
        else leaf(s, 'accept', s.acceptedBy ?? { chain: '', rule: null, why: 'policy' });
        continue;
      }
      const enter: State = { ...s, frames: [{ chain: base.chain, idx: 0 }] };
      const c = base.cond;
      const t = c ? tri(c, p, s.facts) : 'T';
      if (t === 'T') succ.push(enter);
      else if (t === 'F') succ.push(nextBase(s, {}));
      else if (c) {
        const d = (holds: boolean): Decision => ({ chain: base.chain.label, rule: `(base chain ${base.chain.label})`, expr: c.text, holds, iface: c.iface === true });
        succ.push({ ...enter, facts: assume(c, s.facts, true), decisions: [...s.decisions, d(true)] });
        succ.push(nextBase(s, { facts: assume(c, s.facts, false), decisions: [...s.decisions, d(false)] }));
      }
    } else {
      const base = prog.bases[s.bi] as Base;
      const top = s.frames[s.frames.length - 1] as Frame;
      const rule = top.chain.rules[top.idx];
      if (!rule) {
        const n = pop(s, base);
        if (n) succ.push(n);
      } else {
        for (const b of evalRule(rule, top.chain.label, p, s.facts)) {
          const st: State = { ...s, facts: b.facts, decisions: b.decisions.length ? [...s.decisions, ...b.decisions] : s.decisions };
          const hit: Hit = { chain: top.chain.label, rule: rule.text, why: '' };
          const advanced = [...s.frames.slice(0, -1), { chain: top.chain, idx: top.idx + 1 }];
          const e = b.effect;
          switch (e.k) {
            case 'next':
              succ.push({ ...st, frames: advanced });
              break;
            case 'accept':
              succ.push(nextBase(st, { acceptedBy: st.acceptedBy ?? { ...hit, why: 'accept' } }));
              break;
            case 'drop':
            case 'reject':
              leaf(st, e.k, { ...hit, why: e.k });
              break;
            case 'return': {
              const n = pop(st, base);
              if (n) succ.push(n);
              break;
            }
            case 'jump':
            case 'goto': {
              const target = top.chain.resolve(e.target);
              if (!target) leaf(st, 'unknown', { ...hit, why: `${e.k} to chain "${e.target}", which is not in the ruleset` });
              else if (s.frames.length >= MAX_DEPTH) leaf(st, 'unknown', { ...hit, why: `more than ${MAX_DEPTH} nested jumps (a loop?)` });
              else succ.push({ ...st, frames: e.k === 'jump' ? [...advanced, { chain: target, idx: 0 }] : [...s.frames.slice(0, -1), { chain: target, idx: 0 }] });
              break;
            }
            case 'unknown': {
              // Later base chains still see the packet if this rule let it through: a drop there wins.
              const why = `\`${e.text}\` is not understood (${e.why})`;
              succ.push(nextBase(st, { taint: st.taint ?? { ...hit, why } }));
              break;
            }
          }
        }
      }
    }
    for (let i = succ.length - 1; i >= 0; i--) stack.push(succ[i] as State);
  }
  return leaves;
}

export function describeQuery(q: InboundQuery): string {
  return `a new TCP connection from ${q.srcAddr} to port ${q.dport}${q.iif ? ` on ${q.iif}` : ''}`;
}

export function aggregate(leaves: readonly Leaf[], q: InboundQuery, prog: Program): InboundResult {
  const what = describeQuery(q);
  const paths = leaves.length > 1 ? ` (the same on all ${leaves.length} paths the query leaves open)` : '';
  const unknownLeaf = leaves.find((l) => l.verdict === 'unknown');
  if (unknownLeaf) {
    const on = pathText(unknownLeaf.decisions);
    return {
      verdict: 'unknown',
      chain: unknownLeaf.hit.chain,
      rule: unknownLeaf.hit.rule,
      reason: `${unknownLeaf.hit.why}; cannot tell what it does to ${what}${on ? ` (when ${on})` : ''}`,
    };
  }
  const first = leaves[0] as Leaf;
  const accepts = leaves.filter((l) => l.verdict === 'accept');
  const blocks = leaves.filter((l) => l.verdict !== 'accept');
  if (accepts.length > 0 && blocks.length > 0) {
    const a = accepts[0] as Leaf;
    const b = blocks[0] as Leaf;
    const d = divergence(a.decisions, b.decisions) ?? (b.decisions[0] as Decision | undefined) ?? (a.decisions[0] as Decision);
    const yes = !d.holds; // d is taken from the blocked path: accept is on the other side
    const hint = d.iface && !q.iif ? '; give the input interface (iif) to decide' : '';
    return {
      verdict: 'unknown',
      chain: d.chain,
      rule: d.rule,
      reason:
        `depends on whether \`${d.expr}\` holds, which the query does not fix: ${yes ? 'accept' : b.verdict} if it does, ${yes ? b.verdict : 'accept'} if not ` +
        `(${b.verdict} by ${b.hit.rule ? `\`${b.hit.rule}\` in ` : ''}${b.hit.chain}${b.hit.rule ? '' : ' policy'})${hint}`,
    };
  }
  if (blocks.length > 0) {
    const other = blocks.find((l) => l.verdict !== first.verdict);
    const split = other ? divergence(first.decisions, other.decisions) : null;
    const mixed = other ? ` (${first.verdict} or ${other.verdict} depending on ${split ? `whether \`${split.expr}\` holds` : 'the path'}; blocked either way)` : paths;
    const taint = first.taint
      ? `; an earlier rule was not understood (\`${first.taint.rule}\` in ${first.taint.chain}) and may have decided first, but the packet is blocked either way`
      : '';
    const by = first.hit.rule ? `${first.verdict === 'drop' ? 'dropped' : 'rejected'} by \`${first.hit.rule}\` in ${first.hit.chain}` : `no rule admits it; ${first.hit.why}`;
    return { verdict: first.verdict, chain: first.hit.chain, rule: first.hit.rule, reason: `${what} is ${by}${mixed}${taint}` };
  }
  const by = accepts.find((l) => l.acceptedBy)?.acceptedBy ?? null;
  const n = prog.bases.length;
  if (!by) {
    return {
      verdict: 'accept',
      chain: null,
      rule: null,
      reason: `no rule decides ${what}; the policy of ${n === 1 ? 'the one base chain' : `each of the ${n} base chains`} on its path is accept${paths}`,
    };
  }
  return { verdict: 'accept', chain: by.chain, rule: by.rule, reason: `${what} is accepted by \`${by.rule}\` in ${by.chain}, and no other base chain on its path drops it${paths}` };
}

function divergence(a: readonly Decision[], b: readonly Decision[]): Decision | null {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i] as Decision;
    const y = b[i] as Decision;
    if (x.expr !== y.expr || x.rule !== y.rule || x.holds !== y.holds) return y;
  }
  return null;
}

function pathText(ds: readonly Decision[]): string {
  return ds.map((d) => `\`${d.expr}\` ${d.holds ? 'holds' : 'does not hold'}`).join(', ');
}
