import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_PRECOPY_ROUNDS, predictPrecopy, type PrecopyInput } from '../../src/checks/convergence.js';

const MiB = 2 ** 20;
const GiB = 2 ** 30;

/** Relative closeness: the closed forms may differ from the hand sums by a few ulps. */
function expectClose(actual: number, expected: number, rel = 1e-12): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(Math.abs(expected) * rel);
}

const converges = (input: PrecopyInput): boolean => predictPrecopy(input).converges;

describe('predictPrecopy: hand-computed cases', () => {
  it('converges after one round beyond round 0 (4 GiB guest, 1 GiB/s link, 100 MiB/s dirty)', () => {
    // q = D/B = 100/1024 = 0.09765625.
    // round 0: 4 GiB at 1 GiB/s = 4 s.
    // before round 1: r1 = 100 MiB/s * 4 s = 400 MiB -> 0.390625 s > 0.3 s -> send it (0.390625 s).
    // before round 2: r2 = 100 MiB/s * 0.390625 s = 39.0625 MiB -> 0.03814697265625 s <= 0.3 s -> stop-and-copy.
    // rounds = 2 (round 0 and round 1); bytes = 4 GiB + 400 MiB + 39.0625 MiB = 4755357696;
    // time = 4 + 0.390625 + 0.03814697265625 = 4.42877197265625 s; downtime 38.14697265625 ms.
    const p = predictPrecopy({ memoryBytes: 4 * GiB, dirtyBytesPerSec: 100 * MiB, bandwidthBytesPerSec: GiB, maxDowntimeMs: 300 });
    expect(p.converges).toBe(true);
    expect(p.reason).toBeNull();
    expect(p.rounds).toBe(2);
    expectClose(p.bytesSent, 4 * GiB + 400 * MiB + 39.0625 * MiB);
    expectClose(p.totalSeconds, 4 + 0.390625 + 0.03814697265625);
    expectClose(p.downtimeMs, 38.14697265625);
    // Converging within N = 30 means r_31 / B <= T: M D^31 / B^32 <= T, so
    // B >= (4 GiB * (100 MiB/s)^31 / 0.3 s)^(1/32) ~ 116.6 MiB/s; D <= B * (0.3 * B / M)^(1/31) ~ 0.9198 GiB/s.
    expect(p.neededBandwidthBytesPerSec / MiB).toBeCloseTo(116.6, 1);
    expect(p.maxDirtyBytesPerSec / GiB).toBeCloseTo(0.9198, 4);
  });

  it('with D = 0 stops right after round 0 with no pause', () => {
    // r1 = 0 * 4 s = 0 -> fits even a 0 ms pause; rounds = 1, bytes = M, time = M / B = 4 s.
    for (const maxDowntimeMs of [300, 0]) {
      const p = predictPrecopy({ memoryBytes: 4 * GiB, dirtyBytesPerSec: 0, bandwidthBytesPerSec: GiB, maxDowntimeMs });
      expect(p).toMatchObject({ converges: true, reason: null, rounds: 1, bytesSent: 4 * GiB, totalSeconds: 4, downtimeMs: 0 });
      // Any bandwidth converges when nothing is dirtied: the smallest whole byte/s.
      expect(p.neededBandwidthBytesPerSec).toBe(1);
    }
  });

  it('gives up when the guest dirties faster than the link (2 GiB/s vs 1 GiB/s), and reports the run to the round bound', () => {
    // r1 = min(4 GiB, 2 GiB/s * 4 s = 8 GiB) = 4 GiB -> 4000 ms > 300 ms; every later remainder is 4 GiB too.
    // Running to the bound: rounds 0..30 each send 4 GiB in 4 s: 31 rounds, 124 GiB, 124 s.
    const p = predictPrecopy({ memoryBytes: 4 * GiB, dirtyBytesPerSec: 2 * GiB, bandwidthBytesPerSec: GiB, maxDowntimeMs: 300 });
    expect(p).toMatchObject({
      converges: false,
      reason: 'dirty-rate-exceeds-bandwidth',
      rounds: DEFAULT_MAX_PRECOPY_ROUNDS + 1,
      bytesSent: 31 * 4 * GiB,
      totalSeconds: 124,
      downtimeMs: 4000,
    });
    // M / T = 13.3 GiB/s > D, so the answer has B > D: B^32 = M D^31 / T, i.e.
    // B = 2 GiB/s * (4 GiB / (0.3 s * 2 GiB/s))^(1/32) = 2 GiB/s * 6.667^(1/32) = 2.12215 GiB/s.
    const need = p.neededBandwidthBytesPerSec;
    expect(need / GiB).toBeCloseTo(2.12215, 4);
    expect(converges({ memoryBytes: 4 * GiB, dirtyBytesPerSec: 2 * GiB, bandwidthBytesPerSec: need, maxDowntimeMs: 300 })).toBe(true);
    expect(converges({ memoryBytes: 4 * GiB, dirtyBytesPerSec: 2 * GiB, bandwidthBytesPerSec: need - 1, maxDowntimeMs: 300 })).toBe(false);
    expect(p.maxDirtyBytesPerSec).toBeLessThan(GiB);
  });

  it('gives up with the same reason when D == B', () => {
    // q = 1: r_k = 4 GiB for every k -> 4000 ms forever.
    const p = predictPrecopy({ memoryBytes: 4 * GiB, dirtyBytesPerSec: GiB, bandwidthBytesPerSec: GiB, maxDowntimeMs: 300, maxRounds: 3 });
    expect(p).toMatchObject({ converges: false, reason: 'dirty-rate-exceeds-bandwidth', rounds: 4, bytesSent: 16 * GiB, totalSeconds: 16, downtimeMs: 4000 });
  });

  it('caps the remainder at the RAM size', () => {
    // 1 GiB guest, 64 GiB/s dirty: D * t0 = 64 GiB/s * 1 s = 64 GiB, capped to 1 GiB -> 1000 ms.
    // maxRounds 5: rounds 0..5 send 1 GiB each: 6 GiB in 6 s.
    const p = predictPrecopy({ memoryBytes: GiB, dirtyBytesPerSec: 64 * GiB, bandwidthBytesPerSec: GiB, maxDowntimeMs: 300, maxRounds: 5 });
    expect(p).toMatchObject({ converges: false, reason: 'dirty-rate-exceeds-bandwidth', rounds: 6, bytesSent: 6 * GiB, totalSeconds: 6, downtimeMs: 1000 });
  });

  it('stops at the round bound when the remainder shrinks too slowly (D = 768 MiB/s, q = 0.75)', () => {
    // r_k / B = 4 s * 0.75^k: 0.75^9 = 0.0750847 -> 300.3387451171875 ms (just over), 0.75^10 -> 225.25405883789062 ms.
    // maxRounds 8: the check before round 9 fails and round 9 is over the bound -> round-limit;
    // rounds 0..8 sent: bytes = 4 GiB * (1 - 0.75^9) / 0.25 = 15889924096, time = bytes / B.
    const base = { memoryBytes: 4 * GiB, dirtyBytesPerSec: 768 * MiB, bandwidthBytesPerSec: GiB, maxDowntimeMs: 300 };
    const short = predictPrecopy({ ...base, maxRounds: 8 });
    expect(short).toMatchObject({ converges: false, reason: 'round-limit', rounds: 9 });
    expectClose(short.bytesSent, 15889924096);
    expectClose(short.totalSeconds, 15889924096 / GiB);
    expectClose(short.downtimeMs, 300.3387451171875);
    // maxRounds 9: round 9 runs, then r10 fits: rounds = 10; bytes = 4 GiB * (1 - 0.75^11) / 0.25.
    const enough = predictPrecopy({ ...base, maxRounds: 9 });
    expect(enough).toMatchObject({ converges: true, reason: null, rounds: 10 });
    expectClose(enough.downtimeMs, 225.25405883789062);
    expectClose(enough.bytesSent, 16 * GiB * (1 - 0.75 ** 11));
    // The largest dirty rate within 8 rounds is B * 0.075^(1/9) = 0.74989 GiB/s: just under 768 MiB/s; within 9 it is above.
    expect(short.maxDirtyBytesPerSec).toBeLessThan(768 * MiB);
    expect(enough.maxDirtyBytesPerSec).toBeGreaterThanOrEqual(768 * MiB);
    // And 1 GiB/s is just too little within 8 rounds, enough within 9.
    expect(short.neededBandwidthBytesPerSec).toBeGreaterThan(GiB);
    expect(enough.neededBandwidthBytesPerSec).toBeLessThanOrEqual(GiB);
  });

  it('hits the round limit when D is just below B, and converges with a large enough bound', () => {
    // q = 1023/1024: r_31 / B = 4 s * q^31 = 3.8803 s > 0.3 s -> round-limit at the default bound.
    const base = { memoryBytes: 4 * GiB, dirtyBytesPerSec: GiB - MiB, bandwidthBytesPerSec: GiB, maxDowntimeMs: 300 };
    const p = predictPrecopy(base);
    expect(p).toMatchObject({ converges: false, reason: 'round-limit', rounds: 31 });
    expectClose(p.downtimeMs, 4000 * (1023 / 1024) ** 31);
    // Needs 4 q^k <= 0.3: k >= ln(0.075) / ln(1023/1024) = 2651.1 -> the check before round 2652 fits.
    // The closed form makes a huge bound cheap.
    const far = predictPrecopy({ ...base, maxRounds: 1e15 });
    expect(far).toMatchObject({ converges: true, rounds: 2652 });
    expect(far.downtimeMs).toBeLessThanOrEqual(300);
    expect(far.maxDirtyBytesPerSec).toBe(GiB - 1);
  });

  it('caps each later round at the working set (4 GiB guest rewriting 256 MiB, 512 MiB/s dirty, 1 GiB/s)', () => {
    // Without it: r1 = 2 GiB (2 s), r2 = 1 GiB, r3 = 512 MiB, r4 = 256 MiB (0.25 s) fits: 4 rounds.
    const base = { memoryBytes: 4 * GiB, dirtyBytesPerSec: 512 * MiB, bandwidthBytesPerSec: GiB, maxDowntimeMs: 300 };
    expect(predictPrecopy(base)).toMatchObject({ converges: true, rounds: 4 });
    // With it: r1 = min(256 MiB, 2 GiB) = 256 MiB, 0.25 s, fits: round 0 only, then the pause.
    const p = predictPrecopy({ ...base, workingSetBytes: 256 * MiB });
    expect(p).toMatchObject({ converges: true, rounds: 1, bytesSent: 4 * GiB + 256 * MiB, totalSeconds: 4.25, downtimeMs: 250 });
  });

  it('a guest dirtying faster than the link never converges unless its working set fits the pause', () => {
    // 320 MiB guest, 64 MiB working set, 30 MiB/s against 16 MiB/s: every remainder is the 64 MiB, 4 s.
    const base = { memoryBytes: 320 * MiB, workingSetBytes: 64 * MiB, dirtyBytesPerSec: 30 * MiB, bandwidthBytesPerSec: 16 * MiB, maxDowntimeMs: 300 };
    expect(predictPrecopy(base)).toMatchObject({
      converges: false,
      reason: 'dirty-rate-exceeds-bandwidth',
      rounds: 31,
      bytesSent: 320 * MiB + 30 * 64 * MiB,
      downtimeMs: 4000,
      maxDirtyBytesPerSec: expect.any(Number),
    });
    // A 4 MiB working set (0.25 s at 16 MiB/s) goes in the pause whatever the dirty rate.
    const tiny = predictPrecopy({ ...base, workingSetBytes: 4 * MiB });
    expect(tiny).toMatchObject({ converges: true, rounds: 1, bytesSent: 324 * MiB, downtimeMs: 250, maxDirtyBytesPerSec: Number.POSITIVE_INFINITY });
  });

  it('never makes round 0 the stop-and-copy, even for a guest whose whole RAM fits in the pause', () => {
    // 64 MiB at 1 GiB/s: t0 = 0.0625 s (62.5 ms, fits in 300 ms) but round 0 still runs.
    // r1 = 100 MiB/s * 0.0625 s = 6.25 MiB -> 6.103515625 ms: rounds = 1, bytes = 70.25 MiB, time = 0.068603515625 s.
    const slow = predictPrecopy({ memoryBytes: 64 * MiB, dirtyBytesPerSec: 100 * MiB, bandwidthBytesPerSec: GiB, maxDowntimeMs: 300 });
    expect(slow).toMatchObject({ converges: true, reason: null, rounds: 1, bytesSent: 70.25 * MiB, totalSeconds: 0.068603515625, downtimeMs: 6.103515625 });
    // Any dirty rate converges: the remainder is at most the 62.5 ms RAM.
    expect(slow.maxDirtyBytesPerSec).toBe(Number.POSITIVE_INFINITY);
    // D = 64 GiB/s > B: r1 = min(64 MiB, 4 GiB) = 64 MiB -> 62.5 ms fits: it converges despite D > B.
    const fast = predictPrecopy({ memoryBytes: 64 * MiB, dirtyBytesPerSec: 64 * GiB, bandwidthBytesPerSec: GiB, maxDowntimeMs: 300 });
    expect(fast).toMatchObject({ converges: true, reason: null, rounds: 1, bytesSent: 128 * MiB, totalSeconds: 0.125, downtimeMs: 62.5 });
    // At D >= B it needs 64 MiB / 0.3 s = 223696213.33 B/s -> 223696214; one byte/s less does not fit.
    expect(fast.neededBandwidthBytesPerSec).toBe(223696214);
    expect(converges({ memoryBytes: 64 * MiB, dirtyBytesPerSec: 64 * GiB, bandwidthBytesPerSec: 223696214, maxDowntimeMs: 300 })).toBe(true);
    expect(converges({ memoryBytes: 64 * MiB, dirtyBytesPerSec: 64 * GiB, bandwidthBytesPerSec: 223696213, maxDowntimeMs: 300 })).toBe(false);
  });

  it('counts a remainder exactly equal to the pause as fitting', () => {
    // 300 MiB at 1000 MiB/s = 0.3 s = 300 ms exactly; D >= B keeps the remainder at 300 MiB.
    const p = predictPrecopy({ memoryBytes: 300 * MiB, dirtyBytesPerSec: 2000 * MiB, bandwidthBytesPerSec: 1000 * MiB, maxDowntimeMs: 300 });
    expect(p).toMatchObject({ converges: true, rounds: 1, bytesSent: 600 * MiB, downtimeMs: 300 });
  });

  it('with a 0 ms pause only a guest that dirties nothing converges', () => {
    // 64 MiB at 1 GiB/s, 100 MiB/s dirty: r_k = 6.25 MiB * (100/1024)^(k-1) > 0 forever.
    const p = predictPrecopy({ memoryBytes: 64 * MiB, dirtyBytesPerSec: 100 * MiB, bandwidthBytesPerSec: GiB, maxDowntimeMs: 0 });
    expect(p).toMatchObject({ converges: false, reason: 'round-limit', rounds: 31, neededBandwidthBytesPerSec: Number.POSITIVE_INFINITY, maxDirtyBytesPerSec: 0 });
    expect(p.downtimeMs).toBeGreaterThan(0);
  });
});

