import { type DecideOptions, decide, type Verdict } from "./decide.js";
import type { KernelSamples } from "./samples.js";

/** Deterministic 32-bit PRNG (mulberry32): the same seed gives the same trials on every machine. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal draws from a uniform source (Box-Muller, both values used). */
export function normalSource(uniform: () => number): () => number {
  let spare: number | undefined;
  return () => {
    if (spare !== undefined) {
      const s = spare;
      spare = undefined;
      return s;
    }
    let u = 0;
    while (u === 0) u = uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    const th = 2 * Math.PI * uniform();
    spare = r * Math.sin(th);
    return r * Math.cos(th);
  };
}

/** One simulated gate scenario. */
export interface Scenario {
  /** Number of kernels in the suite. */
  kernels: number;
  /** Run-to-run coefficient of variation of every kernel, in percent. */
  cvPct: number;
  /** Repetitions per side. */
  repetitions: number;
  /** True slowdown of the affected kernels, in percent. */
  effectPct: number;
  /** How many kernels (the first ones) carry the slowdown. @default all of them */
  slowKernels?: number;
  /** Number of independent gate runs. */
  trials: number;
  seed: number;
  options?: DecideOptions;
}

/** Tally over the trials of a scenario. */
export interface ScenarioOutcome {
  trials: number;
  /** Overall verdicts. */
  verdicts: Record<Verdict, number>;
  /** Trials whose FAIL named at least one truly slowed kernel and no unchanged one. */
  failedOnSlowOnly: number;
  /** Per-kernel verdicts summed over trials, split by whether the kernel was slowed. */
  slowKernelVerdicts: Record<Verdict, number>;
  unchangedKernelVerdicts: Record<Verdict, number>;
}

/**
 * Runs the gate on synthetic suites: each kernel has its own base time (spread over three
 * decades), lognormal noise with the given CV, and the first `slowKernels` kernels are slower by
 * `effectPct` in the candidate.
 */
export function simulateScenario(sc: Scenario): ScenarioOutcome {
  const rnd = mulberry32(sc.seed);
  const gauss = normalSource(rnd);
  const sigma = Math.sqrt(Math.log(1 + (sc.cvPct / 100) ** 2));
  const slow = sc.slowKernels ?? sc.kernels;
  const out: ScenarioOutcome = {
    trials: sc.trials,
    verdicts: { PASS: 0, FAIL: 0, INCONCLUSIVE: 0 },
    failedOnSlowOnly: 0,
    slowKernelVerdicts: { PASS: 0, FAIL: 0, INCONCLUSIVE: 0 },
    unchangedKernelVerdicts: { PASS: 0, FAIL: 0, INCONCLUSIVE: 0 },
  };
  // Lognormal with median `m`: m·exp(σZ); mean-preserving shifts do not matter for a shift test.
  const draw = (m: number) => m * Math.exp(sigma * gauss());
  for (let t = 0; t < sc.trials; t++) {
    const base: KernelSamples[] = [];
    const cand: KernelSamples[] = [];
    for (let k = 0; k < sc.kernels; k++) {
      const m = 1000 * 10 ** (3 * rnd());
      const factor = k < slow ? 1 + sc.effectPct / 100 : 1;
      const shape = `case=${k}`;
      base.push({
        kernel: `k${k}`,
        shape,
        unit: "ns",
        samples: Array.from({ length: sc.repetitions }, () => draw(m)),
      });
      cand.push({
        kernel: `k${k}`,
        shape,
        unit: "ns",
        samples: Array.from({ length: sc.repetitions }, () => draw(m * factor)),
      });
    }
    const r = decide(base, cand, sc.options);
    out.verdicts[r.verdict]++;
    let slowFail = false;
    let unchangedFail = false;
    r.kernels.forEach((d, k) => {
      const isSlow = k < slow && sc.effectPct !== 0;
      (isSlow ? out.slowKernelVerdicts : out.unchangedKernelVerdicts)[d.verdict]++;
      if (d.verdict === "FAIL") {
        if (isSlow) slowFail = true;
        else unchangedFail = true;
      }
    });
    if (slowFail && !unchangedFail) out.failedOnSlowOnly++;
  }
  return out;
}
