import { describe, expect, it } from "vitest";
import { decide, type KernelSamples } from "../src/index.js";

/** Deterministic samples: base·(1 + cv·zᵢ) with fixed pseudo-normal z (a spread of ±~1.6). */
function series(base: number, n: number, cvPct: number, phase = 0): number[] {
  return Array.from({ length: n }, (_, i) => base * (1 + (cvPct / 100) * Math.sin(1.7 * i + phase) * 1.4));
}

function ks(kernel: string, samples: number[], shape = "m=1,n=1536,k=5120"): KernelSamples {
  return { kernel, shape, unit: "ns", samples };
}

describe("decide", () => {
  it("GIVEN one kernel 10% slower and two unchanged WHEN decided THEN that kernel FAILs with its numbers and the gate FAILs", () => {
    const base = [
      ks("gemm_qkv", series(1000, 20, 1)),
      ks("rmsnorm", series(50, 20, 1, 1)),
      ks("rope", series(80, 20, 1, 2)),
    ];
    const cand = [
      ks("gemm_qkv", series(1100, 20, 1, 0.5)),
      ks("rmsnorm", series(50, 20, 1, 1.5)),
      ks("rope", series(80, 20, 1, 2.5)),
    ];
    const r = decide(base, cand);
    expect(r.verdict).toBe("FAIL");
    const gemm = r.kernels.find((k) => k.kernel === "gemm_qkv")!;
    expect(gemm.verdict).toBe("FAIL");
    expect(gemm.nBaseline).toBe(20);
    expect(gemm.nCandidate).toBe(20);
    expect(gemm.shiftPct).toBeGreaterThan(8);
    expect(gemm.shiftPct).toBeLessThan(12);
    expect(gemm.pAdjusted).toBeLessThanOrEqual(0.01);
    expect(gemm.thresholdPct).toBe(3); // 2 × CV (~1%) is below the 3% floor
    expect(gemm.ciLowPct).toBeGreaterThan(3);
    expect(gemm.reason).toMatch(/slower by \+\d+\.\d\d%.*above the 3\.00% threshold/);
    expect(r.kernels.filter((k) => k.kernel !== "gemm_qkv").map((k) => k.verdict)).toEqual(["PASS", "PASS"]);
    expect(r.counts).toEqual({ PASS: 2, FAIL: 1, INCONCLUSIVE: 0 });
  });

  it("GIVEN unchanged kernels WHEN decided THEN every kernel PASSes with the upper bound below the threshold", () => {
    const base = [ks("a", series(100, 15, 1)), ks("b", series(900, 15, 1.5, 1))];
    const cand = [ks("a", series(100, 15, 1, 0.3)), ks("b", series(900, 15, 1.5, 1.3))];
    const r = decide(base, cand);
    expect(r.verdict).toBe("PASS");
    for (const k of r.kernels) {
      expect(k.verdict).toBe("PASS");
      expect(k.ciHighPct!).toBeLessThan(k.thresholdPct!);
    }
  });

  it("GIVEN a baseline with one wild repetition (CV far above 10%) and a 4x slowdown WHEN decided THEN it never PASSes", () => {
    // Seen on a loaded CPU: the outlier inflated 2 x CV to 660%, wide enough to hide a +310% kernel.
    const base = series(100, 20, 1);
    base[7] = 10_000;
    const r = decide([ks("rmsnorm", base)], [ks("rmsnorm", series(410, 20, 1, 0.4))]);
    const k = r.kernels[0]!;
    expect(k.baselineCvPct!).toBeGreaterThan(100);
    expect(k.verdict).not.toBe("PASS");
    expect(r.verdict).not.toBe("PASS");
    expect(k.reason).toMatch(/baseline too noisy to pass on: CV \d+\.\d% > 10%/);
  });

  it("GIVEN a noisy baseline and --max-baseline-cv raised WHEN decided THEN the operator's limit applies", () => {
    const base = series(100, 20, 12);
    const r = decide([ks("a", base)], [ks("a", series(100, 20, 12, 0.2))], { maxBaselineCvPct: 30 });
    expect(r.kernels[0]!.baselineCvPct!).toBeGreaterThan(10);
    expect(r.kernels[0]!.verdict).toBe("PASS");
    expect(decide([ks("a", base)], [ks("a", series(100, 20, 12, 0.2))]).kernels[0]!.verdict).toBe(
      "INCONCLUSIVE",
    );
  });

  it("GIVEN a big slowdown but only 9 repetitions on one side WHEN decided THEN the kernel is INCONCLUSIVE, never PASS or FAIL", () => {
    const r = decide([ks("a", series(100, 20, 1))], [ks("a", series(150, 9, 1))]);
    expect(r.verdict).toBe("INCONCLUSIVE");
    expect(r.kernels[0]!.reason).toMatch(
      /too few repetitions \(baseline 20, candidate 9; need 10 per side\)/,
    );
    expect(r.kernels[0]!.shiftPct).toBeGreaterThan(40); // numbers are still reported
    expect(r.kernels[0]!.pAdjusted).toBeNull();
  });

  it("GIVEN a kernel missing on either side WHEN decided THEN it is INCONCLUSIVE with the side named", () => {
    const r = decide(
      [ks("a", series(100, 12, 1)), ks("old", series(100, 12, 1))],
      [ks("a", series(100, 12, 1, 1)), ks("new", series(100, 12, 1))],
    );
    const by = Object.fromEntries(r.kernels.map((k) => [k.kernel, k]));
    expect(by.old!.verdict).toBe("INCONCLUSIVE");
    expect(by.old!.reason).toMatch(/missing from the candidate/);
    expect(by.new!.verdict).toBe("INCONCLUSIVE");
    expect(by.new!.reason).toMatch(/no baseline samples/);
    expect(r.verdict).toBe("INCONCLUSIVE");
  });

  it("GIVEN the same kernel at two shapes WHEN decided THEN they are separate cases", () => {
    const r = decide(
      [ks("gemm", series(100, 10, 1), "m=1"), ks("gemm", series(900, 10, 1), "m=512")],
      [ks("gemm", series(100, 10, 1, 1), "m=1"), ks("gemm", series(1200, 10, 1), "m=512")],
    );
    expect(r.kernels.map((k) => [k.shape, k.verdict])).toEqual([
      ["m=1", "PASS"],
      ["m=512", "FAIL"],
    ]);
  });

  it("GIVEN a benchmark error in the candidate WHEN decided THEN the kernel is INCONCLUSIVE quoting the error", () => {
    const r = decide(
      [ks("a", series(100, 10, 1))],
      [{ ...ks("a", series(100, 10, 1)), errors: ["CUDA out of memory"] }],
    );
    expect(r.kernels[0]!.verdict).toBe("INCONCLUSIVE");
    expect(r.kernels[0]!.reason).toContain("candidate: CUDA out of memory");
  });

  it("GIVEN a shift above the threshold that is not significant WHEN decided THEN INCONCLUSIVE (not FAIL, not PASS)", () => {
    // Shift of 3 on values spread over 100..109: about 2.9%, clearly above a 2% threshold, but the
    // rank test cannot separate overlapping samples of 10.
    const x = [100, 101, 102, 103, 104, 105, 106, 107, 108, 109];
    const y = x.map((v) => v + 3);
    const r = decide([ks("a", x)], [ks("a", y)], { minEffectPct: 2, cvMultiplier: 0 });
    const k = r.kernels[0]!;
    expect(k.shiftPct!).toBeGreaterThan(2);
    expect(k.pAdjusted!).toBeGreaterThan(0.01);
    expect(k.verdict).toBe("INCONCLUSIVE");
    expect(k.reason).toMatch(/not significant after Holm/);
  });

  it("GIVEN a significant slowdown below the threshold WHEN decided THEN PASS: significance alone never FAILs", () => {
    // 1% slower with 0.1% noise: p is tiny, but 1% < 3%.
    const r = decide([ks("a", series(1000, 20, 0.1))], [ks("a", series(1010, 20, 0.1, 0.7))]);
    const k = r.kernels[0]!;
    expect(k.p!).toBeLessThan(1e-6);
    expect(k.verdict).toBe("PASS");
  });

  it("GIVEN a noisy baseline (CV ~5%) WHEN decided THEN the threshold is 2 × CV, not the 3% floor", () => {
    const r = decide([ks("a", series(100, 20, 5))], [ks("a", series(100, 20, 5, 1))]);
    const k = r.kernels[0]!;
    expect(k.thresholdPct).toBeCloseTo(2 * k.baselineCvPct!, 12);
    expect(k.thresholdPct!).toBeGreaterThan(6);
  });

  it("GIVEN samples of one case split over two files WHEN decided THEN they are concatenated (interleaved rounds)", () => {
    const r = decide(
      [ks("a", series(100, 5, 1)), ks("a", series(100, 5, 1, 2))],
      [ks("a", series(100, 5, 1, 1)), ks("a", series(100, 5, 1, 3))],
    );
    expect(r.kernels).toHaveLength(1);
    expect(r.kernels[0]).toMatchObject({ nBaseline: 10, nCandidate: 10, verdict: "PASS" });
  });

  it("GIVEN Holm across many kernels WHEN one kernel's evidence is only moderately strong THEN the correction can turn FAIL into INCONCLUSIVE", () => {
    // Shift of 4.5 on 100..109: raw p = 0.0034 (exact), ×31 kernels after Holm > 0.01.
    const x = [100, 101, 102, 103, 104, 105, 106, 107, 108, 109];
    const y = x.map((v) => v + 4.5);
    const opts = { minEffectPct: 2, cvMultiplier: 0 };
    const alone = decide([ks("a", x)], [ks("a", y)], opts).kernels[0]!;
    const others = Array.from({ length: 30 }, (_, i) => ks(`z${i}`, series(100, 10, 2, i)));
    const many = decide([ks("a", x), ...others], [ks("a", y), ...others], opts).kernels[0]!;
    expect(alone.p).toBeCloseTo(0.003420727878932213, 14);
    expect(alone.p).toBe(many.p);
    expect(many.pAdjusted!).toBeGreaterThan(alone.pAdjusted!);
    expect(alone.verdict).toBe("FAIL");
    expect(many.verdict).toBe("INCONCLUSIVE");
  });

  it("GIVEN nothing to compare WHEN decided THEN the gate is INCONCLUSIVE, never PASS", () => {
    expect(decide([], []).verdict).toBe("INCONCLUSIVE");
  });
});

