import { coefficientOfVariation, hodgesLehmann, medianOf } from "./hodges-lehmann.js";
import { holmAdjust } from "./holm.js";
import { mannWhitneyGreater } from "./mann-whitney.js";
import { caseKey, type KernelSamples, mergeSamples } from "./samples.js";

/** Outcome for one kernel or for the whole gate. */
export type Verdict = "PASS" | "FAIL" | "INCONCLUSIVE";

/** Knobs of the decision rule. Every default is the documented gate of docs/design.md "Kernel gate". */
export interface DecideOptions {
  /**
   * Family-wise error rate across all kernels (Holm-Bonferroni).
   * @default 0.01 — a rollout blocked by noise costs an operator's time; at 1% family-wise, a
   * suite of 50 kernels raises a false significance less than once in a hundred runs.
   */
  alpha?: number;
  /**
   * Smallest slowdown that may FAIL, in percent of the baseline median.
   * @default 3 — below that, run-to-run drift of clocks and thermals is not worth a blocked rollout.
   */
  minEffectPct?: number;
  /**
   * The effect threshold is at least this many baseline CVs.
   * @default 2 — a noisy kernel cannot be judged finer than its own spread.
   */
  cvMultiplier?: number;
  /**
   * Fewest repetitions per side for a decision; fewer is INCONCLUSIVE.
   * @default 10 — below that the rank test cannot reach α after correction across kernels.
   */
  minRepetitions?: number;
  /**
   * Two-sided confidence of the reported shift interval. PASS needs the interval's upper end
   * (a (1+confidence)/2 one-sided upper bound) below the threshold.
   * @default 0.98 — PASS needs 99% confidence that the kernel is not slower than the threshold,
   * the mirror of α = 1% for FAIL. At 0.9 a kernel truly 5% slower passed in about 0.7% of
   * simulated runs (CV 2%, 20 repetitions); at 0.98 in about 0.1% (see docs/kernel-gate.md).
   */
  confidence?: number;
  /**
   * Largest baseline CV (percent) a PASS may rest on. The threshold grows with the baseline's CV,
   * so one wild repetition in the baseline would otherwise widen it until a real regression
   * "passes" (seen on a loaded CPU: CV 330%, threshold 660%, a 4x slowdown inside it).
   * @default 10 — GPU kernels measure at 1-3% CV; above 10% the baseline says more about the
   * machine than the kernel, so the kernel is INCONCLUSIVE until the baseline is re-recorded.
   */
  maxBaselineCvPct?: number;
}

/** Everything the gate concluded about one kernel at one shape, with the numbers behind it. */
export interface KernelDecision {
  kernel: string;
  shape: string;
  verdict: Verdict;
  /** One sentence on why, naming the numbers that decided it. */
  reason: string;
  nBaseline: number;
  nCandidate: number;
  /** Medians in ns (null when a side has no samples). */
  baselineMedianNs: number | null;
  candidateMedianNs: number | null;
  /** Baseline coefficient of variation in percent. */
  baselineCvPct: number | null;
  /** Mann-Whitney U of the candidate (pairs where candidate > baseline, ties ½). */
  u: number | null;
  /** One-sided p-value (candidate slower), before correction. */
  p: number | null;
  /** Holm-adjusted p-value; null when the kernel was not part of the tested family. */
  pAdjusted: number | null;
  method: "exact" | "normal" | null;
  /** Hodges-Lehmann shift in percent of the baseline median (positive: slower). */
  shiftPct: number | null;
  /** Confidence interval of the shift in percent ([−∞, +∞] when unbounded). */
  ciLowPct: number | null;
  ciHighPct: number | null;
  /** The slowdown that FAILs: max(minEffectPct, cvMultiplier × baseline CV), in percent. */
  thresholdPct: number | null;
}

/** The gate's answer: per-kernel decisions and the overall verdict. */
export interface GateResult {
  /** FAIL if any kernel FAILs; else INCONCLUSIVE if any is; else PASS. */
  verdict: Verdict;
  kernels: KernelDecision[];
  /** The options in force, defaults filled in. */
  options: Required<DecideOptions>;
  counts: Record<Verdict, number>;
}

export const DEFAULT_DECIDE_OPTIONS: Required<DecideOptions> = {
  alpha: 0.01,
  minEffectPct: 3,
  cvMultiplier: 2,
  minRepetitions: 10,
  confidence: 0.98,
  maxBaselineCvPct: 10,
};

function fmtPct(v: number): string {
  if (Math.abs(v) < 0.005) return "+0.00%";
  return `${v >= 0 ? "+" : ""}${v.toFixed(2)}%`;
}

function fmtP(p: number): string {
  return p < 1e-4 ? p.toExponential(1) : p.toPrecision(2);
}

/** A decision with no statistics yet; every path of {@link decide} then sets its verdict and reason. */
function blank(kernel: string, shape: string, nb: number, nc: number): KernelDecision {
  return {
    kernel,
    shape,
    verdict: "INCONCLUSIVE",
    reason: "",
    nBaseline: nb,
    nCandidate: nc,
    baselineMedianNs: null,
    candidateMedianNs: null,
    baselineCvPct: null,
    u: null,
    p: null,
    pAdjusted: null,
    method: null,
    shiftPct: null,
    ciLowPct: null,
    ciHighPct: null,
    thresholdPct: null,
  };
}