describe('predictPrecopy: input validation', () => {
  const good: PrecopyInput = { memoryBytes: GiB, dirtyBytesPerSec: MiB, bandwidthBytesPerSec: GiB, maxDowntimeMs: 300 };
  const bad: [Partial<Record<keyof PrecopyInput, unknown>>, RegExp][] = [
    [{ memoryBytes: 0 }, /memoryBytes/],
    [{ memoryBytes: -1 }, /memoryBytes/],
    [{ memoryBytes: Number.NaN }, /memoryBytes/],
    [{ memoryBytes: Number.POSITIVE_INFINITY }, /memoryBytes/],
    [{ memoryBytes: '1024' }, /memoryBytes/],
    [{ dirtyBytesPerSec: -1 }, /dirtyBytesPerSec/],
    [{ dirtyBytesPerSec: Number.NaN }, /dirtyBytesPerSec/],
    [{ dirtyBytesPerSec: Number.POSITIVE_INFINITY }, /dirtyBytesPerSec/],
    [{ bandwidthBytesPerSec: 0 }, /bandwidthBytesPerSec/],
    [{ bandwidthBytesPerSec: -5 }, /bandwidthBytesPerSec/],
    [{ bandwidthBytesPerSec: Number.NEGATIVE_INFINITY }, /bandwidthBytesPerSec/],
    [{ maxDowntimeMs: -0.1 }, /maxDowntimeMs/],
    [{ maxDowntimeMs: Number.NaN }, /maxDowntimeMs/],
    [{ maxRounds: 0 }, /maxRounds/],
    [{ maxRounds: -3 }, /maxRounds/],
    [{ maxRounds: 1.5 }, /maxRounds/],
    [{ maxRounds: Number.NaN }, /maxRounds/],
    [{ maxRounds: Number.POSITIVE_INFINITY }, /maxRounds/],
  ];
  it.each(bad)('rejects %o', (patch, field) => {
    const input = { ...good, ...patch } as PrecopyInput;
    expect(() => predictPrecopy(input)).toThrow(RangeError);
    expect(() => predictPrecopy(input)).toThrow(field);
  });
  it('accepts the edges: no dirtying, a 0 ms pause, one round', () => {
    expect(() => predictPrecopy({ ...good, dirtyBytesPerSec: 0, maxDowntimeMs: 0, maxRounds: 1 })).not.toThrow();
  });
});

