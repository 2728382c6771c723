/**
 * The fleet report's forms that scale (cells.ts, groups.ts, causes.ts), on a synthetic region of
 * 100 hosts (bench/fleet-hosts.ts: the lab's real reports varied, CPUs from the fixtures' real
 * cpuinfo dumps): the encoded matrix decodes to every pair's outcome; the groups are cliques of
 * GO pairs covering every host once; the causes and the gate equal a count over the pairs.
 */
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { syntheticFleet } from '../../bench/fleet-hosts.js';
import { rulesFor } from '../../src/check.js';
import { reportOptions } from '../../src/pair/evaluate.js';
import { fleetReport } from '../../src/fleet/assemble.js';
import { decodeMatrix, encodeMatrix, expandPairs, newHostGate, type Cells } from '../../src/fleet/cells.js';
import { evaluateByClasses } from '../../src/fleet/classes.js';
import { failingCauses } from '../../src/fleet/causes.js';
import { compatibilityGroups } from '../../src/fleet/groups.js';
import type { Probed } from '../../src/fleet/matrix.js';
import { renderFleetConsole, renderFleetHtml, renderFleetJson } from '../../src/fleet/render.js';
import type { FleetPair, FleetReport, MatrixOutcome } from '../../src/fleet/types.js';

const CPUINFO = fileURLToPath(new URL('../fixtures/cpuinfo/', import.meta.url));
const N = 100;
let probed: Probed[];
let m: Cells;
let targets: string[];
let pairs: FleetPair[];
const options = reportOptions({ dirtyRateMiBs: 2, bandwidthMiBs: 1000, domains: [] });

beforeAll(() => {
  probed = syntheticFleet(N, { cpuinfo: CPUINFO });
  m = evaluateByClasses(probed, { ruleSet: rulesFor({}), options, waivers: [], now: new Date('2026-12-03T12:00:00Z') });
  targets = probed.map((p) => p.report.target);
  pairs = expandPairs(m, targets);
});

const at = (i: number, j: number): FleetPair => pairs[i * (N - 1) + (j < i ? j : j - 1)] as FleetPair;

describe('a region of 100 hosts: the forms that scale', () => {
  it('the region is not all alike: go, no-go and incomplete pairs', () => {
    const verdicts = new Set(pairs.map((p) => p.verdict));
    expect([...verdicts].sort()).toEqual(['go', 'incomplete', 'no-go']);
  });

  it('the encoded matrix decodes to every pair\'s outcome, runs merged, outcomes and problems listed once', () => {
    const enc = encodeMatrix(m);
    expect(enc.rows).toHaveLength(N);
    for (const row of enc.rows) {
      expect(row.filter((_, k) => k % 2 === 1).reduce((a, b) => a + b, 0)).toBe(N - 1);
      for (let k = 2; k < row.length; k += 2) expect(row[k]).not.toBe(row[k - 2]);
    }
    expect(new Set(enc.outcomes.map((o) => JSON.stringify(o))).size).toBe(enc.outcomes.length);
    expect(new Set(enc.problems.map((p) => JSON.stringify(p))).size).toBe(enc.problems.length);
    // Outcomes share problems: the table is shorter than the problems the outcomes list.
    expect(enc.problems.length).toBeLessThan(enc.outcomes.reduce((a, o) => a + o.problems.length, 0));
    expect(expandPairs(decodeMatrix(JSON.parse(JSON.stringify(enc))), targets)).toEqual(pairs);
    expect(() => decodeMatrix({ ...enc, rows: [[0, N], ...enc.rows.slice(1)] })).toThrow(/row 0/);
    expect(() => decodeMatrix({ ...enc, outcomes: [{ ...(enc.outcomes[0] as MatrixOutcome), problems: [enc.problems.length] }, ...enc.outcomes.slice(1)] })).toThrow(/outcome 0: no problem/);
  });

  it('groups: every host in exactly one, every ordered pair inside a group GO, largest first', () => {
    const groups = compatibilityGroups(m);
    expect(groups.flat().sort((a, b) => a - b)).toEqual(Array.from({ length: N }, (_, i) => i));
    for (const g of groups) for (const i of g) for (const j of g) if (i !== j) expect(at(i, j).verdict).toBe('go');
    expect(groups.map((g) => g.length)).toEqual(groups.map((g) => g.length).sort((a, b) => b - a));
    // Hosts that exchange guests with some host are grouped with one: the cover is not all singletons.
    expect(groups[0]?.length ?? 0).toBeGreaterThan(1);
    // No host alone could join a group: a greedy cover leaves no singleton that is GO both ways with all of some group.
    for (const [s] of groups.filter((g) => g.length === 1)) {
      for (const g of groups.filter((x) => x.length > 1)) expect(g.every((j) => at(s as number, j).verdict === 'go' && at(j, s as number).verdict === 'go')).toBe(false);
    }
  });

  it('causes: per rule and message, the pairs, sources and destinations a count over every pair gives', () => {
    const want = new Map<string, { pairs: number; src: Set<string>; dst: Set<string> }>();
    for (const p of pairs) {
      if (p.verdict === 'go') continue;
      for (const k of new Set(p.problems.filter((x) => x.status === 'fail' || x.status === 'error').map((x) => `${x.id} ${x.messageId} ${x.status}`))) {
        const w = want.get(k) ?? { pairs: 0, src: new Set(), dst: new Set() };
        w.pairs++;
        w.src.add(p.src);
        w.dst.add(p.dst);
        want.set(k, w);
      }
    }
    const got = failingCauses(m, targets);
    expect(got.length).toBeGreaterThan(3);
    expect(Object.fromEntries(got.map((c) => [`${c.id} ${c.messageId} ${c.status}`, [c.pairs, c.sources, c.destinations]]))).toEqual(
      Object.fromEntries([...want].map(([k, w]) => [k, [w.pairs, w.src.size, w.dst.size]])),
    );
    for (const c of got) for (const x of c.examples) expect(at(targets.indexOf(x.src), targets.indexOf(x.dst)).problems.some((p) => p.id === c.id && p.messageId === c.messageId && p.message === x.message)).toBe(true);
    expect(got.map((c) => c.pairs)).toEqual(got.map((c) => c.pairs).sort((a, b) => b - a));
  });

  it('--new-host from the cells equals the pair-by-pair rule (X can evacuate elsewhere but not to H)', () => {
    // The gate as it was written over the list of pairs (before the cells), kept here as the reference.
    const reference = (host: string): ReturnType<typeof newHostGate> => {
      const get = (s: string, d: string): FleetPair | undefined => pairs.find((p) => p.src === s && p.dst === d);
      const broken: ReturnType<typeof newHostGate>['broken'][number][] = [];
      const preExisting: { src: string; dst: string }[] = [];
      for (const x of targets.filter((t) => t !== host)) {
        const alternatives = targets.filter((t) => t !== host && t !== x);
        for (const [src, dst, elsewhere] of [
          [x, host, alternatives.some((y) => get(x, y)?.verdict === 'go')],
          [host, x, alternatives.some((y) => get(y, x)?.verdict === 'go')],
        ] as const) {
          const p = get(src, dst);
          if (!p || p.verdict === 'go') continue;
          if (elsewhere || alternatives.length === 0) broken.push({ src, dst, problems: p.problems.map((r) => `${r.id}${r.domain ? ` [${r.domain}]` : ''}`) });
          else preExisting.push({ src, dst });
        }
      }
      return { host, broken, preExisting, ok: broken.length === 0 };
    };
    // A typical host, the one that lacks memory, one in the rack without the bridge, the unreachable one.
    for (const h of ['hv1', 'hv6', 'hv125', 'hv8', 'hv40'].filter((t) => targets.includes(t))) {
      const got = newHostGate(h, targets, m);
      const want = reference(h);
      const key = (x: { src: string; dst: string }): string => `${x.src}>${x.dst}`;
      expect(got.ok).toBe(want.ok);
      expect(got.broken.map(key).sort()).toEqual(want.broken.map(key).sort());
      expect(got.preExisting.map(key).sort()).toEqual(want.preExisting.map(key).sort());
    }
  });
});

