import type { Item, Pkt } from '../eval.js';
import { lexNft, type Tok } from '../lex.js';
import type { NftSet } from '../types.js';
import { BIN_OPS, HEADER_PROTOS, META_KEYS, OTHER_L4, REL_OPS, RESERVED, splitElement, type Sel, type SelKind } from './selectors.js';

export interface TableCtx {
  readonly label: string;
  readonly sets: ReadonlyMap<string, NftSet>;
}

/** A cursor over one nft rule's tokens that reads its expressions (selectors, values, set elements); NftRuleCompiler builds the rule on it. */
export class NftExprReader {
  protected pos = 0;
  protected readonly toks: Tok[];

  constructor(
    private readonly text: string,
    protected readonly table: TableCtx,
  ) {
    this.toks = lexNft(text);
  }

  protected peek(o = 0): string | undefined {
    return this.toks[this.pos + o]?.t;
  }

  protected src(from: number, to = this.pos): string {
    const a = this.toks[from];
    const b = this.toks[to - 1];
    return a && b ? this.text.slice(a.start, b.end) : '';
  }

  protected opaque(from: number, why: string): Item {
    const a = this.toks[from];
    return { kind: 'opaque', text: a ? this.text.slice(a.start).trim() : this.text, why };
  }

  /** Reads one selector (`ip saddr`, `meta l4proto`, `iifname`, `ct original saddr`, `fib saddr . iif oif`, ...). */
  protected selector(): Sel | null {
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
  protected value(): string[] | null {
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

  protected primary(): string[] | null {
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

  /** Elements of a value: `{ a, b }`, `a,b`, `@set`; each element a list of concatenated parts. */
  protected elements(rhs: string[]): string[][][] | null {
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
}
