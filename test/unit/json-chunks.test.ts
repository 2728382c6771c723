/** jsonChunks: the pieces join to exactly what JSON.stringify(value, null, 2) writes. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonChunks } from '../../src/report/json-chunks.js';

const joined = (v: unknown): string => [...jsonChunks(v)].join('');

describe('jsonChunks', () => {
  it('joins to JSON.stringify(v, null, 2) for any JSON value', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), (v) => {
        expect(joined(v)).toBe(JSON.stringify(v, null, 2));
      }),
    );
  });

  it('leaves out what JSON leaves out: undefined members, functions; undefined in a list is null', () => {
    const v = { a: undefined, b: [undefined, 1, () => 2], c: { d: undefined }, e: { f: [{ g: undefined, h: 'x\ny' }] }, when: new Date(0) };
    expect(joined(v)).toBe(JSON.stringify(v, null, 2));
  });

  it('yields the first levels member by member (a report too long for one string is never one)', () => {
    const hosts = Array.from({ length: 3 }, (_, i) => ({ target: `hv${i}`, probes: { x: { stdout: 'y'.repeat(10) } } }));
    const pieces = [...jsonChunks({ hosts, matrix: { rows: [[0, 2]] } })];
    expect(pieces.length).toBeGreaterThan(10);
    expect(Math.max(...pieces.map((p) => p.length))).toBeLessThan(JSON.stringify(hosts[0], null, 2).length * 2);
  });
});