describe('predictPrecopy: properties', () => {
  // Physical magnitudes: a subnormal dirty rate or pause (5e-324) only exercises float underflow, not the model.
  const input = fc.record({
    memoryBytes: fc.double({ min: MiB, max: 2 ** 40, noNaN: true }),
    dirtyBytesPerSec: fc.oneof(fc.constant(0), fc.double({ min: 1, max: 8 * GiB, noNaN: true })),
    bandwidthBytesPerSec: fc.double({ min: MiB, max: 4 * GiB, noNaN: true }),
    maxDowntimeMs: fc.oneof(fc.constant(0), fc.constant(300), fc.double({ min: 1e-3, max: 5000, noNaN: true })),
    maxRounds: fc.option(fc.integer({ min: 1, max: 200 }), { nil: undefined }),
    workingSetBytes: fc.option(fc.double({ min: 4096, max: 2 ** 40, noNaN: true }), { nil: undefined }),
  });
  const tol = 1e-12;
  /** The working set as the model takes it: at most the memory. */
  const ws = (i: PrecopyInput): number => Math.min(i.memoryBytes, i.workingSetBytes ?? i.memoryBytes);

  it('a working set never makes it worse, and one as large as the memory changes nothing', () => {
    fc.assert(
      fc.property(input, (i) => {
        const whole = predictPrecopy({ ...i, workingSetBytes: undefined });
        const p = predictPrecopy(i);
        if (whole.converges) expect(p.converges).toBe(true);
        expect(p.totalSeconds).toBeLessThanOrEqual(whole.totalSeconds * (1 + tol));
        expect(p.neededBandwidthBytesPerSec).toBeLessThanOrEqual(whole.neededBandwidthBytesPerSec);
        expect(p.maxDirtyBytesPerSec).toBeGreaterThanOrEqual(whole.maxDirtyBytesPerSec);
        expect(predictPrecopy({ ...i, workingSetBytes: i.memoryBytes })).toEqual(whole);
      }),
      { numRuns: 300 },
    );
  });

  it('sends at least the RAM, takes at least M / B, and a converging pause fits', () => {
    fc.assert(
      fc.property(input, (i) => {
        const p = predictPrecopy(i);
        const n = i.maxRounds ?? DEFAULT_MAX_PRECOPY_ROUNDS;
        expect(p.bytesSent).toBeGreaterThanOrEqual(i.memoryBytes * (1 - tol));
        expect(p.totalSeconds).toBeGreaterThanOrEqual((i.memoryBytes / i.bandwidthBytesPerSec) * (1 - tol));
        expect(p.rounds).toBeGreaterThanOrEqual(1);
        expect(p.rounds).toBeLessThanOrEqual(n + 1);
        if (p.converges) {
          expect(p.reason).toBeNull();
          expect(p.downtimeMs).toBeLessThanOrEqual(i.maxDowntimeMs * (1 + tol));
        } else {
          expect(p.rounds).toBe(n + 1);
          // With a 0 ms pause the needed one can be below the smallest double (e.g. 1 B/s vs 1 MiB/s over 54 rounds) and read 0.
          if (i.maxDowntimeMs > 0) expect(p.downtimeMs).toBeGreaterThan(i.maxDowntimeMs);
          else expect(i.dirtyBytesPerSec).toBeGreaterThan(0);
          expect(p.reason).toBe(i.dirtyBytesPerSec >= i.bandwidthBytesPerSec ? 'dirty-rate-exceeds-bandwidth' : 'round-limit');
        }
      }),
      { numRuns: 300 },
    );
  });

  it('neededBandwidth is the smallest whole bandwidth that converges', () => {
    fc.assert(
      fc.property(input, (i) => {
        const p = predictPrecopy(i);
        const need = p.neededBandwidthBytesPerSec;
        if (need === Number.POSITIVE_INFINITY) {
          // No bandwidth helps only when no pause is allowed and something is dirtied.
          expect(i.maxDowntimeMs === 0 && i.dirtyBytesPerSec > 0).toBe(true);
          expect(p.converges).toBe(false);
          return;
        }
        expect(Number.isInteger(need)).toBe(true);
        expect(converges({ ...i, bandwidthBytesPerSec: need })).toBe(true);
        if (need > 1) expect(converges({ ...i, bandwidthBytesPerSec: need - 1 })).toBe(false);
        // Not the trivial case (D = 0 needs 1 byte/s): 1% less does not converge.
        if (need > 100) expect(converges({ ...i, bandwidthBytesPerSec: need * 0.99 })).toBe(false);
        if (p.converges) expect(need).toBeLessThanOrEqual(Math.ceil(i.bandwidthBytesPerSec));
        else expect(need).toBeGreaterThan(i.bandwidthBytesPerSec);
      }),
      { numRuns: 300 },
    );
  });

  it('maxDirty is the largest whole dirty rate that converges', () => {
    fc.assert(
      fc.property(input, (i) => {
        const p = predictPrecopy(i);
        const max = p.maxDirtyBytesPerSec;
        if (max === Number.POSITIVE_INFINITY) {
          // Every dirty rate converges only when the whole working set fits in the pause.
          expect(ws(i) / i.bandwidthBytesPerSec).toBeLessThanOrEqual(i.maxDowntimeMs / 1000);
          expect(p.converges).toBe(true);
          return;
        }
        expect(Number.isInteger(max)).toBe(true);
        expect(converges({ ...i, dirtyBytesPerSec: max })).toBe(true);
        expect(converges({ ...i, dirtyBytesPerSec: max + 1 })).toBe(false);
        expect(converges({ ...i, dirtyBytesPerSec: max * 1.01 + 1 })).toBe(false);
        if (p.converges) expect(Math.floor(i.dirtyBytesPerSec)).toBeLessThanOrEqual(max);
        else expect(i.dirtyBytesPerSec).toBeGreaterThan(max);
      }),
      { numRuns: 300 },
    );
  });
});
