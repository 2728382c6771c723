import { ParseError } from './parse-error.js';

/*
 * Firewall probe: pure parsers for `nft list ruleset` and `iptables-save`, and a pure evaluator
 * that answers "does this ruleset admit a NEW inbound TCP connection from S to port P?".
 *
 * The evaluator walks the packet's real path (netdev/inet ingress, bridge prerouting/input,
 * prerouting, input; each hook's base chains in priority order) and never passes silently:
 * a match it cannot decide for the query (an unknown input interface, a packet mark, fib, osf,
 * ipsets, ...) forks the walk into both outcomes, and when the outcomes differ the verdict is
 * `unknown` naming the rule; a statement it does not understand stops the walk with `unknown`.
 * Parsed rulesets are plain JSON data (reports are replayed from JSON).
 */

// ---------------------------------------------------------------------------------------------
// Public types

/** What happens to the first packet (SYN) of the connection. */
export type FirewallVerdict = 'accept' | 'drop' | 'reject' | 'unknown';

/** A new inbound connection to ask about. */
export interface InboundQuery {
  /** Source address of the connecting peer (IPv4 or IPv6). */
  readonly srcAddr: string;
  /** Destination TCP port. */
  readonly dport: number;
  readonly proto: 'tcp';
  /** Interface the packet arrives on; when absent, rules on the interface fork the walk (see evaluateInbound). */
  readonly iif?: string;
  /** The destination address the peer connects to; when absent, `ip daddr` rules fork the walk. */
  readonly dstAddr?: string;
}

/** The answer of evaluateInbound. */
export interface InboundResult {
  readonly verdict: FirewallVerdict;
  /** The chain that decided (or that holds the rule that stopped the walk), e.g. `inet firewalld filter_INPUT` or `filter INPUT`. */
  readonly chain: string | null;
  /** The rule text that decided or stopped the walk; null for a chain policy or an empty ruleset. */
  readonly rule: string | null;
  /** One or two sentences, for the operator. */
  readonly reason: string;
}

/** One `table <family> <name>` of `nft list ruleset`. */
export interface NftTable {
  readonly family: string;
  readonly name: string;
  /** `flags dormant`: the table is loaded but does not see packets. */
  readonly dormant: boolean;
  readonly chains: readonly NftChain[];
  readonly sets: readonly NftSet[];
}

/** A base chain's hook line: `type filter hook input priority filter + 10; policy drop;`. */
export interface NftHook {
  readonly type: string;
  readonly hook: string;
  /** Numeric priority (named priorities resolved); null when it cannot be resolved. */
  readonly priority: number | null;
  readonly priorityText: string;
  readonly policy: 'accept' | 'drop';
  /** `device "eth0"` / `devices = { ... }` of ingress chains. */
  readonly devices: readonly string[];
}

export interface NftChain {
  readonly name: string;
  /** Null for a regular chain (only reached by jump/goto). */
  readonly hook: NftHook | null;
  readonly rules: readonly NftRuleText[];
}

export interface NftRuleText {
  /** The rule as nft printed it (trimmed; a `# handle N` suffix removed). */
  readonly text: string;
  /** 1-based line in the probe output. */
  readonly line: number;
}

/** A named set or map; elements are kept as printed (`10.0.0.0/8`, `1.2.3.4 . 22`, `192.0.2.1 : accept`). */
export interface NftSet {
  readonly name: string;
  readonly kind: 'set' | 'map';
  readonly type: string;
  readonly flags: readonly string[];
  readonly elements: readonly string[];
}

/** Parsed `nft list ruleset`. */
export interface NftRuleset {
  readonly kind: 'nft';
  readonly tables: readonly NftTable[];
}

export interface IptablesRule {
  /** The rule line without a `[packets:bytes]` counter prefix, e.g. `-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT`. */
  readonly text: string;
  /** Its arguments after `-A CHAIN`, shell-unquoted. */
  readonly args: readonly string[];
  readonly line: number;
}

export interface IptablesChain {
  readonly name: string;
  /** ACCEPT/DROP for built-in chains, null for user chains (`:NAME - [0:0]`). */
  readonly policy: 'ACCEPT' | 'DROP' | null;
  readonly rules: readonly IptablesRule[];
}

export interface IptablesTable {
  readonly name: string;
  readonly chains: readonly IptablesChain[];
}

/** Parsed `iptables-save` (or `ip6tables-save`). */
export interface IptablesRuleset {
  readonly kind: 'iptables';
  /** Which address family the rules filter: ip6tables-save output is `ipv6`. */
  readonly family: 'ipv4' | 'ipv6';
  readonly tables: readonly IptablesTable[];
}

export type FirewallRuleset = NftRuleset | IptablesRuleset;

// ---------------------------------------------------------------------------------------------
// Migration ports

export type MigrationTransport = 'ssh' | 'tcp' | 'tls' | 'tunnelled';

/** QEMU's default migration data port range (libvirt migration_port_min/max). */
export const QEMU_MIGRATION_PORTS = { first: 49152, last: 49215 } as const;
/** Xen xend relocation server (xen.relocation). */
export const XEN_RELOCATION_PORT = 8002;

/**
 * Destination ports a migration over `transport` needs open: the control connection, and, except
 * for tunnelled migration (data travels inside the libvirt connection), the first and the last
 * port of QEMU's migration data range.
 */
export function portsFor(transport: MigrationTransport, sshPort = 22): { port: number; why: string }[] {
  const data = [
    { port: QEMU_MIGRATION_PORTS.first, why: `QEMU migration data, first port of ${QEMU_MIGRATION_PORTS.first}-${QEMU_MIGRATION_PORTS.last}` },
    { port: QEMU_MIGRATION_PORTS.last, why: `QEMU migration data, last port of ${QEMU_MIGRATION_PORTS.first}-${QEMU_MIGRATION_PORTS.last}` },
  ];
  switch (transport) {
    case 'ssh':
      return [{ port: sshPort, why: 'qemu+ssh control connection (sshd)' }, ...data];
    case 'tcp':
      return [{ port: 16509, why: 'libvirtd TCP (qemu+tcp)' }, ...data];
    case 'tls':
      return [{ port: 16514, why: 'libvirtd TLS (qemu+tls)' }, ...data];
    case 'tunnelled':
      return [{ port: sshPort, why: 'tunnelled migration: control and data inside the libvirt connection over ssh' }];
  }
}

// ---------------------------------------------------------------------------------------------
// Shared lexing helpers

interface Tok {
  readonly t: string;
  readonly start: number;
  readonly end: number;
}

/** nft rule tokens: quoted strings, braces/parens/commas alone, a trailing `# ...` as one token. */
function lexNft(s: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i] as string;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    if (c === '"') {
      let j = i + 1;
      while (j < s.length && s[j] !== '"') j += s[j] === '\\' ? 2 : 1;
      out.push({ t: s.slice(i, j + 1), start: i, end: Math.min(j + 1, s.length) });
      i = j + 1;
      continue;
    }
    if ('{}(),'.includes(c)) {
      out.push({ t: c, start: i, end: i + 1 });
      i++;
      continue;
    }
    if (c === '#') {
      out.push({ t: s.slice(i).trim(), start: i, end: s.length });
      break;
    }
    let j = i;
    while (j < s.length && !' \t\r\n{}(),"'.includes(s[j] as string)) j++;
    out.push({ t: s.slice(i, j), start: i, end: j });
    i = j;
  }
  return out;
}

const unquote = (s: string): string => (s.length >= 2 && s.startsWith('"') && s.endsWith('"') ? s.slice(1, -1).replace(/\\(.)/g, '$1') : s);

/** Shell-like split used by iptables-save (double quotes with backslash escapes, single quotes). */
function splitArgs(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let has = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    if (c === '"' || c === "'") {
      has = true;
      for (i++; i < line.length && line[i] !== c; i++) {
        if (c === '"' && line[i] === '\\' && i + 1 < line.length) i++;
        cur += line[i];
      }
    } else if (c === ' ' || c === '\t') {
      if (has) out.push(cur);
      cur = '';
      has = false;
    } else {
      cur += c;
      has = true;
    }
  }
  if (has) out.push(cur);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Addresses

interface Addr {
  readonly v: 4 | 6;
  readonly n: bigint;
}

function parseV4(s: string): bigint | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (!m) return null;
  let n = 0n;
  for (const p of m.slice(1)) {
    const x = Number(p);
    if (x > 255) return null;
    n = (n << 8n) | BigInt(x);
  }
  return n;
}

