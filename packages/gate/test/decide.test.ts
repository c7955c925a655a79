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