/**
 * The kernel gate. Per kernel: one-sided Mann-Whitney U (candidate slower), Holm-Bonferroni
 * across the kernels that have enough repetitions, Hodges-Lehmann shift with its interval.
 * FAIL when significant after Holm AND the shift exceeds max(minEffect, 2 × baseline CV);
 * PASS only when the interval's upper end is below that threshold; INCONCLUSIVE otherwise,
 * and whenever a side has fewer than `minRepetitions` samples, lacks the kernel, or reported
 * an error. Cases appearing several times on a side are concatenated first.
 */
export function decide(
  baseline: readonly KernelSamples[],
  candidate: readonly KernelSamples[],
  opts: DecideOptions = {},
): GateResult {
  const o: Required<DecideOptions> = { ...DEFAULT_DECIDE_OPTIONS, ...opts };
  const base = new Map(mergeSamples([...baseline]).map((s) => [caseKey(s), s]));
  const cand = new Map(mergeSamples([...candidate]).map((s) => [caseKey(s), s]));
  const keys = [...new Set([...base.keys(), ...cand.keys()])];

  const decisions: KernelDecision[] = [];
  const family: number[] = []; // indexes into decisions that take part in Holm
  for (const key of keys) {
    const b = base.get(key);
    const c = cand.get(key);
    const any = (b ?? c)!;
    const d = blank(any.kernel, any.shape, b?.samples.length ?? 0, c?.samples.length ?? 0);
    decisions.push(d);
    if (!b) {
      d.reason = "no baseline samples for this kernel and shape (new case?); record a baseline";
      continue;
    }
    if (!c) {
      d.reason = "missing from the candidate run (kernel not run or renamed)";
      continue;
    }
    const x = b.samples;
    const y = c.samples;
    if (x.length > 0 && y.length > 0) {
      const bm = medianOf(x);
      const hl = hodgesLehmann(x, y, o.confidence);
      const mw = mannWhitneyGreater(x, y);
      const cv = coefficientOfVariation(x) * 100;
      Object.assign(d, {
        baselineMedianNs: bm,
        candidateMedianNs: medianOf(y),
        baselineCvPct: cv,
        u: mw.u,
        p: mw.p,
        method: mw.method,
        shiftPct: (100 * hl.shift) / bm,
        ciLowPct: (100 * hl.low) / bm,
        ciHighPct: (100 * hl.high) / bm,
        thresholdPct: Math.max(o.minEffectPct, o.cvMultiplier * cv),
      });
    }
    const errors = [
      ...(b.errors ?? []).map((e) => `baseline: ${e}`),
      ...(c.errors ?? []).map((e) => `candidate: ${e}`),
    ];
    if (errors.length > 0) {
      d.reason = `the benchmark reported an error (${errors.join("; ")})`;
      continue;
    }
    if (x.length < o.minRepetitions || y.length < o.minRepetitions) {
      const notes = [...(b.notes ?? []), ...(c.notes ?? [])];
      d.reason =
        `too few repetitions (baseline ${x.length}, candidate ${y.length}; need ${o.minRepetitions} per side)` +
        (notes.length > 0 ? `: ${notes[0]}` : "");
      continue;
    }
    family.push(decisions.length - 1);
  }

  const adjusted = holmAdjust(family.map((i) => decisions[i]!.p!));
  family.forEach((i, k) => {
    const d = decisions[i]!;
    d.pAdjusted = adjusted[k]!;
    const shift = d.shiftPct!;
    const thr = d.thresholdPct!;
    const hi = d.ciHighPct!;
    const significant = d.pAdjusted <= o.alpha;
    const ci = `${Math.round(o.confidence * 100)}% CI ${fmtPct(d.ciLowPct!)}..${fmtPct(hi)}`;
    if (significant && shift > thr) {
      d.verdict = "FAIL";
      d.reason = `slower by ${fmtPct(shift)} (${ci}), above the ${thr.toFixed(2)}% threshold; p=${fmtP(d.pAdjusted)} after Holm ≤ α=${o.alpha}`;
    } else if (hi < thr && d.baselineCvPct! > o.maxBaselineCvPct) {
      d.reason = `baseline too noisy to pass on: CV ${d.baselineCvPct!.toFixed(1)}% > ${o.maxBaselineCvPct}% (threshold would be ${thr.toFixed(2)}%); re-record the baseline on a quiet node`;
    } else if (hi < thr) {
      d.verdict = "PASS";
      d.reason = `shift ${fmtPct(shift)}; upper bound ${fmtPct(hi)} is below the ${thr.toFixed(2)}% threshold`;
    } else if (shift > thr) {
      d.reason = `shift ${fmtPct(shift)} is above the ${thr.toFixed(2)}% threshold but not significant after Holm (p=${fmtP(d.pAdjusted)} > α=${o.alpha}); add repetitions`;
    } else {
      d.reason = `cannot rule out a slowdown of ${thr.toFixed(2)}%: ${ci} reaches past it; add repetitions or reduce noise`;
    }
  });

  const counts: Record<Verdict, number> = { PASS: 0, FAIL: 0, INCONCLUSIVE: 0 };
  for (const d of decisions) counts[d.verdict]++;
  const verdict: Verdict =
    counts.FAIL > 0 ? "FAIL" : counts.INCONCLUSIVE > 0 || decisions.length === 0 ? "INCONCLUSIVE" : "PASS";
  return { verdict, kernels: decisions, options: o, counts };
}
