import { describe, expect, it } from "vitest";
import { simulateScenario } from "../src/index.js";

// Seeded Monte-Carlo runs of the whole gate: 20 kernels, lognormal noise, base times spread over
// three decades. Trial counts are chosen so that the asserted rates are supported, not just
// observed: 0 false FAILs in 3000 trials bounds the rate below 0.1% at 95% confidence (rule of
// three), and ≥ 99% detection is asserted on 500 trials.
const suite = { kernels: 20, cvPct: 2, repetitions: 20 };

describe("gate detection power (seeded simulation)", () => {
  it("GIVEN no change (20 kernels, CV 2%, 20 reps) over 3000 trials WHEN gated THEN at most 0.1% of runs FAIL", () => {
    const r = simulateScenario({ ...suite, effectPct: 0, trials: 3000, seed: 1 });
    expect(r.verdicts.FAIL / r.trials).toBeLessThanOrEqual(0.001);
    // Unchanged suites should mostly pass outright, or the gate is useless in practice.
    expect(r.verdicts.PASS / r.trials).toBeGreaterThan(0.9);
  });

  it("GIVEN every kernel 5% slower (e.g. a wrong build flag) over 500 trials WHEN gated THEN at least 99% of runs FAIL", () => {
    const r = simulateScenario({ ...suite, effectPct: 5, trials: 500, seed: 2 });
    expect(r.verdicts.FAIL / r.trials).toBeGreaterThanOrEqual(0.99);
    expect(r.verdicts.PASS).toBe(0);
  });

  it("GIVEN one kernel of 20 5% slower over 1000 trials WHEN gated THEN ≥ 99% of runs are blocked and most FAILs name only that kernel", () => {
    const r = simulateScenario({ ...suite, effectPct: 5, slowKernels: 1, trials: 1000, seed: 3 });
    // Blocked = FAIL or INCONCLUSIVE (exit 1 or 3): the rollout does not proceed.
    expect((r.verdicts.FAIL + r.verdicts.INCONCLUSIVE) / r.trials).toBeGreaterThanOrEqual(0.99);
    // The FAIL rate per single kernel is bounded by the threshold max(3%, 2 × CV ≈ 4%): a 5% shift
    // estimated with ~0.65% noise lands above a ~4% threshold in roughly 85% of runs.
    expect(r.failedOnSlowOnly / r.trials).toBeGreaterThanOrEqual(0.8);
    expect(r.unchangedKernelVerdicts.FAIL).toBe(0);
  });

  it("GIVEN ambiguous inputs (3.5% slower, CV 5%, 9 repetitions) over 300 trials WHEN gated THEN no run PASSes", () => {
    const r = simulateScenario({
      kernels: 5,
      cvPct: 5,
      repetitions: 9,
      effectPct: 3.5,
      trials: 300,
      seed: 4,
    });
    expect(r.verdicts.PASS).toBe(0);
    expect(r.verdicts.FAIL).toBe(0);
  });

  it("GIVEN a 6% slowdown (1.5 × the ~4% threshold) with only the minimum 10 repetitions over 500 trials WHEN gated THEN no run PASSes", () => {
    const r = simulateScenario({ kernels: 1, cvPct: 2, repetitions: 10, effectPct: 6, trials: 500, seed: 5 });
    expect(r.verdicts.PASS).toBe(0);
  });
});
