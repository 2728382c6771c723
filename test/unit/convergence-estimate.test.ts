/**
 * convergenceOf on the dirty-rate probe's real output (test/fixtures/libvirt-qemu): the ranges
 * taken from QEMU's page sampling, the working set a long sample shows, round 0 from the QEMU
 * process's resident memory, and the verdict from the ends of the ranges.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { convergenceOf } from '../../src/checks/convergence-estimate.js';
import type { MigrationPlan } from '../../src/checks/migration.js';
import type { DomainXmlFacts } from '../../src/model/libvirt.js';
import { dirtyRatesOf, parseDomstatsDirtyRate } from '../../src/checks/probes/virsh.js';
import type { DomainFact, HostFacts } from '../../src/types.js';

const MiB = 2 ** 20;
const PROBE = readFileSync(new URL('../fixtures/libvirt-qemu/dirty-rate-probe-working-set.txt', import.meta.url), 'utf8');
const RATES = dirtyRatesOf(parseDomstatsDirtyRate(PROBE));
const SRC = { libvirt: { dirtyRates: RATES } } as unknown as HostFacts;
const dom = (name: string): DomainFact => ({ name, state: 'running' }) as DomainFact;
const xml = (mib: number): DomainXmlFacts => ({ currentMemoryKiB: mib * 1024 }) as DomainXmlFacts;
const plan = (bandwidthMiB: number, over: Partial<MigrationPlan> = {}): MigrationPlan =>
  ({ bandwidth: { bytesPerSec: bandwidthMiB * MiB, source: 'option' }, dirtyBytesPerSec: null, maxDowntimeMs: 300, ...over }) as MigrationPlan;

describe('dirty-rate probe summary', () => {
  it('keeps the 1 s samples, the 6 s one apart, and the resident memory', () => {
    expect(RATES).toEqual([
      { domain: 'w1', status: 'measured', mibPerSecond: 36, samples: [34, 30, 36], periodSeconds: 1, long: { periodSeconds: 6, mibPerSecond: 13 }, rssKiB: 330720 },
      { domain: 'w2', status: 'measured', mibPerSecond: 4, samples: [4, 0, 2], periodSeconds: 1, long: { periodSeconds: 6, mibPerSecond: 2 }, rssKiB: 228352 },
    ]);
  });
});

describe('convergenceOf', () => {
  it('w1: the 6 s sample shows a working set; dirtying more than the 16 MiB/s cap even at the low end, it never converges', () => {
    const e = convergenceOf(dom('w1'), xml(320), SRC, plan(16));
    // 1 s samples: 100 MiB = 50 sampled pages in 3 s. 6 s: 13 MiB/s = 39 pages, where 50 in 3 s make 100: saturated.
    // Dirty rate: 50 +- 2 sqrt(50) pages (+1 above) in 3 s = 23.9 .. 33.3 .. 43.4 MiB/s; working set 39 pages = 78 MiB.
    expect(e.dirtyBytesPerSec! / MiB).toBeCloseTo(33.33, 2);
    expect(e.workingSetBytes! / MiB).toBeCloseTo(78, 6);
    expect(e.workingSetAssumption).toMatch(/^the 6 s sample found only 39 sampled pages \(2 MiB each\) changed, fewer than the dirty rate makes in that time: a working set of 53\.\d MiB to 10\d\.\d MiB/);
    expect(e.dirtyRateAssumption).toBe('3 samples of 1 s read 34, 30, 36 MiB/s, one of 6 s 13 MiB/s: 50 sampled pages (2 MiB each) changed in 3 s, taken as 23.9 MiB/s to 43.4 MiB/s (middle 33.3 MiB/s)');
    // The QEMU process holds 323 MiB, more than the 320 MiB guest: round 0 is the guest's memory.
    expect(e.firstRoundBytes).toBeUndefined();
    expect(e.missing).toBeNull();
    expect(e.prediction).toMatchObject({ converges: false, reason: 'dirty-rate-exceeds-bandwidth' });
    // Every remainder is the whole working set, 78 MiB at 16 MiB/s.
    expect(e.prediction!.downtimeMs).toBeCloseTo((78 / 16) * 1000, 6);
  });

  it('w1 at a 64 MiB/s cap: converges at every end (the working set bounds each round), a GO', () => {
    const e = convergenceOf(dom('w1'), xml(320), SRC, plan(64));
    expect(e.missing).toBeNull();
    expect(e.prediction?.converges).toBe(true);
    // Without the 6 s sample every round after the first may hold more than the working set: more rounds, more time.
    const blind = convergenceOf(dom('w1'), xml(320), { libvirt: { dirtyRates: RATES.map(({ long: _l, ...r }) => r) } } as unknown as HostFacts, plan(64));
    expect(blind.workingSetBytes).toBeUndefined();
    expect(blind.prediction?.converges).toBe(true);
    expect(e.prediction!.rounds).toBeLessThan(blind.prediction!.rounds);
    expect(e.prediction!.totalSeconds).toBeLessThan(blind.prediction!.totalSeconds);
  });

  it('w2: no working set seen (its 6 s sample agrees with the 1 s ones); the samples pool into one count', () => {
    const e = convergenceOf(dom('w2'), xml(160), SRC, plan(16));
    // 6 + 12 MiB = 9 pages in 9 s: 2.0 MiB/s; (9 - 6) and (9 + 6 + 1) pages at its ends.
    expect(e.workingSetBytes).toBeUndefined();
    expect(e.dirtyBytesPerSec! / MiB).toBeCloseTo(2, 6);
    expect(e.dirtyRateAssumption).toMatch(/9 sampled pages \(2 MiB each\) changed in 9 s, taken as 0\.7 MiB\/s to 3\.6 MiB\/s \(middle 2\.0 MiB\/s\)$/);
    expect(e.prediction).toMatchObject({ converges: true });
  });

  it('round 0 is the resident memory where the QEMU process holds less than the guest has', () => {
    const e = convergenceOf(dom('w1'), xml(4096), SRC, plan(64));
    expect(e.firstRoundBytes).toBe(330720 * 1024);
    expect(e.memoryAssumption).toMatch(/^the source's QEMU process holds 323\.0 MiB of the guest's 4\.0 GiB: memory never touched goes as zero pages/);
    // Round 0 and the working set's rounds: far less than the 4 GiB a blind estimate sends in round 0 alone.
    expect(e.prediction!.bytesSent).toBeGreaterThan(330720 * 1024);
    expect(e.prediction!.bytesSent).toBeLessThan(1024 * MiB);
  });

  it('a remainder that shrinks too slowly even at the best end is uncertain, not a NO-GO: QEMU keeps going', () => {
    // 60 MiB/s given against 64: q = 0.9375 over all 320 MiB needs about 65 rounds.
    const e = convergenceOf(dom('w1'), xml(320), SRC, plan(64, { dirtyBytesPerSec: 60 * MiB }));
    expect(e.prediction).toBeNull();
    expect(e.missing).toMatch(/^uncertain: even at 64\.0 MiB\/s dirtying 60\.0 MiB\/s the remainder shrinks so slowly that it takes more than 30 rounds/);
  });

  it('--dirty-rate at or above the bandwidth is a NO-GO at once', () => {
    const e = convergenceOf(dom('w2'), xml(160), SRC, plan(16, { dirtyBytesPerSec: 16 * MiB }));
    expect(e).toMatchObject({ missing: null, dirtyRateSource: 'option', prediction: { converges: false, reason: 'dirty-rate-exceeds-bandwidth' } });
  });
});
