import type { PrecopyPrediction } from '../model/move.js';

/** What {@link predictPrecopy} needs to know about a guest and the link it migrates over. */
export interface PrecopyInput {
  /** Guest RAM to transfer in round 0, bytes (> 0). */
  readonly memoryBytes: number;
  /**
   * The most memory the guest dirties between two of QEMU's dirty-bitmap syncs however long it
   * runs (its working set), bytes (> 0); default, and at most, memoryBytes.
   */
  readonly workingSetBytes?: number;
  /** Rate at which the guest dirties memory, bytes/s (>= 0). */
  readonly dirtyBytesPerSec: number;
  /** Migration bandwidth, bytes/s (> 0). */
  readonly bandwidthBytesPerSec: number;
  /** Largest acceptable stop-and-copy pause, ms (QEMU default 300). */
  readonly maxDowntimeMs: number;
  /** Bound on pre-copy rounds after round 0 (default 30). */
  readonly maxRounds?: number;
}

/** Rounds after round 0 when {@link PrecopyInput.maxRounds} is not given. */
export const DEFAULT_MAX_PRECOPY_ROUNDS = 30;

/**
 * Predicts whether QEMU's iterative pre-copy live migration converges. Pure.
 *
 * The model, with M = memoryBytes, W = workingSetBytes (at most M), D = dirtyBytesPerSec,
 * B = bandwidthBytesPerSec, T = maxDowntimeMs / 1000 and N = maxRounds:
 *
 * - Round 0 sends the whole memory M, taking t0 = M / B seconds.
 * - Round k >= 1 sends what was dirtied during round k-1: r_k = min(W, D * t_{k-1}) bytes,
 *   taking t_k = r_k / B (the dirty set can never exceed the working set).
 * - Before round k >= 1 starts, if r_k / B <= T the guest pauses and r_k goes in the
 *   stop-and-copy: it converged, with downtime r_k / B, after k pre-copy rounds (round 0
 *   included). Round 0 is never the stop-and-copy, even for a guest whose RAM fits in T.
 * - If round k would be round N + 1, it gives up instead: `round-limit`, or
 *   `dirty-rate-exceeds-bandwidth` when D >= B (the remainder can then never shrink, so no
 *   round bound would help). In both cases `rounds` (N + 1), `bytesSent` and `totalSeconds`
 *   describe running until the round bound, as a bounded QEMU run would, and `downtimeMs` is the
 *   pause r_{N+1} would need.
 *
 * Since t0 = M / B and W <= M, the recurrence has a closed form: with q = D / B and
 * a = r_1 = min(W, q * M), r_k = a * q^(k-1) when D < B (the cap binds at most in round 1), and
 * r_k = W for every k when D >= B. The remainder never grows, so it converges within N rounds iff
 * r_{N+1} / B <= T; this is computed directly, so a large maxRounds costs nothing. Everything
 * moves at B, so `totalSeconds` = `bytesSent` / B (the stop-and-copy included).
 *
 * `neededBandwidthBytesPerSec` and `maxDirtyBytesPerSec` start from the closed forms of
 * r_{N+1} / B = T for W = M (B = M / T when that is <= D, else B = (M * D^(N+1) / T)^(1/(N+2));
 * D = B * (T * B / M)^(1/(N+1))), then settle on whole bytes/s with the very predicate used for `converges`, so they agree
 * with this function: the needed bandwidth converges and one byte/s less does not; the largest
 * dirty rate converges and one byte/s more does not. Edge cases: with D = 0 any bandwidth
 * converges, reported as 1 (the smallest whole byte/s); with T = 0 and D > 0 no bandwidth does,
 * reported as Infinity (and `downtimeMs` may then read 0: a shrinking remainder can drop below the
 * smallest double without ever being empty). When W / B <= T any dirty rate converges (the
 * remainder is capped at W), reported as Infinity.
 *
 * @throws RangeError naming the field when an input is not finite, negative, or out of range
 *   (memoryBytes, workingSetBytes and bandwidthBytesPerSec must be > 0, maxRounds a positive safe integer).
 */
export function predictPrecopy(input: PrecopyInput): PrecopyPrediction {
  const g = validate(input);
  const { m, d, b, n } = g;
  const k = n + 1;
  const converges = fits(g, b, d, k);
  // The first fitting round: bisect over [1, N+1] (the remainder is non-increasing in k).
  let stopAt = k;
  if (converges) {
    let lo = 0;
    while (stopAt - lo > 1) {
      const mid = Math.floor((lo + stopAt) / 2);
      if (fits(g, b, d, mid)) stopAt = mid;
      else lo = mid;
    }
  }
  // Converging: rounds 0..stopAt-1 plus the stop-and-copy of r_stopAt. Not: rounds 0..N.
  const bytesSent = m + firstRemainder(g, b, d) * seriesSum(d, b, (converges ? stopAt : n) - 1);
  return {
    converges,
    rounds: converges ? stopAt : k,
    bytesSent,
    totalSeconds: bytesSent / b,
    downtimeMs: remainderSeconds(g, b, d, stopAt) * 1000,
    reason: converges ? null : d >= b ? 'dirty-rate-exceeds-bandwidth' : 'round-limit',
    neededBandwidthBytesPerSec: neededBandwidth(g, k),
    maxDirtyBytesPerSec: maxDirty(g, k),
  };
}

