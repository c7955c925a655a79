import { exactUpperTail, uSigma, useExact } from "./mann-whitney.js";
import { normalIsf } from "./normal.js";

/** Hodges-Lehmann shift of the candidate over the baseline, with a distribution-free interval. */
export interface ShiftEstimate {
  /** Median of all pairwise differences y − x (positive: candidate slower). */
  shift: number;
  /** Lower end of the two-sided interval; −∞ when the samples are too small to bound it. */
  low: number;
  /** Upper end of the two-sided interval; +∞ when the samples are too small to bound it. */
  high: number;
  /** Two-sided confidence of [low, high]; `high` alone is a (1+confidence)/2 upper bound. */
  confidence: number;
}

function median(sorted: ArrayLike<number>): number {
  const n = sorted.length;
  const mid = n >> 1;
  return n % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function tieTermOf(x: readonly number[], y: readonly number[]): number {
  const counts = new Map<number, number>();
  for (const v of x) counts.set(v, (counts.get(v) ?? 0) + 1);
  for (const v of y) counts.set(v, (counts.get(v) ?? 0) + 1);
  let t = 0;
  for (const c of counts.values()) if (c > 1) t += c * c * c - c;
  return t;
}

/**
 * Rank k (1-based) of the sorted pairwise differences that bounds the interval: with U the
 * Mann-Whitney statistic, [d₍k₎, d₍K+1−k₎] (K = m·n) is the set of shifts the two-sided test at
 * level 1−confidence does not reject, k being the largest integer with P(U ≤ k−1) ≤ (1−c)/2.
 * Returns 0 when no such k exists (the interval is unbounded).
 */
export function intervalRank(m: number, n: number, confidence: number, tieTerm = 0): number {
  const tail = (1 - confidence) / 2;
  const big = m * n;
  if (useExact(m, n, tieTerm > 0)) {
    const sf = exactUpperTail(m, n);
    // By symmetry P(U ≤ k−1) = P(U ≥ K−k+1) = sf[K−k+1].
    let k = 0;
    while (k + 1 <= big && sf[big - k]! <= tail) k++;
    return k;
  }
  const z = normalIsf(tail);
  const k = Math.floor(big / 2 + 0.5 - z * uSigma(m, n, tieTerm));
  return Math.max(0, Math.min(k, Math.floor(big / 2)));
}

/**
 * Hodges-Lehmann estimate of how much larger the candidate values are: the median of the m·n
 * differences y − x, and the interval that inverts the Mann-Whitney test.
 */
export function hodgesLehmann(x: readonly number[], y: readonly number[], confidence = 0.9): ShiftEstimate {
  const m = x.length;
  const n = y.length;
  if (m === 0 || n === 0) throw new RangeError("Hodges-Lehmann needs at least one value on each side");
  const d = new Float64Array(m * n);
  let k = 0;
  for (const yv of y) for (const xv of x) d[k++] = yv - xv;
  d.sort();
  const r = intervalRank(m, n, confidence, tieTermOf(x, y));
  return {
    shift: median(d),
    low: r >= 1 ? d[r - 1]! : Number.NEGATIVE_INFINITY,
    high: r >= 1 ? d[m * n - r]! : Number.POSITIVE_INFINITY,
    confidence,
  };
}

/** Median of an unsorted list. */
export function medianOf(values: readonly number[]): number {
  return median(Float64Array.from(values).sort());
}

/** Coefficient of variation: sample standard deviation over mean (0 for fewer than 2 values). */
export function coefficientOfVariation(values: readonly number[]): number {
  const n = values.length;
  if (n < 2) return 0;
  let mean = 0;
  for (const v of values) mean += v;
  mean /= n;
  let ss = 0;
  for (const v of values) ss += (v - mean) ** 2;
  return Math.sqrt(ss / (n - 1)) / mean;
}
