import { describe, expect, it } from "vitest";
import {
  coefficientOfVariation,
  erfc,
  exactUpperTail,
  hodgesLehmann,
  holmAdjust,
  intervalRank,
  mannWhitneyGreater,
  normalCdf,
  normalIsf,
  normalSf,
} from "../src/index.js";

/** All ways to pick which m of the m+n ranks belong to the baseline; U of the candidate for each. */
function enumerateU(m: number, n: number): number[] {
  const out: number[] = [];
  const pick = (start: number, chosen: number[]) => {
    if (chosen.length === m) {
      const isX = new Set(chosen);
      let u = 0;
      // Candidate value at rank r beats every baseline value with a lower rank.
      for (let r = 0; r < m + n; r++) if (!isX.has(r)) u += chosen.filter((c) => c < r).length;
      out.push(u);
      return;
    }
    for (let r = start; r < m + n; r++) pick(r + 1, [...chosen, r]);
  };
  pick(0, []);
  return out;
}

describe("normal distribution helpers", () => {
  it("GIVEN reference values from Python's math.erfc WHEN erfc is evaluated THEN it agrees to 1e-14 relative", () => {
    const ref: [number, number][] = [
      [0, 1.0],
      [0.1, 0.8875370839817152],
      [0.5, 0.4795001221869535],
      [1, 0.15729920705028513],
      [2, 0.004677734981047265],
      [2.9, 4.109787809945886e-5],
      [1.5, 0.033894853524689274],
      [2.5, 0.0004069520174449589],
      [3, 2.2090496998585438e-5],
      [3.5, 7.430983723414128e-7],
      [5, 1.5374597944280351e-12],
      [8, 1.1224297172982928e-29],
      [10, 2.088487583762545e-45],
    ];
    for (const [x, want] of ref) expect(Math.abs(erfc(x) - want) / want).toBeLessThan(1e-14);
    expect(erfc(-1)).toBeCloseTo(2 - 0.15729920705028513, 15);
  });

  it("GIVEN SciPy's norm.sf/cdf/isf values WHEN computed here THEN they agree", () => {
    expect(normalSf(3.7)).toBeCloseTo(0.00010779973347738823, 15);
    expect(normalCdf(-1.2)).toBeCloseTo(0.11506967022170822, 14);
    expect(normalIsf(0.025)).toBeCloseTo(1.9599639845400545, 10);
    expect(normalIsf(0.01)).toBeCloseTo(2.3263478740408408, 10);
  });
});