/** The validated inputs: M, W, D, B, T in seconds, N. */
interface Normalized {
  readonly m: number;
  readonly w: number;
  readonly d: number;
  readonly b: number;
  readonly tSec: number;
  readonly n: number;
}

function validate(input: PrecopyInput): Normalized {
  const num = (field: keyof PrecopyInput, v: unknown, positive: boolean): number => {
    if (typeof v !== 'number' || !Number.isFinite(v) || (positive ? v <= 0 : v < 0)) {
      throw new RangeError(`${field} must be a finite number ${positive ? '> 0' : '>= 0'}, got ${String(v)}`);
    }
    return v;
  };
  const m = num('memoryBytes', input.memoryBytes, true);
  const w = input.workingSetBytes === undefined ? m : Math.min(m, num('workingSetBytes', input.workingSetBytes, true));
  const d = num('dirtyBytesPerSec', input.dirtyBytesPerSec, false);
  const b = num('bandwidthBytesPerSec', input.bandwidthBytesPerSec, true);
  const tMs = num('maxDowntimeMs', input.maxDowntimeMs, false);
  const n = input.maxRounds ?? DEFAULT_MAX_PRECOPY_ROUNDS;
  // Safe integers only: beyond 2^53 rounds can no longer be counted one by one.
  if (!Number.isSafeInteger(n) || n < 1) {
    throw new RangeError(`maxRounds must be a positive integer, got ${String(n)}`);
  }
  return { m, w, d, b, tSec: tMs / 1000, n };
}

/** r_1, bytes: what round 0 leaves dirty, at most the working set. */
function firstRemainder(g: Normalized, b: number, d: number): number {
  return d >= b ? g.w : Math.min(g.w, (d / b) * g.m);
}

/** r_k / B in seconds, for k >= 1. */
function remainderSeconds(g: Normalized, b: number, d: number, k: number): number {
  const a = firstRemainder(g, b, d) / b;
  return d >= b ? a : a * (d / b) ** (k - 1);
}

/** Whether the remainder before round k fits in the pause: the one predicate every answer rests on. */
function fits(g: Normalized, b: number, d: number, k: number): boolean {
  // With no pause allowed only an empty remainder fits; checked apart so that q^k underflowing to 0 cannot fake a fit.
  if (g.tSec === 0) return d === 0;
  return remainderSeconds(g, b, d, k) <= g.tSec;
}

/** Sum of q^i for i = 0..j (0 when j < 0). */
function seriesSum(d: number, b: number, j: number): number {
  if (j < 0) return 0;
  if (d >= b) return j + 1;
  // (1 - q^(j+1)) / (1 - q), via expm1/log1p and 1 - q = (B - D) / B so that q close to 1 keeps its precision.
  const u = (b - d) / b;
  return -Math.expm1((j + 1) * Math.log1p(-u)) / u;
}

function neededBandwidth(g: Normalized, k: number): number {
  const { m, d, tSec } = g;
  if (d === 0) return 1;
  if (tSec === 0) return Number.POSITIVE_INFINITY;
  const guess = m / tSec <= d ? m / tSec : Math.exp((Math.log(m) + k * Math.log(d) - Math.log(tSec)) / (k + 1));
  return boundary(guess, 1, (b) => fits(g, b, d, k)).firstTrue;
}

function maxDirty(g: Normalized, k: number): number {
  const { m, b, tSec } = g;
  // At D >= B the remainder is the whole working set; if even that fits, so does every dirty rate.
  if (fits(g, b, b, k)) return Number.POSITIVE_INFINITY;
  if (tSec === 0) return 0;
  const guess = b * Math.exp((Math.log(tSec) + Math.log(b) - Math.log(m)) / k);
  return boundary(guess, 0, (d) => !fits(g, b, d, k)).lastFalse;
}

/**
 * For a predicate false then true over whole numbers >= min (true somewhere): the last whole
 * number where it is false (min - 1 if none) and the first where it is true. Gallops from the
 * guess, then bisects, so a guess a few units or ulps off (the closed forms' rounding) costs a
 * few calls. Above 2^53 every double is whole, and the steps are ulps.
 */
function boundary(guess: number, min: number, pred: (x: number) => boolean): { lastFalse: number; firstTrue: number } {
  let lo: number;
  let hi: number;
  const start = Math.max(min, Math.ceil(guess));
  if (pred(start)) {
    hi = start;
    for (let step = 1; ; step *= 2) {
      lo = hi - step;
      if (lo < min) {
        lo = min - 1;
        break;
      }
      if (!pred(lo)) break;
      hi = lo;
    }
  } else {
    lo = start;
    for (let step = 1; ; step *= 2) {
      hi = lo + step;
      if (pred(hi)) break;
      lo = hi;
    }
  }
  for (;;) {
    const mid = Math.floor(lo / 2 + hi / 2);
    if (mid <= lo || mid >= hi) return { lastFalse: lo, firstTrue: hi };
    if (pred(mid)) hi = mid;
    else lo = mid;
  }
}
