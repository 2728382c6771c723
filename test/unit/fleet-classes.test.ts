import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { rulesFor } from '../../src/check.js';
import { evaluateByClasses } from '../../src/fleet/classes.js';
import { evaluateMatrix, type MatrixInput, type Probed } from '../../src/fleet/matrix.js';
import type { PeerFacts } from '../../src/fleet/peers.js';
import { reportOptions } from '../../src/pair/evaluate.js';
import type { HostReport, Waiver } from '../../src/types.js';

const fixture = (name: string): { src: HostReport; dst: HostReport } => JSON.parse(readFileSync(new URL(`../fixtures/reports/${name}.json`, import.meta.url), 'utf8')).hosts;
const strip = (h: HostReport): HostReport => {
  const { migration: _m, xenMove: _x, peer: _p, ...facts } = h.facts as HostReport['facts'] & Record<string, unknown>;
  return { ...h, facts } as HostReport;
};
const clean = fixture('clean');
const problems = fixture('problems');
const unreachable = fixture('unreachable');

const addr = (h: HostReport): string => h.connection?.host ?? h.target;

/** A host of the lab's reports under another name, address, UUID and host key, with its guests renamed (or not). */
function variant(h: HostReport, k: number, o: { renameGuests?: boolean; hostKey?: string; uuid?: string; memAvailableKiB?: number } = {}): HostReport {
  const c = structuredClone(strip(h));
  if (!c.reachable) return { ...c, target: `${c.target}-${k}` };
  const a = `10.203.40.${100 + k}`;
  const f = c.facts as Record<string, any>;
  f.host.hostname = `hv-${k}`;
  f.host.uuid = o.uuid ?? `00000000-0000-4000-8000-${String(k).padStart(12, '0')}`;
  if (o.memAvailableKiB !== undefined) f.host.memory.memAvailableKiB = o.memAvailableKiB;
  f.ssh.hostKey = o.hostKey ?? `SHA256:key${k}`;
  f.network.addresses = ['127.0.0.1', a];
  f.network.ifaddrs = f.network.ifaddrs.map((x: Record<string, unknown>) => (x.family === 'inet' && x.scope === 'global' ? { ...x, address: a } : x));
  if (o.renameGuests !== false)
    for (const [n, d] of (f.libvirt?.domains ?? []).entries()) {
      d.name = `${d.name}-${k}`;
      d.uuid = `${String(k).padStart(8, '0')}-0000-4000-8000-${String(n).padStart(12, '0')}`;
      if (d.xml) d.xml.uuid = d.uuid;
    }
  return { ...c, target: `hv-${k}`, hostname: `hv-${k}`, connection: c.connection ? { ...c.connection, host: a } : null };
}

/** Peer facts as the fleet probe finds them: a route, the two ports, the destination's hostname resolved. */
function peersOf(hosts: readonly HostReport[], faults: (i: number, j: number) => Partial<PeerFacts> = () => ({})): Probed[] {
  return hosts.map((h, i) => {
    const own = addr(h);
    const peers = hosts.map((d, j): PeerFacts | null =>
      i === j || !d.reachable
        ? i === j
          ? null
          : { route: null, routeError: `cannot resolve ${addr(d)} on this host`, tcp: [], xendTcp: [], resolution: null }
        : {
            route: { type: 'unicast', dst: addr(d), dev: 'eth0', src: own, via: null },
            routeError: null,
            tcp: [
              { port: 22, state: 'open' },
              { port: 49152, state: 'open' },
            ],
            xendTcp: [],
            resolution: [addr(d)],
            ...faults(i, j),
          },
    );
    return h.reachable ? { report: h, peerOf: (j) => peers[j] ?? null, peersError: null } : { report: h, peerOf: () => null, peersError: h.error?.message ?? 'not probed' };
  });
}

const input = (waivers: Waiver[] = [], o: Parameters<typeof reportOptions>[0] = {}): MatrixInput => ({ ruleSet: rulesFor({}), options: reportOptions({ dirtyRateMiBs: 2, bandwidthMiBs: 1000, ...o, domains: [] }), waivers, now: new Date('2026-12-01T00:00:00Z') });

/** The classes' matrix, pair by pair, against the plain evaluation of every pair. */
function expectSame(probed: readonly Probed[], m: MatrixInput): ReturnType<typeof evaluateByClasses> {
  const plain = evaluateMatrix(probed, m);
  const byClass = evaluateByClasses(probed, m);
  let k = 0;
  for (let i = 0; i < probed.length; i++) {
    for (let j = 0; j < probed.length; j++) {
      if (i === j) continue;
      const { src, dst, ...want } = plain[k++] as (typeof plain)[number];
      expect({ src, dst, ...byClass.outcomes[byClass.cells[i * probed.length + j] as number] }).toEqual({ src, dst, ...want });
    }
  }
  return byClass;
}

