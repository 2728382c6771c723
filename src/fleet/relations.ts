/**
 * Relations per pair without a pass over every pair: an identity check (a guest name or UUID on
 * both hosts, a shared host key) finds what the two operands have in common, and in a region
 * almost every pair has nothing. With an operator's `members` (checks/operators/define.ts) the
 * destinations' members are indexed once; a source's row is then the relation with no common
 * member for every destination, except those that share one: only those are evaluated.
 */
import { Interner } from './intern.js';

export interface RelationOperands {
  readonly of: (src: unknown, dst: unknown) => unknown;
  readonly members: ((v: unknown) => readonly string[]) | null;
  /** Per host: the source operand (per moving domain for a domain rule), and the destination operand. */
  readonly src: readonly (readonly unknown[])[];
  readonly dst: readonly unknown[];
}

/** A relation's part of each pair's key, as an interned id: one source row at a time. */
export class RelationRows {
  private readonly index: Map<string, number[]> | null;
  private row = -1;
  private fallback = 0;
  private readonly met_ = new Map<number, number>();

  constructor(
    private readonly r: RelationOperands,
    private readonly ids: Interner,
  ) {
    if (!r.members) {
      this.index = null;
      return;
    }
    this.index = new Map();
    r.dst.forEach((d, j) => {
      if (d === undefined) return;
      for (const m of new Set((r.members as (v: unknown) => readonly string[])(d))) {
        const at = this.index?.get(m);
        if (at) at.push(j);
        else this.index?.set(m, [j]);
      }
    });
  }

  /** What the relation makes of the pair i -> j (null: the destination lacks the operand). */
  private part(i: number, d: unknown): number {
    if (d === undefined) return this.ids.id('null');
    return this.ids.id(JSON.stringify((this.r.src[i] as readonly unknown[]).map((v) => (v === undefined ? null : this.r.of(v, d)))));
  }

  /** Whether rows are indexed (the operator has members): then only `met` destinations differ from the fallback. */
  get indexed(): boolean {
    return this.index !== null;
  }

  /** What the relation makes of source i and a destination that shares no member with it. */
  fallbackOf(i: number): number {
    return this.part(i, []);
  }

  /** The destinations that share a member with source i, and the relation's part for each. */
  met(i: number): ReadonlyMap<number, number> {
    if (i !== this.row) this.prepare(i);
    return this.met_;
  }

  at(i: number, j: number): number {
    const d = this.r.dst[j];
    if (!this.index) return this.part(i, d);
    if (i !== this.row) this.prepare(i);
    return d === undefined ? this.ids.id('null') : (this.met_.get(j) ?? this.fallback);
  }

  /** Source i's row: the destinations that share a member with it, and the part of all the others. */
  private prepare(i: number): void {
    this.row = i;
    this.met_.clear();
    this.fallback = this.part(i, []);
    const members = this.r.members as (v: unknown) => readonly string[];
    for (const v of this.r.src[i] as readonly unknown[]) {
      if (v === undefined) continue;
      for (const m of members(v)) for (const j of this.index?.get(m) ?? []) if (!this.met_.has(j)) this.met_.set(j, this.part(i, this.r.dst[j]));
    }
  }
}
