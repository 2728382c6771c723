import type { Base, CChain, Item, MatchItem, Pkt, Program, Terminal } from '../eval.js';
import { lexNft, own, unquote } from '../lex.js';
import type { NftRuleset } from '../types.js';
import { allOf, anyOf, EPHEMERAL, ifaceLearn, ifaceTri, not } from '../values.js';
import { splitTop } from './parse.js';
import { NftExprReader, type TableCtx } from './reader.js';
import { HARMLESS_SET, HEADER_PROTOS, isWildcard, META_KEYS, partTri, REL_OPS, RESERVED, tcpFlagsTri, type Sel } from './selectors.js';

// ---------------------------------------------------------------------------------------------
// nft: rule compiler

class NftRuleCompiler extends NftExprReader {
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

// ---------------------------------------------------------------------------------------------
// nft: program

const HOOK_PHASE: Readonly<Record<string, number>> = { ingress: 0, prerouting: 2, input: 3 };

export function compileNft(rs: NftRuleset, fam: 4 | 6): Program {
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