function parseV6(input: string): bigint | null {
  // `[^]*`, not `.*`: a line separator after many '%' made every '%' scan to the end (quadratic).
  let s = input.replace(/%[^]*$/, '');
  if (s.startsWith('[') && s.endsWith(']')) s = s.slice(1, -1);
  if (!s.includes(':') || !/^[0-9a-fA-F:.]+$/.test(s)) return null;
  const last = s.lastIndexOf(':');
  const tail = s.slice(last + 1);
  if (tail.includes('.')) {
    const n = parseV4(tail);
    if (n === null) return null;
    s = `${s.slice(0, last + 1)}${(n >> 16n).toString(16)}:${(n & 0xffffn).toString(16)}`;
  }
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const groups = (h: string): number[] | null => {
    if (h === '') return [];
    const out: number[] = [];
    for (const g of h.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const head = groups(halves[0] as string);
  const rest = halves.length === 2 ? groups(halves[1] as string) : [];
  if (!head || !rest) return null;
  const fill = 8 - head.length - rest.length;
  if (halves.length === 2 ? fill < 1 : fill !== 0) return null;
  const words = [...head, ...new Array<number>(halves.length === 2 ? fill : 0).fill(0), ...rest];
  return words.reduce((acc, w) => (acc << 16n) | BigInt(w), 0n);
}

function parseAddr(s: string): Addr | null {
  const v4 = parseV4(s);
  if (v4 !== null) return { v: 4, n: v4 };
  const v6 = parseV6(s);
  return v6 === null ? null : { v: 6, n: v6 };
}

/** `a`, `a/len`, `a/dotted-mask`, `a-b`: an inclusive range, or null when not an address. */
export function parseAddrRange(s: string): { v: 4 | 6; lo: bigint; hi: bigint } | null {
  const dash = s.indexOf('-');
  if (dash > 0) {
    const a = parseAddr(s.slice(0, dash));
    const b = parseAddr(s.slice(dash + 1));
    if (!a || !b || a.v !== b.v) return null;
    return { v: a.v, lo: a.n, hi: b.n };
  }
  const slash = s.indexOf('/');
  const a = parseAddr(slash < 0 ? s : s.slice(0, slash));
  if (!a) return null;
  const bits = a.v === 4 ? 32 : 128;
  let len = bits;
  if (slash >= 0) {
    const m = s.slice(slash + 1);
    if (/^\d+$/.test(m)) len = Number(m);
    else {
      const mask = a.v === 4 ? parseV4(m) : null;
      if (mask === null) return null;
      const b = mask.toString(2).padStart(32, '0');
      if (!/^1*0*$/.test(b)) return null;
      len = b.indexOf('0') < 0 ? 32 : b.indexOf('0');
    }
    if (len > bits) return null;
  }
  const host = (1n << BigInt(bits - len)) - 1n;
  return { v: a.v, lo: a.n & ~host, hi: (a.n & ~host) | host };
}

// ---------------------------------------------------------------------------------------------
// Evaluation core (shared by nft and iptables)

type Tri = 'T' | 'F' | 'U';

interface Pkt {
  readonly fam: 4 | 6;
  readonly src: bigint;
  readonly dst: bigint | null;
  readonly dport: number;
  /** The source is another host (not one of this host's loopback addresses). */
  readonly remote: boolean;
}

/** What one walk has assumed so far (so correlated rules stay consistent along a path). */
interface Facts {
  readonly iifIs: string | null;
  readonly iifNot: readonly string[];
  readonly known: Readonly<Record<string, boolean>>;
}

interface MatchItem {
  readonly kind: 'match';
  readonly text: string;
  test(p: Pkt, f: Facts): Tri;
  /** Facts implied when the match is assumed to hold (or not): interface matches learn the interface. */
  learn?(f: Facts, holds: boolean): Facts;
  /** Decided by the input interface (used for the hint in `reason`). */
  readonly iface?: boolean;
}

type Terminal =
  | { readonly kind: 'verdict'; readonly v: 'accept' | 'drop' | 'reject' | 'return' | 'continue' }
  | { readonly kind: 'jump' | 'goto'; readonly target: string };

interface VmapItem {
  readonly kind: 'vmap';
  readonly text: string;
  readonly entries: readonly { readonly match: MatchItem; readonly to: Terminal }[];
}

type Item = MatchItem | VmapItem | Terminal | { readonly kind: 'noop' } | { readonly kind: 'opaque'; readonly text: string; readonly why: string };

interface CRule {
  readonly text: string;
  readonly items: readonly Item[];
}

interface CChain {
  readonly label: string;
  readonly rules: readonly CRule[];
  resolve(name: string): CChain | null;
}

interface Base {
  readonly chain: CChain;
  readonly policy: 'accept' | 'drop';
  /** Whether this base chain sees the packet at all (ingress device, bridge port); null = always. */
  readonly cond: MatchItem | null;
}

interface Program {
  readonly bases: readonly Base[];
  /** Why no base chain applies (empty ruleset, family), used when `bases` is empty. */
  readonly emptyReason: string;
  /** A reason that makes every query unknown (e.g. ip6tables rules asked about IPv4). */
  readonly unusable?: string;
}

interface Decision {
  readonly chain: string;
  readonly rule: string;
  readonly expr: string;
  readonly holds: boolean;
  readonly iface: boolean;
}

interface Hit {
  readonly chain: string;
  readonly rule: string | null;
  readonly why: string;
}

interface Leaf {
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
const MAX_LEAVES = 4_096;
/** Undecided matches assumed along one path: each step copies what the path assumed, so more made a walk quadratic. */
const MAX_DECISIONS = 1_024;
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

function run(prog: Program, p: Pkt, facts0: Facts): Leaf[] | 'too-complex' {
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

function describeQuery(q: InboundQuery): string {
  return `a new TCP connection from ${q.srcAddr} to port ${q.dport}${q.iif ? ` on ${q.iif}` : ''}`;
}

function aggregate(leaves: readonly Leaf[], q: InboundQuery, prog: Program): InboundResult {
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

/**
 * Whether `ruleset` admits a NEW inbound TCP connection (its SYN) from `q.srcAddr` to `q.dport`.
 *
 * Walks every base chain the packet meets, in netfilter's order: netdev/inet `ingress`, bridge
 * `prerouting`/`input` (only if the packet arrives through a bridge port), then `prerouting`
 * and `input` of the families that carry it (ip and inet for IPv4, ip6 and inet for IPv6),
 * each hook's chains by priority. iptables: raw/mangle/nat PREROUTING, then mangle/filter/
 * security/nat INPUT. An accept ends one base chain and the next one runs; a drop or reject
 * anywhere wins; a base chain's policy applies when its rules fall through.
 *
 * The packet is a TCP SYN opening a connection: `ct state` is new (never established, related,
 * invalid or untracked), `ct status` has no NAT bits, `meta pkttype` is host, the source port
 * is an ephemeral one (1024-65535), `limit rate` is not exceeded. Counters, logs, comments,
 * marks and conntrack helpers change nothing. A remote source never arrives on loopback nor
 * addresses a loopback, multicast or broadcast destination.
 *
 * Verdicts: `accept`/`drop`/`reject` only when every possibility the query leaves open ends
 * the same way. A match the query does not decide (the input interface when `iif` is absent,
 * `ip daddr` when `dstAddr` is absent, packet marks, fib, osf, socket, ipset, recent, quota,
 * ...) is assumed both ways; if the outcomes differ, `unknown` names that rule. A statement
 * not understood (NAT, queue, notrack, untranslated `xt` expressions, unknown syntax) makes
 * the walk `unknown` unless a later base chain blocks the packet anyway. Never throws on a
 * parsed ruleset; throws RangeError for a query that is not an address or port.
 */
export function evaluateInbound(ruleset: FirewallRuleset, q: InboundQuery): InboundResult {
  const src = parseAddr(q.srcAddr);
  if (!src) throw new RangeError(`evaluateInbound: srcAddr ${JSON.stringify(q.srcAddr)} is not an IP address`);
  if (!Number.isInteger(q.dport) || q.dport < 1 || q.dport > 65535) throw new RangeError(`evaluateInbound: dport ${q.dport} is not a TCP port`);
  if (q.proto !== 'tcp') throw new RangeError(`evaluateInbound: only tcp is modelled, not ${String(q.proto)}`);
  const dst = q.dstAddr === undefined ? null : parseAddr(q.dstAddr);
  if (q.dstAddr !== undefined && (!dst || dst.v !== src.v)) throw new RangeError(`evaluateInbound: dstAddr ${JSON.stringify(q.dstAddr)} is not an IPv${src.v} address`);
  const loopback = src.v === 4 ? src.n >> 24n === 127n : src.n === 1n;
  const p: Pkt = { fam: src.v, src: src.n, dst: dst ? dst.n : null, dport: q.dport, remote: !loopback };
  const facts: Facts = q.iif ? { iifIs: q.iif, iifNot: [], known: {} } : loopback ? { iifIs: 'lo', iifNot: [], known: {} } : { iifIs: null, iifNot: ['lo'], known: {} };

  let prog: Program;
  if (ruleset.kind === 'nft') prog = compileNft(ruleset, src.v);
  else if (ruleset.kind === 'iptables') prog = compileIptables(ruleset, src.v);
  else throw new TypeError('evaluateInbound: not a parsed ruleset (kind must be nft or iptables)');

  if (prog.unusable) return { verdict: 'unknown', chain: null, rule: null, reason: prog.unusable };
  if (prog.bases.length === 0) return { verdict: 'accept', chain: null, rule: null, reason: `${prog.emptyReason}: netfilter accepts ${describeQuery(q)} by default` };
  const leaves = run(prog, p, facts);
  if (leaves === 'too-complex') {
    return { verdict: 'unknown', chain: null, rule: null, reason: `too many undecided matches on the path of ${describeQuery(q)} to follow every case (more than ${MAX_LEAVES} paths, or ${MAX_DECISIONS} on one)` };
  }
  return aggregate(leaves, q, prog);
}

// ---------------------------------------------------------------------------------------------
// Values shared by nft and iptables matches

/** A lookup in a name table that never finds Object.prototype ("constructor", "__proto__", "toString" are unknown names). */
function own<T>(table: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

const SERVICES: Readonly<Record<string, number>> = {
  'ftp-data': 20, ftp: 21, ssh: 22, telnet: 23, smtp: 25, domain: 53, bootps: 67, bootpc: 68, tftp: 69, http: 80, www: 80,
  kerberos: 88, pop3: 110, sunrpc: 111, ntp: 123, 'netbios-ns': 137, 'netbios-dgm': 138, 'netbios-ssn': 139, imap: 143, imap2: 143,
  snmp: 161, ldap: 389, https: 443, 'microsoft-ds': 445, submissions: 465, syslog: 514, 'dhcpv6-client': 546, 'dhcpv6-server': 547,
  submission: 587, ldaps: 636, 'domain-s': 853, rsync: 873, imaps: 993, pop3s: 995, nfs: 2049, mysql: 3306, postgresql: 5432,
  mdns: 5353, 'http-alt': 8080, webcache: 8080, 'xmpp-client': 5222, 'iscsi-target': 3260, 'ms-wbt-server': 3389, vnc: 5900,
};

const PROTOCOLS: Readonly<Record<string, number>> = {
  all: 0, icmp: 1, igmp: 2, ipencap: 4, ipip: 4, tcp: 6, egp: 8, udp: 17, dccp: 33, ipv6: 41, gre: 47, esp: 50, ah: 51,
  'ipv6-icmp': 58, icmpv6: 58, 'ipv6-nonxt': 59, ospf: 89, pim: 103, comp: 108, vrrp: 112, l2tp: 115, sctp: 132, udplite: 136, mpls: 137,
};

function portRange(s: string, sep: '-' | ':'): [number, number] | null {
  const num = (x: string, dflt: number): number | null => {
    if (x === '') return dflt;
    if (/^\d+$/.test(x)) return Number(x);
    return own(SERVICES, x) ?? null;
  };
  const i = s.indexOf(sep);
  const lo = num(i < 0 ? s : s.slice(0, i), 0);
  const hi = i < 0 ? lo : num(s.slice(i + 1), 65535);
  return lo === null || hi === null ? null : [lo, hi];
}

const EPHEMERAL: [number, number] = [1024, 65535];

function portTri(kind: 'dport' | 'sport', p: Pkt, r: [number, number] | null): Tri {
  if (!r) return 'U';
  if (kind === 'dport') return p.dport >= r[0] && p.dport <= r[1] ? 'T' : 'F';
  if (r[0] <= EPHEMERAL[0] && r[1] >= EPHEMERAL[1]) return 'T';
  return r[1] < EPHEMERAL[0] || r[0] > EPHEMERAL[1] ? 'F' : 'U';
}

/** Where a remote peer's unicast TCP can never be addressed: loopback, 0/8, multicast, reserved and broadcast. */
const IMPOSSIBLE_DST: Readonly<Record<4 | 6, readonly string[]>> = {
  4: ['0.0.0.0/8', '127.0.0.0/8', '224.0.0.0/4', '240.0.0.0/4'],
  6: ['::/128', '::1/128', 'ff00::/8'],
};

/**
 * An address element against the packet's address; `v` null means the destination is not in the
 * query: still decided when the element lies where a remote peer's TCP cannot go, or covers all.
 */
function addrTri(fam: 4 | 6, v: bigint | null, s: string, remote = true): Tri {
  const r = parseAddrRange(s);
  if (!r) return 'U';
  if (r.v !== fam) return 'F';
  if (v !== null) return v >= r.lo && v <= r.hi ? 'T' : 'F';
  const top = (1n << (fam === 4 ? 32n : 128n)) - 1n;
  if (r.lo === 0n && r.hi === top) return 'T';
  const inside = IMPOSSIBLE_DST[fam].some((x) => {
    const b = parseAddrRange(x) as { lo: bigint; hi: bigint };
    return r.lo >= b.lo && r.hi <= b.hi;
  });
  return remote && inside ? 'F' : 'U';
}

function l4Tri(s: string): Tri {
  const n = /^\d+$/.test(s) ? Number(s) : own(PROTOCOLS, s.toLowerCase());
  if (n === undefined) return 'U';
  return n === 6 || n === 0 ? 'T' : 'F';
}

const not = (t: Tri): Tri => (t === 'T' ? 'F' : t === 'F' ? 'T' : 'U');
const anyOf = (ts: readonly Tri[]): Tri => (ts.includes('T') ? 'T' : ts.every((t) => t === 'F') ? 'F' : 'U');
const allOf = (ts: readonly Tri[]): Tri => (ts.includes('F') ? 'F' : ts.every((t) => t === 'T') ? 'T' : 'U');

/** Interface name pattern: nft `"eth*"`, iptables `eth+`. */
function ifaceTri(pattern: string, wildcard: boolean, f: Facts): Tri {
  if (f.iifIs !== null) return (wildcard ? f.iifIs.startsWith(pattern) : f.iifIs === pattern) ? 'T' : 'F';
  if (!wildcard && f.iifNot.includes(pattern)) return 'F';
  return 'U';
}

/** Learns the input interface from an assumed `iif in names` (negated: `iif not in names`). */
function ifaceLearn(names: readonly string[] | null, negated: boolean) {
  return (f: Facts, holds: boolean): Facts => {
    if (!names || f.iifIs !== null) return f;
    const inSet = holds !== negated;
    if (inSet) return names.length === 1 ? { ...f, iifIs: names[0] as string } : f;
    return { ...f, iifNot: [...new Set([...f.iifNot, ...names])] };
  };
}

const TCP_FLAGS: Readonly<Record<string, number>> = { fin: 1, syn: 2, rst: 4, psh: 8, ack: 16, urg: 32, ecn: 64, ece: 64, cwr: 128, all: 255, none: 0 };
/** A SYN opening a connection: SYN alone, or with ECE|CWR when the peer asks for ECN. */
const SYN_FLAGS = [2, 2 | 64 | 128] as const;

function flagBits(words: readonly string[]): number | null {
  let n = 0;
  for (const w of words) {
    const lw = w.toLowerCase();
    if (/^(0x[0-9a-f]+|\d+)$/.test(lw)) n |= Number(lw);
    else {
      const bit = own(TCP_FLAGS, lw);
      if (bit === undefined) return null;
      n |= bit;
    }
  }
  return n;
}

/** Evaluates `fn` for every possible SYN; definite only if all agree. */
function overSyn(fn: (flags: number) => boolean): Tri {
  const r = SYN_FLAGS.map(fn);
  return r.every(Boolean) ? 'T' : r.some(Boolean) ? 'U' : 'F';
}

// ---------------------------------------------------------------------------------------------
// nft: parser

const NFT_FAMILIES = new Set(['ip', 'ip6', 'inet', 'arp', 'bridge', 'netdev']);

const PRIO_NAMES: Readonly<Record<string, number>> = { raw: -300, mangle: -150, dstnat: -100, filter: 0, security: 50, srcnat: 100 };
const BRIDGE_PRIO_NAMES: Readonly<Record<string, number>> = { dstnat: -300, filter: -200, out: 100, srcnat: 300 };

function resolvePriority(text: string, family: string): number | null {
  const m = /^(-?\d+|[a-z]+)(?:\s*([+-])\s*(\d+))?$/.exec(text.trim());
  if (!m) return null;
  const names = family === 'bridge' ? BRIDGE_PRIO_NAMES : PRIO_NAMES;
  const base = /^-?\d+$/.test(m[1] as string) ? Number(m[1]) : own(names, m[1] as string);
  if (base === undefined) return null;
  return m[2] ? base + (m[2] === '+' ? 1 : -1) * Number(m[3]) : base;
}

function braceDelta(line: string): number {
  let d = 0;
  let inStr = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '"' && line[i - 1] !== '\\') inStr = !inStr;
    else if (!inStr && c === '{') d++;
    else if (!inStr && c === '}') d--;
    else if (!inStr && c === '#' && /\s/.test(line[i - 1] ?? ' ')) break;
  }
  return d;
}

/**
 * Splits text at `sep` where it is outside double quotes and the given brackets. The last piece
 * is kept even when empty only with keepEmptyTail (a trailing `;` ends a statement list).
 */
function splitOutside(s: string, sep: string, open: string, close: string, keepEmptyTail: boolean): string[] {
  const out: string[] = [];
  let depth = 0;
  let inStr = false;
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string;
    if (c === '"' && s[i - 1] !== '\\') inStr = !inStr;
    if (!inStr && open.includes(c)) depth++;
    if (!inStr && close.includes(c)) depth--;
    if (!inStr && depth === 0 && c === sep) {
      out.push(cur.trim());
      cur = '';
    } else cur += c;
  }
  if (keepEmptyTail || cur.trim() !== '') out.push(cur.trim());
  return out;
}

/** Top-level comma-separated items (set elements, anonymous sets). */
const splitTop = (s: string): string[] => splitOutside(s, ',', '{(', '})', false);
/** `a; b` (hand-written one-line chains) outside quotes and braces. */
const splitStatements = (s: string): string[] => splitOutside(s, ';', '{', '}', true);

/** `\s#`, not `\s+#`: the result is trimmed anyway, and `\s+` backtracks quadratically over a long run of blanks. */
const stripHandle = (s: string): string => s.replace(/\s#\s*handle\s+\d+\s*$/, '').trim();

/**
 * Parses `nft list ruleset` (text, as nft prints it; any version since 0.8). Tables of every
 * family are kept with their chains (hook, priority, policy), rules (as printed) and named
 * sets/maps; other named objects (counters, quotas, flowtables, ct helpers) are skipped.
 * Throws ParseError for `nft -j` JSON output and for text that is not a ruleset.
 */
export function parseNftRuleset(text: string): NftRuleset {
  const trimmed = text.trim();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    throw new ParseError('nft', 'JSON output (`nft -j list ruleset`) is not supported: run `nft list ruleset` (text) instead');
  }
  const lines = text.split('\n').map((l) => l.replace(/\r$/, ''));
  const tables: NftTable[] = [];
  let i = 0;
  const bad = (n: number, why: string): never => {
    throw new ParseError('nft', `line ${n + 1}: ${why}: ${JSON.stringify((lines[n] ?? '').trim().slice(0, 100))}`);
  };
  /** Reads a brace block starting at line `from` (whose line opens it); returns the index after its closing line. */
  const skipBlock = (from: number): number => {
    let depth = braceDelta(lines[from] as string);
    let j = from + 1;
    while (depth > 0 && j < lines.length) depth += braceDelta(lines[j++] as string);
    if (depth > 0) bad(from, 'block not closed');
    return j;
  };
  while (i < lines.length) {
    const line = (lines[i] as string).trim();
    if (line === '' || line.startsWith('#')) {
      i++;
      continue;
    }
    const tm = /^table\s+(\S+)\s+("[^"]*"|\S+)\s*\{\s*(?:#.*)?$/.exec(line);
    if (!tm) bad(i, 'not `nft list ruleset` output (expected `table <family> <name> {`)');
    const family = (tm as RegExpExecArray)[1] as string;
    if (!NFT_FAMILIES.has(family)) bad(i, `unknown table family ${family}`);
    const name = unquote((tm as RegExpExecArray)[2] as string);
    const end = skipBlock(i);
    tables.push(parseNftTable(lines, i + 1, end - 1, family, name, bad, skipBlock));
    i = end;
  }
  return { kind: 'nft', tables };
}

function parseNftTable(
  lines: readonly string[],
  from: number,
  to: number,
  family: string,
  name: string,
  bad: (n: number, why: string) => never,
  skipBlock: (from: number) => number,
): NftTable {
  const chains: NftChain[] = [];
  const sets: NftSet[] = [];
  let dormant = false;
  let i = from;
  while (i < to) {
    const line = stripHandle(lines[i] as string);
    if (line === '' || line.startsWith('#')) {
      i++;
      continue;
    }
    if (/^flags\s/.test(line)) {
      dormant ||= /\bdormant\b/.test(line);
      i++;
      continue;
    }
    const cm = /^chain\s+("[^"]*"|\S+)\s*\{/.exec(line);
    const sm = /^(set|map)\s+("[^"]*"|\S+)\s*\{/.exec(line);
    if (cm) {
      const end = skipBlock(i);
      chains.push(parseNftChain(lines, i, end, family, unquote(cm[1] as string), bad));
      i = end;
    } else if (sm) {
      const end = skipBlock(i);
      sets.push(parseNftSet(lines.slice(i, end).join('\n'), sm[1] as 'set' | 'map', unquote(sm[2] as string)));
      i = end;
    } else if (line.includes('{')) {
      i = skipBlock(i); // flowtable, counter, quota, ct helper/timeout/expectation, limit, secmark, synproxy
    } else {
      i++; // comment "..." and other table-level attributes
    }
  }
  return { family, name, dormant, chains, sets };
}

function parseNftChain(lines: readonly string[], open: number, end: number, family: string, name: string, bad: (n: number, why: string) => never): NftChain {
  let hook: NftHook | null = null;
  const rules: NftRuleText[] = [];
  // The chain may be printed on one line (`chain c { ... }`) in hand-written input; nft prints one statement a line.
  const first = (lines[open] as string).replace(/^\s*chain\s+("[^"]*"|\S+)\s*\{/, '');
  const body: { text: string; line: number }[] = [];
  if (first.trim() !== '') body.push({ text: first, line: open });
  for (let j = open + 1; j < end; j++) body.push({ text: lines[j] as string, line: j });
  // Drop the closing brace of the chain.
  for (let j = body.length - 1; j >= 0; j--) {
    const b = body[j] as { text: string; line: number };
    const k = b.text.lastIndexOf('}');
    if (k >= 0) {
      b.text = b.text.slice(0, k);
      break;
    }
  }
  let acc = '';
  let accLine = 0;
  let depth = 0;
  for (const b of body) {
    const t = b.text.trim();
    if (acc === '' && (t === '' || t.startsWith('#'))) continue;
    if (acc === '') accLine = b.line;
    acc = acc === '' ? t : `${acc} ${t}`;
    depth += braceDelta(t);
    if (depth > 0) continue;
    const stmt = stripHandle(acc);
    acc = '';
    depth = 0;
    const hm = /^type\s+(\S+)\s+hook\s+(\S+)(?:\s+devices?\s*=?\s*(\{[^}]*\}|"[^"]*"|\S+))?\s+priority\s+([^;]+);(?:\s*policy\s+(\w+)\s*;?)?/.exec(stmt);
    if (stmt.startsWith('type ') && !hm) bad(accLine, 'cannot read the base chain hook line');
    if (hm) {
      const devs = hm[3] ? hm[3].replace(/[{}]/g, '').split(',').map((d) => unquote(d.trim())).filter((d) => d !== '') : [];
      const policy = (hm[5] ?? 'accept').toLowerCase();
      if (policy !== 'accept' && policy !== 'drop') bad(accLine, `unknown chain policy ${policy}`);
      const prio = (hm[4] as string).trim();
      hook = { type: hm[1] as string, hook: hm[2] as string, priority: resolvePriority(prio, family), priorityText: prio, policy: policy as 'accept' | 'drop', devices: devs };
    }
    for (const s of splitStatements(hm ? stmt.slice(hm[0].length) : stmt)) {
      if (s === '') continue;
      if (/^policy\s+(accept|drop)\s*;?$/.test(s) && hook) {
        hook = { ...hook, policy: /drop/.test(s) ? 'drop' : 'accept' };
      } else if (/^comment\s+"/.test(s) && /^comment\s+"(?:[^"\\]|\\.)*"\s*;?$/.test(s)) {
        // chain comment
      } else {
        rules.push({ text: s, line: accLine + 1 });
      }
    }
  }
  return { name, hook, rules };
}

function parseNftSet(block: string, kind: 'set' | 'map', name: string): NftSet {
  const inner = block.slice(block.indexOf('{') + 1, block.lastIndexOf('}'));
  const type = /(?:^|[\s;])(?:type|typeof)\s+([^\n;]+)/.exec(inner)?.[1]?.trim() ?? '';
  const flags = (/(?:^|[\s;])flags\s+([^\n;]+)/.exec(inner)?.[1] ?? '').split(',').map((f) => f.trim()).filter((f) => f !== '');
  let elements: string[] = [];
  const e = inner.indexOf('elements');
  if (e >= 0) {
    const open = inner.indexOf('{', e);
    let depth = 0;
    let close = -1;
    for (let i = open; i < inner.length; i++) {
      if (inner[i] === '{') depth++;
      else if (inner[i] === '}' && --depth === 0) {
        close = i;
        break;
      }
    }
    if (open >= 0 && close > open) elements = splitTop(inner.slice(open + 1, close).replace(/\s+/g, ' '));
  }
  return { name, kind, type, flags, elements };
}

// ---------------------------------------------------------------------------------------------
// nft: rule compiler

const VERDICT_WORDS = new Set(['accept', 'drop', 'reject', 'return', 'continue', 'jump', 'goto', 'queue']);
const STATEMENT_WORDS = new Set([
  'counter', 'log', 'limit', 'quota', 'comment', 'notrack', 'dnat', 'snat', 'masquerade', 'redirect', 'tproxy', 'dup', 'fwd',
  'synproxy', 'flow', 'add', 'update', 'delete', 'xt', 'last', 'secmark',
]);
const RESERVED = new Set([...VERDICT_WORDS, ...STATEMENT_WORDS]);
const HEADER_PROTOS = new Set([
  'ip', 'ip6', 'tcp', 'udp', 'udplite', 'sctp', 'dccp', 'th', 'icmp', 'icmpv6', 'igmp', 'esp', 'ah', 'comp', 'ether', 'vlan', 'arp',
  'gre', 'geneve', 'vxlan', 'gretap', 'hbh', 'frag', 'dst', 'mh', 'srh', 'rt0', 'rt2', 'rt4',
]);
/** Header protocols a TCP packet never carries (their implicit dependency fails). */
const OTHER_L4 = new Set(['udp', 'udplite', 'sctp', 'dccp', 'icmp', 'icmpv6', 'igmp', 'esp', 'ah', 'comp', 'gre', 'geneve', 'vxlan', 'gretap', 'arp']);
const META_KEYS = new Set([
  'iifname', 'oifname', 'iif', 'oif', 'iiftype', 'oiftype', 'iifkind', 'oifkind', 'mark', 'skuid', 'skgid', 'pkttype', 'cpu', 'iifgroup', 'oifgroup',
  'cgroup', 'rtclassid', 'nftrace', 'ibrname', 'obrname', 'ibriport', 'obriport', 'sdif', 'sdifname', 'time', 'day', 'hour', 'secmark', 'random', 'ipsec', 'secpath',
]);
const REL_OPS = new Set(['==', '!=', '<', '>', '<=', '>=', 'eq', 'ne', 'lt', 'gt', 'le', 'ge']);
const BIN_OPS = new Set(['.', ',', '/', '&', '|', '^', '<<', '>>']);
/** `... set <value>` statements that cannot change admission (marks are never modelled as known). */
const HARMLESS_SET = new Set([
  'meta mark', 'mark', 'ct mark', 'meta nftrace', 'nftrace', 'ct helper', 'meta priority', 'priority', 'ct label', 'meta secmark', 'ct secmark',
  'ct event', 'ct expectation',
]);
const ELEMENT_ANNOTATIONS = new Set(['timeout', 'expires', 'counter', 'comment']);

type SelKind = 'saddr' | 'daddr' | 'dport' | 'sport' | 'l4proto' | 'nfproto' | 'ethproto' | 'version' | 'ctstate' | 'ctstatus' | 'ctdir' | 'pkttype' | 'iif' | 'tcpflags' | 'other';

interface Sel {
  readonly text: string;
  readonly kind: SelKind;
  /** The protocol dependency nft adds implicitly (`ip saddr` needs IPv4, `udp dport` needs UDP). */
  readonly dep: (p: Pkt) => boolean;
}

interface TableCtx {
  readonly label: string;
  readonly sets: ReadonlyMap<string, NftSet>;
}

class NftRuleCompiler {
  private pos = 0;
  private readonly toks: Tok[];

  constructor(
    private readonly text: string,
    private readonly table: TableCtx,
  ) {
    this.toks = lexNft(text);
  }

  private peek(o = 0): string | undefined {
    return this.toks[this.pos + o]?.t;
  }

  private src(from: number, to = this.pos): string {
    const a = this.toks[from];
    const b = this.toks[to - 1];
    return a && b ? this.text.slice(a.start, b.end) : '';
  }

  private opaque(from: number, why: string): Item {
    const a = this.toks[from];
    return { kind: 'opaque', text: a ? this.text.slice(a.start).trim() : this.text, why };
  }

  compile(): Item[] {
    const items: Item[] = [];
    while (this.pos < this.toks.length) {
      const start = this.pos;
      const t = this.peek() as string;
      if (t.startsWith('#')) {
        items.push(this.opaque(start, 'an expression nft could not print (iptables-nft compat extension)'));
        break;
      }
      const it = this.statement(t, start);
      items.push(it);
      if (it.kind === 'opaque') break;
      if ((it.kind === 'verdict' && it.v !== 'continue') || it.kind === 'jump' || it.kind === 'goto' || it.kind === 'vmap') {
        // Only comments may follow a terminal statement.
        while (this.peek() === 'comment') this.pos += 2;
        if (this.pos < this.toks.length) {
          items.push(this.opaque(this.pos, 'statements after the verdict'));
          break;
        }
      }
    }
    return items;
  }

  private statement(t: string, start: number): Item {
    switch (t) {
      case 'accept':
      case 'drop':
      case 'return':
      case 'continue':
        this.pos++;
        return { kind: 'verdict', v: t };
      case 'reject':
        this.pos++;
        if (this.peek() === 'with') {
          this.pos += 2; // with icmp|icmpv6|icmpx|tcp
          if (this.peek() === 'type') this.pos++;
          const code = this.peek();
          if (code !== undefined && code !== 'comment' && !RESERVED.has(code)) this.pos++;
        }
        return { kind: 'verdict', v: 'reject' };
      case 'jump':
      case 'goto': {
        const target = this.peek(1);
        if (target === undefined) return this.opaque(start, `${t} without a chain`);
        this.pos += 2;
        return { kind: t, target: unquote(target) };
      }
      case 'counter':
        this.pos++;
        if (this.peek() === 'packets') this.pos += 4;
        else if (this.peek() === 'name') {
          this.pos++;
          if (!this.namedRef()) return this.opaque(start, 'counter name expression');
        }
        return { kind: 'noop' };
      case 'comment':
        this.pos += 2;
        return { kind: 'noop' };
      case 'log':
        this.pos++;
        this.logOptions();
        return { kind: 'noop' };
      case 'limit':
        return this.limit(start);
      case 'quota':
        return this.quota(start);
      case 'xt':
        // iptables-nft compat: `xt match "recent"` is a pure match we cannot decide; `xt target` may do anything.
        if (this.peek(1) === 'match' && this.peek(2) !== undefined) {
          this.pos += 3;
          return this.undecided(start, 'xt match');
        }
        return this.opaque(start, `an iptables-nft compat extension (\`${this.src(start, Math.min(this.pos + 3, this.toks.length))}\`)`);
      default:
        if (RESERVED.has(t)) return this.opaque(start, `\`${t}\` statement (its effect is not modelled)`);
        return this.match(start);
    }
  }

  /** `"name"` or `<selector> map @m|{...}` after `counter name` / `quota name`. */
  private namedRef(): { keys: Sel[]; rhs: string[] } | 'plain' | null {
    const t = this.peek();
    if (t === undefined) return null;
    if (t.startsWith('"') || (!HEADER_PROTOS.has(t) && !META_KEYS.has(t) && t !== 'meta' && t !== 'ct')) {
      this.pos++;
      return 'plain';
    }
    const keys: Sel[] = [];
    for (;;) {
      const s = this.selector();
      if (!s) return null;
      keys.push(s);
      if (this.peek() !== '.') break;
      this.pos++;
    }
    if (this.peek() !== 'map') return null;
    this.pos++;
    const rhs = this.primary();
    return rhs ? { keys, rhs } : null;
  }

  private logOptions(): void {
    for (;;) {
      const t = this.peek();
      if (t === 'prefix' || t === 'level' || t === 'group' || t === 'snaplen' || t === 'queue-threshold') this.pos += 2;
      else if (t === 'flags') {
        this.pos++;
        for (;;) {
          const f = this.peek();
          if (f === 'all' || f === 'skuid' || f === 'ether') this.pos++;
          else if ((f === 'tcp' || f === 'ip') && (this.peek(1) === 'sequence' || this.peek(1) === 'options')) {
            this.pos += 2;
            while (this.peek() === ',' && (this.peek(1) === 'sequence' || this.peek(1) === 'options')) this.pos += 2;
          } else if (f === ',') this.pos++;
          else break;
        }
      } else return;
    }
  }

  private limit(start: number): Item {
    this.pos++;
    if (this.peek() !== 'rate') {
      if (this.peek() === 'name') {
        this.pos += 2;
        return this.undecided(start, 'named limit');
      }
      return this.opaque(start, 'limit syntax');
    }
    this.pos++;
    const over = this.peek() === 'over';
    if (over) this.pos++;
    const n = this.peek();
    if (n === undefined || !/^\d/.test(n)) return this.opaque(start, 'limit syntax');
    this.pos++;
    if (!n.includes('/')) {
      const unit = this.peek();
      if (unit === undefined || !unit.includes('/')) return this.opaque(start, 'limit syntax');
      this.pos++;
    }
    if (this.peek() === 'burst') {
      this.pos += 2;
      if (/^(packets|bytes|kbytes|mbytes)$/.test(this.peek() ?? '')) this.pos++;
    }
    const text = this.src(start);
    // One connection attempt stays under any rate limit; `over` would need the host's traffic.
    return over ? this.undecided(start, 'rate above the limit') : { kind: 'match', text, test: () => 'T' };
  }

  private quota(start: number): Item {
    this.pos++;
    if (this.peek() === 'name') {
      this.pos++;
      const ref = this.namedRef();
      if (ref === null) return this.opaque(start, 'quota name expression');
      if (ref === 'plain') return this.undecided(start, 'quota');
      // A key missing from the map means no quota applies: the rule does not match.
      const member = this.buildMatch(this.src(start), ref.keys, [], '==', ref.rhs);
      if (member.kind !== 'match') return member;
      return { kind: 'match', text: member.text, test: (p, f) => (member.test(p, f) === 'F' ? 'F' : 'U') };
    }
    while (this.pos < this.toks.length && !RESERVED.has(this.peek() as string)) this.pos++;
    return this.undecided(start, 'quota');
  }

  private undecided(start: number, _why: string): MatchItem {
    return { kind: 'match', text: this.src(start), test: () => 'U' };
  }

  /** Reads one selector (`ip saddr`, `meta l4proto`, `iifname`, `ct original saddr`, `fib saddr . iif oif`, ...). */
  private selector(): Sel | null {
    const start = this.pos;
    const t = this.peek();
    if (t === undefined) return null;
    const mk = (kind: SelKind, dep: (p: Pkt) => boolean): Sel => ({ text: this.src(start), kind, dep });
    const any = (): boolean => true;
    if (HEADER_PROTOS.has(t)) {
      const f = this.peek(1);
      if (f === undefined || RESERVED.has(f) || f === 'option' || REL_OPS.has(f) || f.startsWith('{') || f.startsWith('@')) return null;
      this.pos += 2;
      if (OTHER_L4.has(t)) return mk('other', () => false);
      if (t === 'ip' || t === 'ip6') {
        const fam = t === 'ip' ? 4 : 6;
        const dep = (p: Pkt): boolean => p.fam === fam;
        const kind: SelKind = f === 'saddr' ? 'saddr' : f === 'daddr' ? 'daddr' : f === 'protocol' || f === 'nexthdr' ? 'l4proto' : f === 'version' ? 'version' : 'other';
        return mk(kind, dep);
      }
      if (t === 'tcp' || t === 'th') return mk(f === 'dport' ? 'dport' : f === 'sport' ? 'sport' : f === 'flags' && t === 'tcp' ? 'tcpflags' : 'other', any);
      if ((t === 'ether' || t === 'vlan') && f === 'type') return mk('ethproto', any);
      return mk('other', any); // other ether/vlan fields, IPv6 extension headers: not modelled
    }
    if (t === 'meta') {
      const k = this.peek(1);
      if (k === undefined || RESERVED.has(k)) return null;
      this.pos += 2;
      return this.metaSel(k, start);
    }
    if (META_KEYS.has(t)) {
      this.pos++;
      return this.metaSel(t, start);
    }
    if (t === 'ct') {
      this.pos++;
      if (this.peek() === 'original' || this.peek() === 'reply') this.pos++;
      if (this.peek() === 'ip' || this.peek() === 'ip6') this.pos++;
      const k = this.peek();
      if (k === undefined || k === 'count' || RESERVED.has(k)) return null;
      this.pos++;
      return mk(k === 'state' ? 'ctstate' : k === 'status' ? 'ctstatus' : k === 'direction' ? 'ctdir' : 'other', any);
    }
    if (t === 'fib') {
      this.pos++;
      for (;;) {
        const w = this.peek();
        if (w === undefined || RESERVED.has(w)) return null;
        this.pos++;
        if (this.peek() !== '.') break;
        this.pos++;
      }
      const r = this.peek();
      if (r !== 'oif' && r !== 'oifname' && r !== 'type') return null;
      this.pos++;
      return mk('other', any);
    }
    if (t === 'osf') {
      this.pos++;
      if (this.peek() === 'ttl') this.pos += 2;
      if (this.peek() !== 'name' && this.peek() !== 'version') return null;
      this.pos++;
      return mk('other', any);
    }
    if (t === 'socket') {
      this.pos++;
      if (this.peek() === 'cgroupv2') this.pos += 3;
      else this.pos++;
      return mk('other', any);
    }
    if (t === 'rt') {
      this.pos++;
      if (this.peek() === 'ip' || this.peek() === 'ip6') this.pos++;
      this.pos++;
      return mk('other', any);
    }
    return null;
  }

  private metaSel(k: string, start: number): Sel {
    const kind: SelKind =
      k === 'l4proto' ? 'l4proto' : k === 'nfproto' ? 'nfproto' : k === 'protocol' ? 'ethproto' : k === 'pkttype' ? 'pkttype' : k === 'iifname' || k === 'iif' ? 'iif' : 'other';
    return { text: this.src(start), kind, dep: () => true };
  }

  /** A value: primary (binop primary)*. Returns its tokens, or null when it runs into a keyword. */
  private value(): string[] | null {
    const out: string[] = [];
    const first = this.primary();
    if (!first) return null;
    out.push(...first);
    while (this.peek() !== undefined && BIN_OPS.has(this.peek() as string)) {
      out.push(this.peek() as string);
      this.pos++;
      const nxt = this.primary();
      if (!nxt) return null;
      out.push(...nxt);
    }
    return out;
  }

  private primary(): string[] | null {
    const t = this.peek();
    if (t === undefined || RESERVED.has(t) || t.startsWith('#')) return null;
    if (t === '{' || t === '(') {
      const close = t === '{' ? '}' : ')';
      const out: string[] = [];
      let depth = 0;
      while (this.pos < this.toks.length) {
        const x = this.peek() as string;
        out.push(x);
        this.pos++;
        if (x === t) depth++;
        else if (x === close && --depth === 0) return out;
      }
      return null;
    }
    if (t === '}' || t === ')' || BIN_OPS.has(t) || REL_OPS.has(t)) return null;
    this.pos++;
    return [t];
  }

  private match(start: number): Item {
    const keys: Sel[] = [];
    const first = this.selector();
    if (!first) return this.opaque(start, `unknown expression \`${this.peek() ?? ''}\``);
    keys.push(first);
    while (this.peek() === '.' && first.text.split(' ')[0] !== 'fib') {
      this.pos++;
      const s = this.selector();
      if (!s) return this.opaque(start, 'concatenation of unknown expressions');
      keys.push(s);
    }
    const lhsOps: string[] = [];
    while (['&', '|', '^', '<<', '>>'].includes(this.peek() ?? '')) {
      lhsOps.push(this.peek() as string);
      this.pos++;
      const v = this.primary();
      if (!v) return this.opaque(start, 'expression syntax');
      lhsOps.push(...v);
    }
    const nxt = this.peek();
    if (nxt === 'set') {
      this.pos++;
      if (!this.value()) return this.opaque(start, 'set statement syntax');
      const key = keys.map((k) => k.text).join(' . ');
      return HARMLESS_SET.has(key) ? { kind: 'noop' } : this.opaque(start, `\`${key} set\` rewrites the packet or its connection`);
    }
    if (nxt === 'vmap') {
      this.pos++;
      const v = this.primary();
      if (!v) return this.opaque(start, 'vmap syntax');
      return this.vmap(start, keys, lhsOps, v);
    }
    if (nxt === 'map') return this.opaque(start, 'map lookup');
    let op = '==';
    if (nxt !== undefined && REL_OPS.has(nxt)) {
      op = ({ eq: '==', ne: '!=', lt: '<', gt: '>', le: '<=', ge: '>=' } as Record<string, string>)[nxt] ?? nxt;
      this.pos++;
    }
    const rhs = this.value();
    if (!rhs) return this.opaque(start, `cannot read the value of \`${this.src(start)}\``);
    const text = this.src(start);
    return this.buildMatch(text, keys, lhsOps, op, rhs);
  }

  private vmap(start: number, keys: Sel[], lhsOps: string[], v: string[]): Item {
    const text = this.src(start);
    let entries: string[];
    if (v.length === 1 && (v[0] as string).startsWith('@')) {
      const m = this.table.sets.get((v[0] as string).slice(1));
      if (!m) return this.opaque(start, `map ${v[0]} is not in the table`);
      entries = [...m.elements];
    } else entries = splitTop(v.slice(1, -1).join(' '));
    const out: { match: MatchItem; to: Terminal }[] = [];
    for (const e of entries) {
      const colon = e.lastIndexOf(' : ');
      if (colon < 0) return this.opaque(start, 'verdict map element');
      const k = e.slice(0, colon).trim();
      const verdict = e.slice(colon + 3).trim().split(/\s+/);
      const w = verdict[0] as string;
      let to: Terminal;
      if (w === 'accept' || w === 'drop' || w === 'return' || w === 'continue') to = { kind: 'verdict', v: w };
      else if ((w === 'jump' || w === 'goto') && verdict[1]) to = { kind: w, target: unquote(verdict[1]) };
      else return this.opaque(start, `verdict map element \`${e}\``);
      const m = this.buildMatch(`${keys.map((s) => s.text).join(' . ')} ${k}`, keys, lhsOps, '==', lexNft(k).map((x) => x.t));
      if (m.kind !== 'match') return m;
      out.push({ match: m, to });
    }
    return { kind: 'vmap', text, entries: out };
  }

  /** Elements of a value: `{ a, b }`, `a,b`, `@set`; each element a list of concatenated parts. */
  private elements(rhs: string[]): string[][][] | null {
    let toks: string[];
    if (rhs.length === 1 && (rhs[0] as string).startsWith('@')) {
      const s = this.table.sets.get((rhs[0] as string).slice(1));
      if (!s) return null;
      return s.elements.map((e) => splitElement(lexNft(e.includes(' : ') ? e.slice(0, e.lastIndexOf(' : ')) : e).map((x) => x.t)));
    }
    if (rhs[0] === '{' && rhs[rhs.length - 1] === '}') toks = rhs.slice(1, -1);
    else toks = rhs;
    const out: string[][][] = [];
    let cur: string[] = [];
    let depth = 0;
    for (const t of toks) {
      if (t === '(' || t === '{') depth++;
      if (t === ')' || t === '}') depth--;
      if (t === ',' && depth === 0) {
        out.push(splitElement(cur));
        cur = [];
      } else cur.push(t);
    }
    if (cur.length) out.push(splitElement(cur));
    return out;
  }

  private buildMatch(text: string, keys: Sel[], lhsOps: string[], op: string, rhs: string[]): Item {
    const deps = (p: Pkt): boolean => keys.every((k) => k.dep(p));
    const neg = op === '!=';
    const k0 = keys[0] as Sel;
    if (keys.length === 1 && k0.kind === 'tcpflags') {
      const t = tcpFlagsTri(lhsOps, op, rhs);
      return { kind: 'match', text, test: () => t };
    }
    if (lhsOps.length > 0) return { kind: 'match', text, test: (p) => (deps(p) ? 'U' : 'F') };
    const elems = this.elements(rhs);
    if (!elems) return { kind: 'match', text, test: (p) => (deps(p) ? 'U' : 'F') };
    if (op !== '==' && op !== '!=') {
      // Ordered comparisons: only on ports and protocol numbers.
      const e = elems[0]?.[0];
      const n = e && e.length === 1 ? Number(e[0]) : NaN;
      if (keys.length !== 1 || elems.length !== 1 || Number.isNaN(n) || !['dport', 'sport', 'l4proto'].includes(k0.kind)) {
        return { kind: 'match', text, test: (p) => (deps(p) ? 'U' : 'F') };
      }
      const cmp = (x: number): boolean => (op === '<' ? x < n : op === '>' ? x > n : op === '<=' ? x <= n : x >= n);
      return {
        kind: 'match',
        text,
        test: (p) => {
          if (!deps(p)) return 'F';
          if (k0.kind === 'dport') return cmp(p.dport) ? 'T' : 'F';
          if (k0.kind === 'l4proto') return cmp(6) ? 'T' : 'F';
          return cmp(EPHEMERAL[0]) && cmp(EPHEMERAL[1]) ? 'T' : !cmp(EPHEMERAL[0]) && !cmp(EPHEMERAL[1]) ? 'F' : 'U';
        },
      };
    }
    const iface = keys.some((k) => k.kind === 'iif');
    const exactNames =
      keys.length === 1 && k0.kind === 'iif' && elems.every((e) => e.length === 1 && e[0]?.length === 1 && !isWildcard(e[0][0] as string))
        ? elems.map((e) => unquote((e[0] as string[])[0] as string))
        : null;
    const m: MatchItem = {
      kind: 'match',
      text,
      iface,
      test: (p, f) => {
        if (!deps(p)) return 'F';
        const hit = anyOf(elems.map((e) => (e.length !== keys.length ? 'U' : allOf(keys.map((k, i) => partTri(k.kind, e[i] as string[], p, f))))));
        return neg ? not(hit) : hit;
      },
    };
    return exactNames ? { ...m, learn: ifaceLearn(exactNames, neg) } : m;
  }
}

function isWildcard(s: string): boolean {
  const u = s.startsWith('"') ? s.slice(1, -1) : s;
  return u.endsWith('*') && !u.endsWith('\\*');
}

/** Element tokens → concatenated parts, annotations (timeout, counter, comment) dropped. */
function splitElement(toks: string[]): string[][] {
  const cut = toks.findIndex((t) => ELEMENT_ANNOTATIONS.has(t));
  const use = cut < 0 ? toks : toks.slice(0, cut);
  const parts: string[][] = [[]];
  for (const t of use) {
    if (t === '.') parts.push([]);
    else (parts[parts.length - 1] as string[]).push(t);
  }
  return parts;
}

/** One selector against one element part (a single token in practice). */
function partTri(kind: SelKind, part: readonly string[], p: Pkt, f: Facts): Tri {
  if (part.length !== 1) {
    // ct state new,established inside a concatenation or flag lists: treat `|`/`,` joined words as alternatives.
    if (kind === 'ctstate' || kind === 'ctstatus') return anyOf(part.filter((w) => w !== '|' && w !== ',').map((w) => partTri(kind, [w], p, f)));
    return 'U';
  }
  const v = part[0] as string;
  switch (kind) {
    case 'saddr':
      return addrTri(p.fam, p.src, v);
    case 'daddr':
      return addrTri(p.fam, p.dst, v, p.remote);
    case 'dport':
    case 'sport':
      return portTri(kind, p, portRange(v, '-'));
    case 'l4proto':
      return l4Tri(v);
    case 'nfproto':
      return v === 'ipv4' ? (p.fam === 4 ? 'T' : 'F') : v === 'ipv6' ? (p.fam === 6 ? 'T' : 'F') : 'U';
    case 'ethproto': {
      const ip = v === 'ip' || v === '0x0800' || v === '0x800';
      const ip6 = v === 'ip6' || v === '0x86dd';
      if (ip) return p.fam === 4 ? 'T' : 'F';
      if (ip6) return p.fam === 6 ? 'T' : 'F';
      return ['arp', 'vlan', '8021q', '8021ad', '0x0806'].includes(v) ? 'F' : 'U';
    }
    case 'version':
      return /^\d+$/.test(v) ? (Number(v) === p.fam ? 'T' : 'F') : 'U';
    case 'ctstate':
      return v === 'new' ? 'T' : ['established', 'related', 'invalid', 'untracked'].includes(v) ? 'F' : 'U';
    case 'ctstatus':
      // A new, not NATed connection before it is confirmed: none of these bits are set.
      return ['expected', 'seen-reply', 'assured', 'confirmed', 'snat', 'dnat', 'dying'].includes(v) ? 'F' : 'U';
    case 'ctdir':
      return v === 'original' ? 'T' : v === 'reply' ? 'F' : 'U';
    case 'pkttype':
      return v === 'host' || v === 'unicast' ? 'T' : ['broadcast', 'multicast', 'other'].includes(v) ? 'F' : 'U';
    case 'iif': {
      const u = unquote(v);
      const wild = isWildcard(v);
      return ifaceTri(wild ? u.slice(0, -1) : u.replace(/\\\*/g, '*'), wild, f);
    }
    default:
      return 'U';
  }
}

/** `tcp flags syn / syn,ack`, `tcp flags & (syn | ack) == syn`, `tcp flags syn`, `tcp flags { syn, syn | ack }`. */
function tcpFlagsTri(lhsOps: readonly string[], op: string, rhs: readonly string[]): Tri {
  const words = (ts: readonly string[]): string[] => ts.filter((t) => !['(', ')', '|', ',', '{', '}'].includes(t));
  const apply = (t: Tri): Tri => (op === '!=' ? not(t) : t);
  if (op !== '==' && op !== '!=') return 'U';
  if (lhsOps.length > 0) {
    if (lhsOps[0] !== '&') return 'U';
    const mask = flagBits(words(lhsOps.slice(1)));
    const want = flagBits(words(rhs));
    if (mask === null || want === null) return 'U';
    return apply(overSyn((f) => (f & mask) === want));
  }
  const slash = rhs.indexOf('/');
  if (slash >= 0) {
    const want = flagBits(words(rhs.slice(0, slash)));
    const mask = flagBits(words(rhs.slice(slash + 1)));
    if (mask === null || want === null) return 'U';
    return apply(overSyn((f) => (f & mask) === want));
  }
  // Without a mask nft versions differ (exact value vs any of the bits): definite only when both agree.
  const inner = rhs[0] === '{' ? rhs.slice(1, -1) : rhs;
  const alts: number[] = [];
  let cur: string[] = [];
  for (const t of [...inner, ',']) {
    if (t === ',') {
      const b = flagBits(words(cur));
      if (b === null) return 'U';
      alts.push(b);
      cur = [];
    } else cur.push(t);
  }
  const all = alts.reduce((a, b) => a | b, 0);
  const exact = overSyn((f) => alts.includes(f));
  const bits = overSyn((f) => (f & all) !== 0);
  return apply(exact === bits ? exact : 'U');
}

// ---------------------------------------------------------------------------------------------
// nft: program

const HOOK_PHASE: Readonly<Record<string, number>> = { ingress: 0, prerouting: 2, input: 3 };

function compileNft(rs: NftRuleset, fam: 4 | 6): Program {
  const bases: (Base & { phase: number; prio: number; order: number })[] = [];
  let order = 0;
  const considered: string[] = [];
  for (const t of rs.tables) {
    const famOk = t.family === 'inet' || t.family === (fam === 4 ? 'ip' : 'ip6') || t.family === 'bridge' || t.family === 'netdev';
    if (!famOk || t.dormant) continue;
    const label = `${t.family} ${t.name}`;
    considered.push(label);
    const ctx: TableCtx = { label, sets: new Map(t.sets.map((s) => [s.name, s])) };
    const compiled = new Map<string, CChain>();
    const get = (name: string): CChain | null => {
      const c = compiled.get(name);
      if (c) return c;
      const def = t.chains.find((x) => x.name === name);
      if (!def) return null;
      const chain: CChain = {
        label: `${label} ${name}`,
        rules: def.rules.map((r) => ({ text: r.text, items: new NftRuleCompiler(r.text, ctx).compile() })),
        resolve: get,
      };
      compiled.set(name, chain);
      return chain;
    };
    for (const c of t.chains) {
      const h = c.hook;
      if (!h) continue;
      let phase = own(HOOK_PHASE, h.hook);
      if (phase === undefined) continue;
      if (t.family === 'netdev' && h.hook !== 'ingress') continue;
      if (t.family === 'bridge') {
        if (h.hook !== 'prerouting' && h.hook !== 'input') continue;
        phase = 1;
      }
      if (t.family !== 'bridge' && t.family !== 'netdev' && h.hook === 'ingress' && t.family !== 'inet') continue;
      // A chain that accepts everything changes nothing: no need to fork on whether it applies.
      if (h.policy === 'accept' && c.rules.length === 0) continue;
      let cond: MatchItem | null = null;
      if (h.hook === 'ingress') {
        const devs = h.devices;
        const exact = devs.every((d) => !d.endsWith('*'));
        cond = {
          kind: 'match',
          text: `${label} ${c.name} ingress device ${devs.map((d) => JSON.stringify(d)).join(', ') || '(none)'}`,
          iface: true,
          test: (_p, f) => anyOf(devs.map((d) => (d.endsWith('*') ? ifaceTri(d.slice(0, -1), true, f) : ifaceTri(d, false, f)))),
          learn: ifaceLearn(exact ? devs : null, false),
        };
      } else if (t.family === 'bridge') {
        cond = { kind: 'match', text: 'the packet arrives through a bridge port', test: () => 'U' };
      }
      bases.push({ chain: get(c.name) as CChain, policy: h.policy, cond, phase, prio: h.priority ?? 0, order: order++ });
    }
  }
  bases.sort((a, b) => a.phase - b.phase || a.prio - b.prio || a.order - b.order);
  const famName = fam === 4 ? 'IPv4' : 'IPv6';
  const why = considered.length ? `tables ${considered.join(', ')} hook elsewhere or accept everything` : `no table of family inet or ${fam === 4 ? 'ip' : 'ip6'}`;
  const emptyReason = rs.tables.length === 0 ? 'the nftables ruleset is empty' : `no base chain at the ingress, prerouting or input hook filters ${famName} (${why})`;
  return { bases, emptyReason };
}

// ---------------------------------------------------------------------------------------------
// iptables: parser

/**
 * Parses `iptables-save` / `ip6tables-save` (legacy and nft backends, with or without `-c`
 * counters). `family` defaults to what the text shows (an `ip6tables-save` header or IPv6
 * addresses mean ipv6). Throws ParseError for text that is not iptables-save output.
 */
export function parseIptablesSave(text: string, family?: 'ipv4' | 'ipv6'): IptablesRuleset {
  const tables: { name: string; chains: { name: string; policy: 'ACCEPT' | 'DROP' | null; rules: IptablesRule[] }[] }[] = [];
  let cur: (typeof tables)[number] | null = null;
  let v6hint = false;
  let header: 'ipv4' | 'ipv6' | null = null;
  const lines = text.split('\n').map((l) => l.replace(/\r$/, ''));
  const bad = (n: number, why: string): never => {
    throw new ParseError('iptables-save', `line ${n + 1}: ${why}: ${JSON.stringify((lines[n] ?? '').trim().slice(0, 100))}`);
  };
  const chainOf = (n: number, name: string) => {
    if (!cur) return bad(n, 'rule outside a table (no `*filter` line before it)');
    let c = cur.chains.find((x) => x.name === name);
    if (!c) {
      c = { name, policy: null, rules: [] };
      cur.chains.push(c);
    }
    return c;
  };
  lines.forEach((raw, n) => {
    const line = raw.trim();
    if (line === '') return;
    if (line.startsWith('#')) {
      if (/ip6tables(-nft|-legacy)?-save/.test(line)) header ??= 'ipv6';
      else if (/iptables(-nft|-legacy)?-save/.test(line)) header ??= 'ipv4';
      return;
    }
    if (line.startsWith('*')) {
      const name = line.slice(1).trim();
      if (!/^[a-z]+$/.test(name)) bad(n, 'bad table name');
      cur = tables.find((t) => t.name === name) ?? null;
      if (!cur) {
        cur = { name, chains: [] };
        tables.push(cur);
      }
      return;
    }
    if (line === 'COMMIT') {
      if (!cur) bad(n, 'COMMIT outside a table');
      cur = null;
      return;
    }
    if (line.startsWith(':')) {
      const m = /^:(\S+)\s+(\S+)(?:\s+\[\d+:\d+\])?$/.exec(line);
      if (!m) return bad(n, 'bad chain line');
      const c = chainOf(n, m[1] as string);
      const pol = m[2] as string;
      if (pol !== '-' && pol !== 'ACCEPT' && pol !== 'DROP') bad(n, `unknown policy ${pol}`);
      c.policy = pol === '-' ? null : (pol as 'ACCEPT' | 'DROP');
      return;
    }
    const body = line.replace(/^\[\d+:\d+\]\s+/, '');
    const args = splitArgs(body);
    const cmd = args[0];
    if (cmd === '-N' && args[1]) {
      chainOf(n, args[1]);
      return;
    }
    if (cmd === '-P' && args[1] && (args[2] === 'ACCEPT' || args[2] === 'DROP')) {
      chainOf(n, args[1]).policy = args[2];
      return;
    }
    if ((cmd === '-A' || cmd === '-I') && args[1]) {
      const c = chainOf(n, args[1]);
      let rest = args.slice(2);
      let at = cmd === '-A' ? c.rules.length : 0;
      if (cmd === '-I' && rest[0] && /^\d+$/.test(rest[0])) {
        at = Math.min(Number(rest[0]) - 1, c.rules.length);
        rest = rest.slice(1);
      }
      for (let i = 0; i < rest.length; i++) {
        const a = rest[i];
        if ((a === '-s' || a === '-d' || a === '--source' || a === '--destination') && rest[i + 1]?.includes(':')) v6hint = true;
        if (a === 'ipv6-icmp' || a === 'icmpv6' || a === 'icmp6' || a?.startsWith('icmp6-')) v6hint = true;
      }
      c.rules.splice(at, 0, { text: body, args: rest, line: n + 1 });
      return;
    }
    bad(n, 'not iptables-save output');
  });
  const fam = family ?? (header ?? (v6hint ? 'ipv6' : 'ipv4'));
  return { kind: 'iptables', family: fam, tables };
}

// ---------------------------------------------------------------------------------------------
// iptables: rule compiler

const IPT_BASES: readonly { table: string; chain: string; phase: number; prio: number }[] = [
  { table: 'raw', chain: 'PREROUTING', phase: 2, prio: -300 },
  { table: 'mangle', chain: 'PREROUTING', phase: 2, prio: -150 },
  { table: 'nat', chain: 'PREROUTING', phase: 2, prio: -100 },
  { table: 'mangle', chain: 'INPUT', phase: 3, prio: -150 },
  { table: 'filter', chain: 'INPUT', phase: 3, prio: 0 },
  { table: 'security', chain: 'INPUT', phase: 3, prio: 50 },
  { table: 'nat', chain: 'INPUT', phase: 3, prio: 100 },
];

/** Targets that neither decide nor change what later rules see. */
const IPT_NOOP_TARGETS = new Set(['LOG', 'NFLOG', 'ULOG', 'TRACE', 'TCPMSS', 'CHECKSUM', 'AUDIT', 'MARK', 'CONNMARK', 'SECMARK', 'CONNSECMARK', 'IDLETIMER', 'LED', 'RATEEST']);
const IPT_KNOWN_MODULES = new Set(['tcp', 'multiport', 'state', 'conntrack', 'comment', 'limit', 'iprange', 'addrtype', 'pkttype']);
const IPT_STANDARD_OPTS = new Set([
  '-p', '--protocol', '-s', '--source', '--src', '-d', '--destination', '--dst', '-i', '--in-interface', '-o', '--out-interface',
  '-f', '--fragment', '-m', '--match', '-j', '--jump', '-g', '--goto',
]);

function compileIptRule(rule: IptablesRule, chainNames: ReadonlySet<string>): Item[] {
  const a = rule.args;
  const items: Item[] = [];
  let i = 0;
  let neg = false;
  let module: string | null = null;
  let proto: string | null = null;
  const opaque = (why: string): Item[] => [...items, { kind: 'opaque', text: rule.text, why }];
  const m = (text: string, test: (p: Pkt, f: Facts) => Tri, extra: Partial<MatchItem> = {}): void => {
    items.push({ kind: 'match', text, test, ...extra });
  };
  /** Values of a module option: tokens up to the next option; an old-style `--opt ! value` negates. */
  const optValues = (): { vals: string[]; neg: boolean } => {
    const vals: string[] = [];
    let n = false;
    while (i < a.length) {
      const x = a[i] as string;
      if (x === '!' && vals.length === 0 && a[i + 1] !== undefined && !(a[i + 1] as string).startsWith('-')) {
        n = true;
        i++;
        continue;
      }
      if (x === '!' || (x.startsWith('-') && !/^-\d/.test(x))) break;
      vals.push(x);
      i++;
    }
    return { vals, neg: n };
  };
  while (i < a.length) {
    const opt = a[i] as string;
    if (opt === '!') {
      neg = true;
      i++;
      continue;
    }
    const startIdx = i;
    i++;
    const { vals, neg: oldNeg } = opt.startsWith('-') && opt !== '-j' && opt !== '--jump' && opt !== '-g' && opt !== '--goto' ? optValues() : { vals: [], neg: false };
    const n = neg || oldNeg;
    neg = false;
    const text = (n ? '! ' : '') + a.slice(startIdx, i).join(' ');
    const v0 = vals[0] ?? '';
    const apply = (t: Tri): Tri => (n ? not(t) : t);
    switch (opt) {
      case '-p':
      case '--protocol':
        proto = v0.toLowerCase();
        m(text, () => apply(l4Tri(v0)));
        break;
      case '-s':
      case '--source':
      case '--src':
        m(text, (p) => apply(anyOf(v0.split(',').map((x) => addrTri(p.fam, p.src, x)))));
        break;
      case '-d':
      case '--destination':
      case '--dst':
        m(text, (p) => apply(anyOf(v0.split(',').map((x) => addrTri(p.fam, p.dst, x, p.remote)))));
        break;
      case '-i':
      case '--in-interface': {
        const wild = v0.endsWith('+');
        const name = wild ? v0.slice(0, -1) : v0;
        m(text, (_p, f) => apply(ifaceTri(name, wild, f)), { iface: true, learn: ifaceLearn(wild ? null : [name], n) });
        break;
      }
      case '-o':
      case '--out-interface':
        m(text, () => 'U');
        break;
      case '-f':
      case '--fragment':
        m(text, () => apply('F'));
        break;
      case '-m':
      case '--match': {
        module = v0;
        if (IPT_KNOWN_MODULES.has(v0)) break;
        // udp, icmp, mac, mark, recent, set, hashlimit, rpfilter, ttl, ...: one pure match we cannot decide.
        let j = i;
        while (j < a.length && !IPT_STANDARD_OPTS.has(a[j] as string) && !(a[j] === '!' && IPT_STANDARD_OPTS.has(a[j + 1] as string))) j++;
        m(`${text}${j > i ? ` ${a.slice(i, j).join(' ')}` : ''}`, () => 'U');
        i = j;
        break;
      }
      case '-j':
      case '--jump':
      case '-g':
      case '--goto': {
        const target = a[i] ?? '';
        const targetArgs = a.slice(i + 1);
        i = a.length;
        const isGoto = opt === '-g' || opt === '--goto';
        if (target === 'ACCEPT' || target === 'DROP' || target === 'REJECT') items.push({ kind: 'verdict', v: target.toLowerCase() as 'accept' | 'drop' | 'reject' });
        else if (target === 'RETURN') items.push({ kind: 'verdict', v: 'return' });
        else if (chainNames.has(target)) items.push({ kind: isGoto ? 'goto' : 'jump', target });
        else if (IPT_NOOP_TARGETS.has(target)) items.push({ kind: 'noop' });
        else if (target === 'CT' && targetArgs.every((x, k) => x === '--helper' || targetArgs[k - 1] === '--helper')) items.push({ kind: 'noop' });
        else return opaque(`target ${target}${targetArgs.length ? ` ${targetArgs.join(' ')}` : ''} (its effect is not modelled)`);
        break;
      }
      default: {
        if (!opt.startsWith('--')) return opaque(`unknown option ${opt}`);
        const mod = module ?? proto;
        const r = iptModuleOption(mod, opt, vals, n, `${mod ? `-m ${mod} ` : ''}${text}`);
        if (r === null) return opaque(`option ${opt} of ${mod ? `-m ${mod}` : 'no match module'}`);
        if (r !== 'noop') items.push(r);
      }
    }
  }
  return items;
}

function iptModuleOption(mod: string | null, opt: string, vals: readonly string[], neg: boolean, text: string): MatchItem | 'noop' | null {
  const apply = (t: Tri): Tri => (neg ? not(t) : t);
  const mk = (test: (p: Pkt, f: Facts) => Tri): MatchItem => ({ kind: 'match', text, test });
  const v0 = vals[0] ?? '';
  const ports = (kind: 'dport' | 'sport', list: string) => (p: Pkt): Tri => apply(anyOf(list.split(',').map((x) => portTri(kind, p, portRange(x, ':')))));
  switch (mod) {
    case 'tcp':
      if (opt === '--dport' || opt === '--destination-port') return mk(ports('dport', v0));
      if (opt === '--sport' || opt === '--source-port') return mk(ports('sport', v0));
      if (opt === '--syn') return mk(() => apply(overSyn((f) => (f & (1 | 2 | 4 | 16)) === 2)));
      if (opt === '--tcp-flags') {
        const mask = flagBits((vals[0] ?? '').split(','));
        const comp = flagBits((vals[1] ?? '').split(','));
        return mk(() => (mask === null || comp === null ? 'U' : apply(overSyn((f) => (f & mask) === comp))));
      }
      return mk(() => 'U');
    case 'multiport':
      if (opt === '--dports' || opt === '--destination-ports') return mk(ports('dport', v0));
      if (opt === '--sports' || opt === '--source-ports') return mk(ports('sport', v0));
      if (opt === '--ports') {
        return mk((p) => {
          const list = v0.split(',');
          return apply(anyOf([...list.map((x) => portTri('dport', p, portRange(x, ':'))), ...list.map((x) => portTri('sport', p, portRange(x, ':')))]));
        });
      }
      return null;
    case 'state':
    case 'conntrack':
      if (opt === '--state' || opt === '--ctstate') {
        const states = v0.toUpperCase().split(',');
        return mk(() => apply(anyOf(states.map((s) => (s === 'NEW' ? 'T' : ['ESTABLISHED', 'RELATED', 'INVALID', 'UNTRACKED', 'SNAT', 'DNAT'].includes(s) ? 'F' : 'U')))));
      }
      if (opt === '--ctdir') return mk(() => apply(v0.toUpperCase() === 'ORIGINAL' ? 'T' : 'F'));
      return mk(() => 'U');
    case 'comment':
      return 'noop';
    case 'limit':
      return opt === '--limit' || opt === '--limit-burst' ? { kind: 'match', text, test: () => 'T' } : null;
    case 'iprange':
      if (opt === '--src-range') return mk((p) => apply(addrTri(p.fam, p.src, v0)));
      if (opt === '--dst-range') return mk((p) => apply(addrTri(p.fam, p.dst, v0, p.remote)));
      return null;
    case 'addrtype':
      // The packet is addressed to this host: its destination type is LOCAL.
      if (opt === '--dst-type') return mk(() => apply(v0.toUpperCase().split(',').includes('LOCAL') ? 'T' : 'F'));
      return mk(() => 'U');
    case 'pkttype':
      if (opt === '--pkt-type') return mk(() => apply(v0 === 'unicast' || v0 === 'host' ? 'T' : 'F'));
      return null;
    default:
      // Options of `-p udp`/`-p icmp` without -m: the protocol match already decides.
      return mk(() => 'U');
  }
}

function compileIptables(rs: IptablesRuleset, fam: 4 | 6): Program {
  const want = fam === 4 ? 'ipv4' : 'ipv6';
  if (rs.family !== want) {
    return {
      bases: [],
      emptyReason: '',
      unusable:
        `the ${rs.family === 'ipv6' ? 'ip6tables' : 'iptables'} ruleset filters ${rs.family === 'ipv6' ? 'IPv6' : 'IPv4'} only; ` +
        `it says nothing about an IPv${fam} source (read ${fam === 4 ? 'iptables-save' : 'ip6tables-save'})`,
    };
  }
  const bases: Base[] = [];
  for (const b of IPT_BASES) {
    const t = rs.tables.find((x) => x.name === b.table);
    const def = t?.chains.find((c) => c.name === b.chain);
    if (!t || !def) continue;
    if (def.rules.length === 0 && def.policy !== 'DROP') continue;
    const names = new Set(t.chains.map((c) => c.name));
    const compiled = new Map<string, CChain>();
    const get = (name: string): CChain | null => {
      const c = compiled.get(name);
      if (c) return c;
      const d = t.chains.find((x) => x.name === name);
      if (!d) return null;
      const chain: CChain = { label: `${t.name} ${name}`, rules: d.rules.map((r) => ({ text: r.text, items: compileIptRule(r, names) })), resolve: get };
      compiled.set(name, chain);
      return chain;
    };
    bases.push({ chain: get(b.chain) as CChain, policy: def.policy === 'DROP' ? 'drop' : 'accept', cond: null });
  }
  const emptyReason =
    rs.tables.length === 0 ? 'the iptables ruleset is empty (no table loaded)' : 'no rule and no DROP policy in the PREROUTING/INPUT chains of the iptables ruleset';
  return { bases, emptyReason };
}