/** `n` identical repetitions: a noiseless kernel, so shift, interval and CV are exact. */
const flat = (ns: number, n = 10) => Array.from({ length: n }, () => ns);

describe("decide: boundaries and the exact reasons", () => {
  it("GIVEN a noiseless candidate exactly at the 3% threshold, significant WHEN decided THEN neither FAIL nor PASS: the interval reaches the threshold", () => {
    // shift = interval = +3.00% exactly; FAIL needs shift > threshold, PASS needs upper end < threshold.
    const k = decide([ks("a", flat(100_000))], [ks("a", flat(103_000))]).kernels[0]!;
    expect([k.shiftPct, k.ciLowPct, k.ciHighPct, k.thresholdPct, k.baselineCvPct]).toEqual([3, 3, 3, 3, 0]);
    expect(k.pAdjusted!).toBeLessThan(0.01);
    expect(k.verdict).toBe("INCONCLUSIVE");
    expect(k.reason).toBe(
      "cannot rule out a slowdown of 3.00%: 98% CI +3.00%..+3.00% reaches past it; add repetitions or reduce noise",
    );
  });

  it("GIVEN a noiseless candidate 3.5% slower WHEN decided THEN FAIL, the reason quoting shift, interval, threshold and the p-value in exponent form", () => {
    const k = decide([ks("a", flat(100_000))], [ks("a", flat(103_500))]).kernels[0]!;
    expect(k.verdict).toBe("FAIL");
    expect(k.p!).toBeLessThan(1e-4);
    expect(k.reason).toBe(
      `slower by +3.50% (98% CI +3.50%..+3.50%), above the 3.00% threshold; p=${k.pAdjusted!.toExponential(1)} after Holm ≤ α=0.01`,
    );
    expect(k.reason).toMatch(/p=\d\.\de-\d+ after Holm/);
  });

  it("GIVEN noiseless candidates slightly faster, a hair faster, a hair slower and equal WHEN decided THEN PASS and the shift is printed with its sign, tiny shifts as +0.00%", () => {
    const reason = (ns: number) => decide([ks("a", flat(100_000))], [ks("a", flat(ns))]).kernels[0]!;
    const faster = reason(98_500);
    expect(faster.verdict).toBe("PASS");
    expect(faster.reason).toBe("shift -1.50%; upper bound -1.50% is below the 3.00% threshold");
    expect(faster.ciLowPct).toBe(-1.5);
    expect(reason(99_999).reason).toBe("shift +0.00%; upper bound +0.00% is below the 3.00% threshold");
    expect(reason(100_000).reason).toBe("shift +0.00%; upper bound +0.00% is below the 3.00% threshold");
    // 0.005% is where two decimals round up: printed +0.01%, not hidden as +0.00%.
    expect(reason(100_005).shiftPct).toBe(0.005);
    expect(reason(100_005).reason).toBe("shift +0.01%; upper bound +0.01% is below the 3.00% threshold");
    expect(reason(100_004).reason).toBe("shift +0.00%; upper bound +0.00% is below the 3.00% threshold");
  });

  it("GIVEN α set exactly to the adjusted p-value WHEN decided THEN significant (p ≤ α FAILs), and just below it THEN not", () => {
    const x = [100, 101, 102, 103, 104, 105, 106, 107, 108, 109];
    const y = x.map((v) => v + 4.5);
    const opts = { minEffectPct: 2, cvMultiplier: 0 };
    const p = decide([ks("a", x)], [ks("a", y)], opts).kernels[0]!.pAdjusted!;
    const at = decide([ks("a", x)], [ks("a", y)], { ...opts, alpha: p }).kernels[0]!;
    expect(at.verdict).toBe("FAIL");
    expect(at.reason).toContain(`p=${p.toPrecision(2)} after Holm ≤ α=${p}`);
    const below = decide([ks("a", x)], [ks("a", y)], { ...opts, alpha: p * 0.999 }).kernels[0]!;
    expect(below.verdict).toBe("INCONCLUSIVE");
    expect(below.reason).toBe(
      `shift +${below.shiftPct!.toFixed(2)}% is above the 2.00% threshold but not significant after Holm (p=0.0034 > α=${p * 0.999}); add repetitions`,
    );
  });

  it("GIVEN a threshold set exactly to the interval's upper end WHEN decided THEN not PASS (the bound must be strictly below)", () => {
    const base = [ks("a", series(1000, 20, 1))];
    const cand = [ks("a", series(1000, 20, 1, 0.5))];
    const first = decide(base, cand, { cvMultiplier: 0 }).kernels[0]!;
    expect(first.verdict).toBe("PASS");
    const hi = first.ciHighPct!;
    const at = decide(base, cand, { cvMultiplier: 0, minEffectPct: hi }).kernels[0]!;
    expect(at.thresholdPct).toBe(hi);
    expect(at.verdict).toBe("INCONCLUSIVE");
    expect(at.reason).toMatch(/^cannot rule out a slowdown of /);
    // The noisy-baseline refusal speaks only for a kernel that would otherwise PASS.
    const strict = decide(base, cand, { cvMultiplier: 0, minEffectPct: hi, maxBaselineCvPct: 0 }).kernels[0]!;
    expect(strict.reason).toBe(at.reason);
  });

  it("GIVEN the largest baseline CV set exactly to the baseline's CV WHEN decided THEN PASS (the limit is inclusive); just below it THEN too noisy", () => {
    const base = [ks("a", series(1000, 20, 1))];
    const cand = [ks("a", series(1000, 20, 1, 0.5))];
    const cv = decide(base, cand).kernels[0]!.baselineCvPct!;
    expect(decide(base, cand, { maxBaselineCvPct: cv }).kernels[0]!.verdict).toBe("PASS");
    const noisy = decide(base, cand, { maxBaselineCvPct: cv * 0.999 }).kernels[0]!;
    expect(noisy.verdict).toBe("INCONCLUSIVE");
    expect(noisy.reason).toMatch(/^baseline too noisy to pass on: CV \d\.\d% > /);
  });

  it("GIVEN a noisy baseline judged against a fixed 3% threshold and an unchanged kernel WHEN decided THEN 'cannot rule out', not 'too noisy' (it would not PASS anyway)", () => {
    const k = decide([ks("a", series(100, 10, 12))], [ks("a", series(100, 10, 12, 0.3))], { cvMultiplier: 0 }).kernels[0]!;
    expect(k.baselineCvPct!).toBeGreaterThan(10);
    expect(k.ciHighPct!).toBeGreaterThan(3);
    expect(k.shiftPct!).toBeLessThan(3);
    expect(k.reason).toMatch(/^cannot rule out a slowdown of 3\.00%: 98% CI [-+]\d+\.\d\d%\.\.\+\d+\.\d\d% reaches past it/);
  });

  it("GIVEN an empty baseline or an empty candidate WHEN decided THEN too few repetitions and no statistics at all", () => {
    for (const [b, c] of [
      [[], flat(100, 12)],
      [flat(100, 12), []],
    ] as const) {
      const k = decide([ks("a", [...b])], [ks("a", [...c])]).kernels[0]!;
      expect(k.verdict).toBe("INCONCLUSIVE");
      expect(k.reason).toBe(`too few repetitions (baseline ${b.length}, candidate ${c.length}; need 10 per side)`);
      expect([k.baselineMedianNs, k.candidateMedianNs, k.baselineCvPct, k.u, k.p, k.method, k.shiftPct]).toEqual([
        null, null, null, null, null, null, null,
      ]);
      expect([k.ciLowPct, k.ciHighPct, k.thresholdPct, k.pAdjusted]).toEqual([null, null, null, null]);
    }
  });

  it("GIVEN 9 baseline repetitions and 20 candidate ones WHEN decided THEN too few repetitions, exactly worded", () => {
    const k = decide([ks("a", series(100, 9, 1))], [ks("a", series(150, 20, 1))]).kernels[0]!;
    expect(k.verdict).toBe("INCONCLUSIVE");
    expect(k.reason).toBe("too few repetitions (baseline 9, candidate 20; need 10 per side)");
    expect(k.pAdjusted).toBeNull();
  });

  it("GIVEN too few repetitions and notes from the benchmark WHEN decided THEN the first note (baseline's before candidate's) ends the reason", () => {
    const few = (notes?: string[]): KernelSamples => ({ ...ks("a", series(100, 5, 1)), ...(notes ? { notes } : {}) });
    const reason = (b?: string[], c?: string[]) => decide([few(b)], [few(c)]).kernels[0]!.reason;
    const head = "too few repetitions (baseline 5, candidate 5; need 10 per side)";
    expect(reason(undefined, ["stopped at the time budget"])).toBe(`${head}: stopped at the time budget`);
    expect(reason(["baseline cut short"], ["stopped at the time budget"])).toBe(`${head}: baseline cut short`);
    expect(reason(["baseline cut short"], undefined)).toBe(`${head}: baseline cut short`);
    expect(reason()).toBe(head);
  });

  it("GIVEN benchmark errors on both sides WHEN decided THEN every error is quoted with its side, baseline first", () => {
    const r = decide(
      [{ ...ks("a", series(100, 10, 1)), errors: ["driver reset"] }],
      [{ ...ks("a", series(100, 10, 1)), errors: ["CUDA out of memory", "timeout"] }],
    );
    expect(r.kernels[0]!.verdict).toBe("INCONCLUSIVE");
    expect(r.kernels[0]!.reason).toBe(
      "the benchmark reported an error (baseline: driver reset; candidate: CUDA out of memory; candidate: timeout)",
    );
    expect(r.kernels[0]!.pAdjusted).toBeNull();
  });

  it("GIVEN no options WHEN decided THEN the documented defaults are in force and reported", () => {
    expect(decide([], []).options).toEqual({
      alpha: 0.01,
      minEffectPct: 3,
      cvMultiplier: 2,
      minRepetitions: 10,
      confidence: 0.98,
      maxBaselineCvPct: 10,
    });
    expect(decide([], [], { alpha: 0.05 }).options.alpha).toBe(0.05);
  });
});
