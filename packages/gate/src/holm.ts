/**
 * Holm-Bonferroni step-down adjusted p-values, in the input order. A hypothesis is rejected at
 * family-wise level α exactly when its adjusted p-value is ≤ α. Holm controls the family-wise
 * error like Bonferroni but rejects more: the smallest p is compared with α/m, the next with
 * α/(m−1), and so on, stopping at the first that is not small enough.
 */
export function holmAdjust(p: readonly number[]): number[] {
  const m = p.length;
  const order = p.map((v, i) => ({ v, i })).sort((a, b) => a.v - b.v || a.i - b.i);
  const out = new Array<number>(m);
  let running = 0;
  order.forEach(({ v, i }, k) => {
    running = Math.max(running, Math.min(1, (m - k) * v));
    out[i] = running;
  });
  return out;
}
