import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { migrationFacts } from '../../src/checks/migration.js';
import { peerInputsOf } from '../../src/checks/move-peer.js';
import { planOf, reportOptions } from '../../src/pair/evaluate.js';
import type { HostFacts } from '../../src/types.js';

/** The leaf paths where two values differ. */
function diff(a: unknown, b: unknown, at = ''): string[] {
  if (JSON.stringify(a) === JSON.stringify(b)) return [];
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object' || Array.isArray(a) !== Array.isArray(b)) return [at];
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].flatMap((k) => diff((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], Array.isArray(a) ? at : at ? `${at}.${k}` : k));
}

const facts = (JSON.parse(readFileSync(new URL('../fixtures/reports/clean.json', import.meta.url), 'utf8')).hosts.src.facts) as HostFacts;
const peer = facts.peer as NonNullable<HostFacts['peer']>;
const variants: Record<string, Partial<NonNullable<HostFacts['peer']>>> = {
  'peer.route': { route: { ...(peer.route as object), dst: '10.9.9.9', dev: 'eth1', via: '10.9.9.1' } as never },
  'peer.dstHostnameResolution': { dstHostnameResolution: ['10.9.9.8'] },
  'peer.link': { link: { dev: 'eth0', mbps: 100 } },
  'peer.srcAddr': { srcAddr: '10.9.9.7' },
  'peer.tcp': { tcp: [{ port: 22, state: 'closed' }], controlReachable: false },
};

describe('the move facts derived from peer facts (move-peer.ts)', () => {
  for (const bandwidthMiBs of [null, 100]) {
    it(`are the only ones a change of peer facts changes (bandwidth ${bandwidthMiBs ?? 'not given'})`, () => {
      const plan = planOf(reportOptions({ bandwidthMiBs: bandwidthMiBs ?? undefined, domains: [] }), null);
      const base = migrationFacts({ ...facts, peer }, plan);
      let changed = 0;
      for (const [input, v] of Object.entries(variants)) {
        const paths = diff(base, migrationFacts({ ...facts, peer: { ...peer, ...v } }, plan)).map((p) => `migration.${p}`);
        changed += paths.length;
        for (const p of paths) expect(peerInputsOf(p), `${p} changed with ${input}`).toContain(input);
      }
      // The check can fail: the route, the resolution (and the link without a bandwidth) do change the move.
      expect(changed).toBeGreaterThan(bandwidthMiBs === null ? 2 : 1);
    });
  }
  it('names a peer path itself and nothing for a fact of the source alone', () => {
    expect(peerInputsOf('peer.controlReachable')).toEqual(['peer.controlReachable']);
    expect(peerInputsOf('migration.bridges')).toEqual([]);
    expect(peerInputsOf('migration')).toEqual(expect.arrayContaining(['peer.route', 'peer.link']));
  });
});
