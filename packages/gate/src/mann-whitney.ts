import { normalSf } from "./normal.js";

/** Outcome of the one-sided Mann-Whitney U test "candidate slower than baseline". */
export interface MannWhitneyResult {
  /** U of the candidate: pairs (baseline x, candidate y) with y > x, ties counted one half. */
  u: number;
  /** P(U ≥ u) when both samples come from the same distribution. */
  p: number;
  /** `exact` (enumerated null distribution, no ties, small samples) or `normal` (approximation). */
  method: "exact" | "normal";
  /** True when any value occurs more than once across both samples. */
  ties: boolean;
}

/** Both samples at most this long and free of ties → exact distribution (memoized per size). */
export const EXACT_MAX_N = 50;

interface Ranked {
  /** Sum of the candidate's mid-ranks. */
  rankSumY: number;
  /** Σ (t³ − t) over groups of tied values. */
  tieTerm: number;
}

function rank(x: readonly number[], y: readonly number[]): Ranked {
  const all: { v: number; fromY: boolean }[] = [];
  for (const v of x) all.push({ v, fromY: false });
  for (const v of y) all.push({ v, fromY: true });
  all.sort((a, b) => a.v - b.v);
  let rankSumY = 0;
  let tieTerm = 0;
  for (let i = 0; i < all.length; ) {
    let j = i;
    while (j + 1 < all.length && all[j + 1]!.v === all[i]!.v) j++;
    const t = j - i + 1;
    const midRank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) if (all[k]!.fromY) rankSumY += midRank;
    if (t > 1) tieTerm += t * t * t - t;
    i = j + 1;
  }
  return { rankSumY, tieTerm };
}

const exactCache = new Map<string, Float64Array>();

/**
 * Upper tail P(U ≥ u), u = 0…m·n, of U = #{(x, y): y > x} for m baseline and n candidate values
 * under the null. Recurrence on the largest of the m+n values: it is a candidate value with
 * probability n/(m+n) and then beats all m baseline values, so
 * p[m,n](u) = n/(m+n)·p[m,n−1](u−m) + m/(m+n)·p[m−1,n](u). Probabilities (not counts) keep every
 * term positive and within double range.
 */
export function exactUpperTail(m: number, n: number): Float64Array {
  const key = `${m},${n}`;
  const hit = exactCache.get(key);
  if (hit) return hit;
  // prev[j] holds p[i-1, j]; cur[j] is filled for row i.
  let prev: Float64Array[] = [];
  for (let j = 0; j <= n; j++) prev.push(Float64Array.of(1)); // i = 0: U is always 0
  for (let i = 1; i <= m; i++) {
    const cur: Float64Array[] = [Float64Array.of(1)]; // j = 0
    for (let j = 1; j <= n; j++) {
      const out = new Float64Array(i * j + 1);
      const a = cur[j - 1]!; // p[i, j-1], support 0..i(j-1)
      const b = prev[j]!; // p[i-1, j], support 0..(i-1)j
      const wy = j / (i + j);
      const wx = i / (i + j);
      for (let u = 0; u < a.length; u++) out[u + i]! += wy * a[u]!;
      for (let u = 0; u < b.length; u++) out[u]! += wx * b[u]!;
      cur.push(out);
    }
    prev = cur;
  }
  const pmf = prev[n]!;
  const sf = new Float64Array(pmf.length + 1);
  for (let u = pmf.length - 1; u >= 0; u--) sf[u] = Math.min(1, sf[u + 1]! + pmf[u]!);
  if (exactCache.size > 256) exactCache.clear();
  exactCache.set(key, sf);
  return sf;
}

/** Whether the exact null distribution applies to samples of these sizes. */
export function useExact(m: number, n: number, ties: boolean): boolean {
  return !ties && m <= EXACT_MAX_N && n <= EXACT_MAX_N;
}

/** σ of U under the null, with the tie correction. */
export function uSigma(m: number, n: number, tieTerm: number): number {
  const big = m + n;
  const v = ((m * n) / 12) * (big + 1 - tieTerm / (big * (big - 1)));
  return Math.sqrt(Math.max(0, v));
}

/**
 * One-sided Mann-Whitney U test of "y (candidate) tends to be larger than x (baseline)".
 * Exact for small samples without ties; otherwise the normal approximation with tie and
 * continuity corrections (the same conventions as SciPy's `mannwhitneyu(y, x, alternative="greater")`).
 */
export function mannWhitneyGreater(x: readonly number[], y: readonly number[]): MannWhitneyResult {
  const m = x.length;
  const n = y.length;
  if (m === 0 || n === 0) throw new RangeError("Mann-Whitney U needs at least one value on each side");
  const { rankSumY, tieTerm } = rank(x, y);
  const u = rankSumY - (n * (n + 1)) / 2;
  const ties = tieTerm > 0;
  if (useExact(m, n, ties)) {
    const sf = exactUpperTail(m, n);
    return { u, p: sf[Math.round(u)]!, method: "exact", ties };
  }
  const sigma = uSigma(m, n, tieTerm);
  // Every value equal: the data say nothing about a shift.
  if (sigma === 0) return { u, p: 1, method: "normal", ties };
  const z = (u - (m * n) / 2 - 0.5) / sigma;
  return { u, p: Math.min(1, normalSf(z)), method: "normal", ties };
}