describe("Mann-Whitney U, one-sided (candidate slower)", () => {
  it("GIVEN two values per side, all candidate values larger WHEN tested THEN U = 4 and p = 1/C(4,2) = 1/6", () => {
    const r = mannWhitneyGreater([1, 2], [3, 4]);
    expect(r.u).toBe(4);
    expect(r.p).toBeCloseTo(1 / 6, 15);
    expect(r.method).toBe("exact");
  });

  it("GIVEN baseline [1,2,5] and candidate [3,1.5,4,6] WHEN tested THEN U counts pairs by hand: 8, p = 0.3142857 (SciPy exact)", () => {
    // candidate 3 beats 1,2; 1.5 beats 1; 4 beats 1,2; 6 beats 1,2,5 → 2+1+2+3 = 8
    const r = mannWhitneyGreater([1, 2, 5], [3, 1.5, 4, 6]);
    expect(r.u).toBe(8);
    expect(r.p).toBeCloseTo(0.3142857142857143, 14);
  });

  it.each([
    [4, 5],
    [3, 7],
    [6, 6],
    [1, 8],
  ])(
    "GIVEN m=%i, n=%i WHEN the exact null tail is built by recurrence THEN it equals brute-force enumeration of all rank sets",
    (m, n) => {
      const us = enumerateU(m, n);
      const sf = exactUpperTail(m, n);
      for (let u = 0; u <= m * n; u++) {
        const want = us.filter((v) => v >= u).length / us.length;
        expect(sf[u]).toBeCloseTo(want, 13);
      }
    },
  );

  it("GIVEN 10 vs 10 values without ties WHEN tested THEN U = 91, exact p = 0.000525016778886748 (SciPy method='exact')", () => {
    const x = [10.1, 10.4, 9.8, 10.0, 10.3, 10.2, 9.9, 10.5, 10.05, 10.15];
    const y = [10.6, 10.22, 10.9, 10.45, 10.7, 10.35, 10.8, 10.55, 11.0, 10.25];
    const r = mannWhitneyGreater(x, y);
    expect(r).toMatchObject({ u: 91, method: "exact", ties: false });
    expect(r.p).toBeCloseTo(0.000525016778886748, 14);
  });

  it("GIVEN 30 vs 25 values without ties WHEN tested THEN exact p matches SciPy (U = 545, p = 0.0018040455)", () => {
    const x = [
      51.5239, 48.4753, 47.5338, 50.6169, 52.5479, 48.9991, 48.7493, 50.589, 49.1593, 49.494, 49.6519, 50.532,
      49.5947, 50.2779, 49.8235, 49.1553, 49.6802, 49.0496, 50.0065, 48.8761, 48.9071, 51.457, 49.9468,
      49.9461, 50.5115, 49.5791, 49.7715, 50.4251, 50.2824, 48.8407,
    ];
    const y = [
      51.4333, 50.0096, 49.5439, 49.6995, 50.2095, 52.2273, 49.4245, 50.7601, 48.4622, 50.5984, 51.4996,
      50.3633, 49.9706, 50.8315, 51.3002, 51.2637, 52.5725, 50.8092, 50.0076, 50.474, 50.5275, 50.7087, 50.57,
      50.774, 48.9291,
    ];
    const r = mannWhitneyGreater(x, y);
    expect(r).toMatchObject({ u: 545, method: "exact" });
    expect(r.p).toBeCloseTo(0.0018040455093631823, 12);
  });

  it("GIVEN tied values WHEN tested THEN the normal approximation with tie and continuity correction matches SciPy (p = 0.0470054920)", () => {
    const x = [1, 2, 2, 3, 3, 3, 4, 5, 5, 6, 7, 7];
    const y = [2, 3, 4, 4, 5, 6, 6, 7, 8, 8, 9];
    const r = mannWhitneyGreater(x, y);
    expect(r).toMatchObject({ u: 93.5, method: "normal", ties: true });
    expect(r.p).toBeCloseTo(0.047005492003313123, 12);
  });

  it("GIVEN 60 vs 60 values with ties WHEN tested THEN the asymptotic p matches SciPy (U = 2426, p = 0.000513375795)", () => {
    const x = [
      100.69, 101.64, 100.66, 97.39, 101.81, 100.89, 98.93, 101.16, 100.73, 100.59, 100.06, 101.09, 98.53,
      99.67, 99.04, 101.2, 100.08, 99.42, 98.44, 99.49, 100.02, 99.45, 102.59, 102.01, 94.58, 96.22, 99.65,
      99.16, 100.43, 100.43, 104.24, 97.78, 99.24, 104.09, 101.29, 101.33, 98.97, 96.7, 100.33, 100.22, 97.55,
      98.63, 99.86, 98.11, 99.8, 100.19, 100.07, 98.99, 101.19, 101.78, 100.64, 98.36, 101.46, 99.0, 101.76,
      97.86, 101.83, 99.96, 97.5, 99.37,
    ];
    const y = [
      101.11, 101.55, 99.04, 98.79, 101.4, 100.07, 101.47, 102.52, 97.7, 101.51, 103.45, 100.4, 99.38, 102.5,
      101.51, 102.79, 100.31, 98.04, 100.78, 100.11, 102.55, 101.39, 97.74, 98.61, 102.77, 102.36, 99.72,
      101.0, 101.89, 101.94, 102.75, 101.51, 100.81, 100.48, 103.11, 96.5, 100.72, 101.07, 98.15, 101.67,
      99.7, 102.72, 100.75, 102.34, 103.44, 101.77, 99.25, 97.97, 104.51, 100.78, 99.62, 101.29, 100.62,
      102.7, 101.07, 101.03, 99.57, 101.94, 98.93, 102.33,
    ];
    const r = mannWhitneyGreater(x, y);
    expect(r).toMatchObject({ u: 2426, method: "normal" });
    expect(r.p).toBeCloseTo(0.0005133757945042929, 12);
  });

  it("GIVEN identical constant samples WHEN tested THEN p = 1 (no evidence of a slowdown)", () => {
    expect(mannWhitneyGreater(Array(12).fill(5), Array(12).fill(5)).p).toBe(1);
  });

  it("GIVEN a faster candidate WHEN tested THEN p is near 1, not near 0 (the test is one-sided)", () => {
    expect(mannWhitneyGreater([5, 6, 7, 8, 9], [1, 2, 3, 4, 4.5]).p).toBeCloseTo(1, 12);
  });
});