describe('the report of a large fleet', () => {
  let report: FleetReport;
  beforeAll(() => {
    const t = new Date('2026-12-03T12:00:00Z');
    report = fleetReport(probed, { ruleSet: rulesFor({}), options, fleet: { inventory: null, concurrency: 32, newHost: null }, newHostTarget: null, waivers: [], started: t, t0: performance.now(), probingMs: 0, interrupt: null });
  });

  it('leaves out the pair list above 64 hosts; the matrix, groups and causes hold it; the counts are the pairs\'', () => {
    expect(report.pairs).toBeUndefined();
    expect(expandPairs(decodeMatrix(report.matrix), targets)).toEqual(pairs);
    const count = (v: FleetPair['verdict']): number => pairs.filter((p) => p.verdict === v).length;
    expect(report.summary).toMatchObject({ pairs: N * (N - 1), go: count('go'), noGo: count('no-go'), incomplete: count('incomplete') });
    expect(report.groups.flatMap((g) => g.hosts).sort()).toEqual([...targets].sort());
    // The matrix in JSON: far smaller than the pairs it stands for, and the report still parses.
    expect(JSON.stringify(report.matrix).length).toBeLessThan(JSON.stringify(pairs).length / 4);
    expect((JSON.parse(renderFleetJson(report)) as FleetReport).matrix.rows).toHaveLength(N);
  });

  it('console and HTML show the groups and the causes, not a 100 x 100 matrix', () => {
    const out = renderFleetConsole(report, { color: false, quiet: false });
    expect(out).toMatch(/^Compatibility groups \(\d+\)/m);
    expect(out).toMatch(/^Pairs that are not GO by cause/m);
    expect(out).toMatch(/^ {2}✗ cpu\.model: equal\.differs \(major\): \d+ pairs, \d+ sources, \d+ destinations$/m);
    expect(out.split('\n').length).toBeLessThan(150);
    const html = renderFleetHtml(report);
    expect(html).toContain('<section id="groups">');
    expect(html).toContain('<section id="causes">');
    expect(html).not.toContain('id="matrix"');
    expect(html).not.toContain('href="#pair-');
  });
});
