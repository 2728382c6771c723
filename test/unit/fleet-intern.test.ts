/**
 * What the fleet matrix's shortcuts rest on: an operator's set relation (`members`) gives the
 * relation with no common member whatever else the destination holds; the indexed rows equal the
 * relation pair by pair; interned vectors and values are equal exactly when their contents are.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OPERATOR_DEFS } from '../../src/checks/operators/index.js';
import { Interner, NumberMemo, ValueInterner, VectorInterner } from '../../src/fleet/intern.js';
import { RelationRows } from '../../src/fleet/relations.js';

type Relation = { of(s: unknown, d: unknown, p: object): unknown; members?: (v: unknown) => readonly string[]; fields: readonly string[] };
const withMembers = OPERATOR_DEFS.flatMap((d) => {
  const rel = (d as { relation?: Relation }).relation;
  return rel?.members ? [{ name: d.name, rel, def: d as unknown as { evaluate(s: unknown, d: unknown, p: object, ctx: object): { data?: Record<string, unknown> } } }] : [];
});
const operand = fc.oneof(fc.array(fc.constantFrom('a', 'b', 'c', 'vm-1', '10.0.0.1', '1', 'A')), fc.constantFrom('a', 'b', 1, 'vm-1'));
const params = fc.record({ ignore: fc.option(fc.array(fc.constantFrom('a', 'c', '1')), { nil: undefined }) }, { requiredKeys: [] });

describe('set relations (operators with members)', () => {
  it('are declared by disjoint and subset', () => {
    expect(withMembers.map((x) => x.name).sort()).toEqual(['disjoint', 'subset']);
  });

  for (const { name, rel, def } of withMembers) {
    it(`${name}: the relation is what evaluate reports, and with no common member it is the relation to an empty set`, () => {
      fc.assert(
        fc.property(operand, operand, params, (s, d, p) => {
          const data = def.evaluate(s, d, p, {}).data ?? {};
          for (const f of rel.fields) expect(rel.of(s, d, p)).toEqual(data[f]);
          const members = rel.members as (v: unknown) => readonly string[];
          const shared = members(s).some((x) => members(d).includes(x));
          if (!shared) expect(rel.of(s, d, p)).toEqual(rel.of(s, [], p));
        }),
      );
    });
  }
});

describe('RelationRows', () => {
  const rel = withMembers.find((x) => x.name === 'disjoint')?.rel as Relation;
  it('gives, row by row, the part the relation makes of every pair', () => {
    const host = fc.option(fc.array(fc.constantFrom('web', 'db', 'cache', 'mq', 'x')), { nil: undefined });
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.array(host, { minLength: 1, maxLength: 2 }), host), { minLength: 2, maxLength: 8 }), (hosts) => {
        const ids = new Interner();
        const of = (s: unknown, d: unknown): unknown => rel.of(s, d, {});
        const src = hosts.map((h) => h[0]);
        const dst = hosts.map((h) => h[1]);
        const indexed = new RelationRows({ of, members: rel.members as (v: unknown) => readonly string[], src, dst }, ids);
        const plain = new RelationRows({ of, members: null, src, dst }, ids);
        for (let i = 0; i < hosts.length; i++)
          for (let j = 0; j < hosts.length; j++) {
            const want = dst[j] === undefined ? ids.id('null') : ids.id(JSON.stringify((src[i] as unknown[]).map((v) => (v === undefined ? null : of(v, dst[j])))));
            expect(indexed.at(i, j)).toBe(want);
            expect(plain.at(i, j)).toBe(want);
          }
      }),
    );
  });
});

describe('interning', () => {
  it('VectorInterner: one id per distinct vector, the same id for an equal one', () => {
    fc.assert(
      fc.property(fc.array(fc.array(fc.nat(40), { maxLength: 6 }), { maxLength: 60 }), (vs) => {
        const v = new VectorInterner();
        const byText = new Map<string, number>();
        for (const x of vs) {
          const before = v.size;
          const got = v.id(x, x.length);
          const t = x.join(',');
          if (byText.has(t)) expect([got, v.size]).toEqual([byText.get(t), before]);
          else {
            expect([got, v.size]).toEqual([before, before + 1]);
            byText.set(t, got);
          }
        }
        expect(v.size).toBe(byText.size);
      }),
    );
  });

  it('VectorInterner reads only the first `length` numbers of a reused buffer', () => {
    const v = new VectorInterner();
    const buf = Int32Array.from([1, 2, 3, 9]);
    expect(v.id(buf, 3)).toBe(v.id([1, 2, 3], 3));
    expect(v.id(buf, 4)).not.toBe(v.id(buf, 3));
  });

  it('ValueInterner: equal values (by JSON) one id; lists of one string apart from the string; missing by reason', () => {
    const v = new ValueInterner();
    expect(v.id(['10.0.0.1'])).toBe(v.id(['10.0.0.1']));
    expect(v.id(['10.0.0.1'])).not.toBe(v.id('10.0.0.1'));
    expect(v.id(['a', 'b'])).toBe(v.id(['a', 'b']));
    expect(v.id(true)).not.toBe(v.id('true'));
    expect(v.id(1)).not.toBe(v.id('1'));
    expect(v.id({ a: 1 })).toBe(v.id({ a: 1 }));
    const why = { reason: 'probe x failed', ran: true };
    expect(v.missing(why)).toBe(v.missing(why));
    expect(v.missing({ ...why })).toBe(v.missing(why));
    expect(v.missing(why)).not.toBe(v.id(why));
  });

  it('NumberMemo keeps values as an array or a map alike', () => {
    for (const size of [16, (1 << 22) + 1]) {
      const m = new NumberMemo(size);
      expect(m.get(3)).toBe(-1);
      m.set(3, 7);
      m.set(size - 1, 0);
      expect([m.get(3), m.get(size - 1), m.get(4)]).toEqual([7, 0, -1]);
    }
  });
});