describe("Hodges-Lehmann shift", () => {
  it("GIVEN 10 vs 10 values WHEN estimated THEN the shift is the median of the 100 pairwise differences (0.45, NumPy)", () => {
    const x = [10.1, 10.4, 9.8, 10.0, 10.3, 10.2, 9.9, 10.5, 10.05, 10.15];
    const y = [10.6, 10.22, 10.9, 10.45, 10.7, 10.35, 10.8, 10.55, 11.0, 10.25];
    expect(hodgesLehmann(x, y).shift).toBeCloseTo(0.45, 12);
  });

  it("GIVEN baseline [1,2,3] and candidate [2,4,6] WHEN estimated THEN the 9 differences -1,0,1,1,2,2,3,4,5 give shift 2", () => {
    expect(hodgesLehmann([1, 2, 3], [2, 4, 6]).shift).toBe(2);
  });

  it("GIVEN a pure location shift of +7 WHEN estimated THEN the shift is exactly 7 and the interval contains it", () => {
    const x = [3, 9, 1, 12, 7, 4, 15, 8, 2, 11];
    const y = x.map((v) => v + 7);
    const e = hodgesLehmann(x, y, 0.9);
    expect(e.shift).toBe(7);
    expect(e.low).toBeLessThanOrEqual(7);
    expect(e.high).toBeGreaterThanOrEqual(7);
  });

  it.each([
    [5, 6, 0.9],
    [4, 4, 0.9],
    [6, 7, 0.98],
  ])(
    "GIVEN m=%i, n=%i, confidence %f WHEN the interval rank is chosen THEN it is the largest k with P(U ≤ k−1) ≤ (1−c)/2 by enumeration",
    (m, n, c) => {
      const us = enumerateU(m, n);
      const cdf = (k: number) => us.filter((u) => u <= k).length / us.length;
      let want = 0;
      while (cdf(want) <= (1 - c) / 2) want++;
      expect(intervalRank(m, n, c)).toBe(want);
    },
  );

  it("GIVEN 2 vs 2 values WHEN a 90% interval is asked THEN it is unbounded (no rank set is rare enough)", () => {
    const e = hodgesLehmann([1, 2], [3, 4], 0.9);
    expect(e.low).toBe(Number.NEGATIVE_INFINITY);
    expect(e.high).toBe(Number.POSITIVE_INFINITY);
  });

  it("GIVEN the sample [2,4,4,4,5,5,7,9] WHEN its CV is computed THEN it is s/mean with the n−1 denominator", () => {
    // mean 5, Σ(v−5)² = 32, s = √(32/7)
    expect(coefficientOfVariation([2, 4, 4, 4, 5, 5, 7, 9])).toBeCloseTo(Math.sqrt(32 / 7) / 5, 14);
  });
});

describe("Holm-Bonferroni", () => {
  it("GIVEN p = (0.01, 0.04, 0.03, 0.005) WHEN adjusted THEN sorted steps 4·0.005, 3·0.01, 2·0.03, max(1·0.04, 0.06) give (0.03, 0.06, 0.06, 0.02)", () => {
    const adj = holmAdjust([0.01, 0.04, 0.03, 0.005]);
    expect(adj.map((v) => Number(v.toFixed(12)))).toEqual([0.03, 0.06, 0.06, 0.02]);
  });

  it("GIVEN the textbook four tests at α=0.05, p = (0.01, 0.04, 0.03, 0.005) WHEN Holm is applied THEN exactly the two smallest are rejected", () => {
    const adj = holmAdjust([0.01, 0.04, 0.03, 0.005]);
    expect(adj.map((v) => v <= 0.05)).toEqual([true, false, false, true]);
  });

  it("GIVEN large p-values WHEN adjusted THEN they are capped at 1 and stay monotone in p", () => {
    const p = [0.5, 0.3, 0.9, 0.2];
    const adj = holmAdjust(p);
    expect(Math.max(...adj)).toBeLessThanOrEqual(1);
    const order = [3, 1, 0, 2];
    for (let i = 1; i < order.length; i++)
      expect(adj[order[i]!]!).toBeGreaterThanOrEqual(adj[order[i - 1]!]!);
  });

  it("GIVEN no tests WHEN adjusted THEN the result is empty", () => {
    expect(holmAdjust([])).toEqual([]);
  });
});
