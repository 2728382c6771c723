import type { Base, CChain, Facts, Item, MatchItem, Pkt, Program, Tri } from '../eval.js';
import type { IptablesRule, IptablesRuleset } from '../types.js';
import { addrTri, anyOf, flagBits, ifaceLearn, ifaceTri, l4Tri, not, overSyn, portRange, portTri } from '../values.js';

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

export function compileIptables(rs: IptablesRuleset, fam: 4 | 6): Program {
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