describe('fleet matrix by classes', () => {
  const hosts = [
    variant(clean.src, 1),
    variant(clean.src, 2),
    variant(clean.dst, 3),
    variant(clean.dst, 4, { memAvailableKiB: 1024 }),
    variant(problems.dst, 5),
    variant(problems.dst, 6, { hostKey: 'SHA256:key5' }), // a clone of 5 that kept its host keys
    variant(clean.src, 7, { renameGuests: false, uuid: '00000000-0000-4000-8000-000000000003' }), // guests named as on 1's template; 3's host UUID
    variant(clean.src, 8, { renameGuests: false }),
    variant(unreachable.dst, 9),
  ];

  it('gives every pair the outcome the pair-by-pair evaluation gives, with fewer rule evaluations', () => {
    const r = expectSame(peersOf(hosts), input());
    expect(r.stats.ruleEvaluations).toBeLessThan(r.stats.ruleCells / 2);
    // The fleet is not all GO: clashes, the clone, the host out of memory and the unreachable host show.
    expect(new Set(r.outcomes.map((o) => o.verdict))).toEqual(new Set(['go', 'no-go', 'incomplete']));
  });

  it('keys peer facts per pair: a dropped port, a wrong resolution, a missing route', () => {
    const faults = (i: number, j: number): Partial<PeerFacts> =>
      j === 2 ? { tcp: [{ port: 22, state: 'open' }, { port: 49152, state: 'timeout' }] } : j === 3 && i < 3 ? { resolution: ['10.9.9.9'] } : i === 4 && j === 0 ? { route: null, routeError: 'no route' } : {};
    const r = expectSame(peersOf(hosts, faults), input());
    const problem = (i: number, j: number): string[] => (r.outcomes[r.cells[i * hosts.length + j] as number]?.problems ?? []).map((p) => p.id);
    expect(problem(0, 3)).toContain('network.hostname-resolution');
    expect(problem(4, 3)).not.toContain('network.hostname-resolution');
  });

  it('keys a host assertion that names its value on the value where it refuses: two localhost names, two messages', () => {
    const named = (h: HostReport, name: string): HostReport => {
      (h.facts as Record<string, any>).host.hostname = name;
      return h;
    };
    const fleet = [variant(clean.src, 1), variant(clean.dst, 2), named(variant(clean.dst, 3), 'localhost'), named(variant(clean.dst, 4), 'localhost.localdomain')];
    const r = expectSame(peersOf(fleet), input());
    const message = (j: number): string | undefined => r.outcomes[r.cells[j] as number]?.problems.find((p) => p.id === 'network.hostname-resolution')?.message;
    expect(message(1)).toBeUndefined();
    expect(message(2)).toContain('hostname is localhost:');
    expect(message(3)).toContain('hostname is localhost.localdomain:');
  });

  it('keys operands with members that were not collected apart: unknown guest UUIDs (virsh list --uuid failed) on one, two and no guests', () => {
    const unknownUuids = (h: HostReport, n: number): HostReport => {
      for (const d of ((h.facts as Record<string, any>).libvirt?.domains ?? []).slice(0, n)) d.uuid = null;
      return h;
    };
    const fleet = [variant(clean.src, 1), unknownUuids(variant(clean.src, 2), 1), unknownUuids(variant(clean.src, 3), 2), variant(clean.dst, 4), unknownUuids(variant(clean.dst, 5), 1)];
    const r = expectSame(peersOf(fleet), input());
    const uuids = (i: number, j: number) => r.outcomes[r.cells[i * fleet.length + j] as number]?.problems.filter((p) => p.id === 'domain.uuids-unique').map((p) => `${p.status}: ${p.message}`);
    // The rule runs per moving guest (web01, db01): the first one's UUID unknown on 2, both on 3; 5's one guest's UUID unknown.
    const unknownHere = 'error: cannot tell whether any value is on both hosts: source migration.domains.uuid: 1 of 1 not collected';
    expect(uuids(0, 3)).toEqual([]);
    expect(uuids(1, 3)).toEqual([unknownHere]);
    expect(uuids(2, 3)).toEqual([unknownHere, unknownHere]);
    expect(uuids(0, 4)).toEqual(Array(2).fill('error: cannot tell whether any value is on both hosts: destination libvirt.domains.uuid: 1 of 1 not collected'));
  });

  it('applies waivers per pair (they name hosts)', () => {
    const waivers: Waiver[] = [{ rule: 'domain.names-unique', hosts: 'hv-8', domain: null, reason: 'renamed at the move', expires: '2027-01-01', approvedBy: 'cab' } as unknown as Waiver];
    const r = expectSame(peersOf(hosts), input(waivers));
    expect(r.outcomes.some((o) => o.problems.some((p) => p.status === 'waived'))).toBe(true);
  });

  it('holds with other options: no domains of the sources known to libvirt, another transport', () => {
    expectSame(peersOf(hosts), input([], { transport: 'tcp', failOn: 'minor' }));
  });
});
