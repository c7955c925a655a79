// Standard normal tail probabilities and quantiles, accurate to about 1e-14 relative.
// Written out here (rather than taken from a statistics package) so the gate has no runtime
// dependency beyond the kit itself, and so the tests can pin the numbers it relies on.

const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

/**
 * Complementary error function. Below 3 it uses the all-positive series
 * erf(x) = 2/√π · e^(−x²) · Σ 2ⁿx^(2n+1)/(1·3·…·(2n+1)), which has no cancellation; from 1.5 up it
 * uses Laplace's continued fraction, which converges within 120 terms there and keeps relative
 * accuracy far into the tail (1 − erf would lose it).
 */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  if (x < 0) return 2 - erfc(-x);
  if (x < 1.5) {
    const x2 = x * x;
    let term = x;
    let sum = x;
    for (let n = 1; n < 300; n++) {
      term *= (2 * x2) / (2 * n + 1);
      sum += term;
      if (term < sum * 1e-17) break;
    }
    return 1 - TWO_OVER_SQRT_PI * Math.exp(-x2) * sum;
  }
  if (x > 27) return 0; // below the smallest double
  // erfc(x) = e^(−x²)/√π · 1/(x + (1/2)/(x + (2/2)/(x + (3/2)/(x + …)))), evaluated bottom-up.
  let f = x;
  for (let k = 120; k >= 1; k--) f = x + k / 2 / f;
  return Math.exp(-x * x) / Math.sqrt(Math.PI) / f;
}

/** P(Z ≥ z) for a standard normal Z. */
export function normalSf(z: number): number {
  return 0.5 * erfc(z / Math.SQRT2);
}

/** P(Z ≤ z) for a standard normal Z. */
export function normalCdf(z: number): number {
  return 0.5 * erfc(-z / Math.SQRT2);
}

/**
 * The z with P(Z ≥ z) = p (upper-tail quantile), by bisection on `normalSf`. Slow next to a
 * rational approximation but exact to the last bit of `normalSf`, and the gate needs only a few.
 */
export function normalIsf(p: number): number {
  if (!(p > 0 && p < 1)) {
    if (p === 0) return Number.POSITIVE_INFINITY;
    if (p === 1) return Number.NEGATIVE_INFINITY;
    return Number.NaN;
  }
  let lo = -40;
  let hi = 40;
  for (let i = 0; i < 200 && hi - lo > 1e-15; i++) {
    const mid = (lo + hi) / 2;
    if (normalSf(mid) > p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}
