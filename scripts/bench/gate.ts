// Kernel gate: false alarms and detection power over GATE_BENCH_TRIALS (default 10,000) seeded
// trials per row, without and with a common drift (every kernel of the run gets slower by the same
// fraction over the gate Job, as clocks and temperature move), for three ways of taking the
// samples:
//  - interleaved: the gate Job's A B B A rounds (serving image, candidate, candidate, serving), half
//    the repetitions per side in each block; a linear drift falls on both sides alike;
//  - sequential: all baseline repetitions, then all candidate repetitions in the same Job (what a
//    gate without rounds would do); the candidate sees the later, drifted half;
//  - recorded baseline: the baseline measured on another day; the drift is a step on the candidate.
// Each trial draws 20 kernels (base times over three decades, lognormal noise at CV 2%, 20
// repetitions per side) and runs the real decision rule (`decide`). Seeded: the same on every
// machine. A smaller grid (CV x repetitions x slowdown, GATE_BENCH_GRID_TRIALS, default 500) shows
// how the verdicts move; its rows name their trial count.
import { decide, type KernelSamples, mulberry32, normalSource, simulateScenario, type Verdict } from "@sovereign/gate";
import type { BenchRow } from "./lib/types.js";

/** Trials behind every headline row (the honesty test checks the default). */
export const GATE_TRIALS = 10_000;
const KERNELS = 20;

export type Design = "interleaved" | "sequential" | "recorded";

export interface DriftScenario {
  design: Design;
  /** Common slowdown accumulated over the Job (or between recording and candidate), percent. */
  driftPct: number;
  /** True slowdown of the slowed kernels, percent. */
  effectPct: number;
  /** How many kernels carry `effectPct`. */
  slowKernels: number;
  cvPct: number;
  repetitions: number;
  trials: number;
  seed: number;
}

/**
 * Time (0..1 within the Job) of each repetition of one side. Interleaved: blocks A B B A, each
 * side's repetitions split over its two blocks. Sequential: A then B.
 */
export function sampleTimes(design: Design, side: "A" | "B", reps: number): number[] {
  if (design === "recorded") return Array.from({ length: reps }, () => 0);
  const at = (block: number, blocks: number, i: number, n: number) => (block + (i + 0.5) / n) / blocks;
  if (design === "sequential") return Array.from({ length: reps }, (_, i) => at(side === "A" ? 0 : 1, 2, i, reps));
  const half = Math.ceil(reps / 2);
  const blocks = side === "A" ? [0, 3] : [1, 2];
  return Array.from({ length: reps }, (_, i) => {
    const inFirst = i < half;
    return at(inFirst ? blocks[0]! : blocks[1]!, 4, inFirst ? i : i - half, inFirst ? half : reps - half);
  });
}

/** Verdict counts of a drift scenario. */
export function simulateDrift(sc: DriftScenario): Record<Verdict, number> {
  const rnd = mulberry32(sc.seed);
  const gauss = normalSource(rnd);
  const sigma = Math.sqrt(Math.log(1 + (sc.cvPct / 100) ** 2));
  const d = sc.driftPct / 100;
  const drift = (side: "A" | "B") =>
    sc.design === "recorded"
      ? Array.from({ length: sc.repetitions }, () => (side === "B" ? 1 + d : 1))
      : sampleTimes(sc.design, side, sc.repetitions).map((t) => 1 + d * t);
  const driftA = drift("A");
  const driftB = drift("B");
  const out: Record<Verdict, number> = { PASS: 0, FAIL: 0, INCONCLUSIVE: 0 };
  for (let t = 0; t < sc.trials; t++) {
    const base: KernelSamples[] = [];
    const cand: KernelSamples[] = [];
    for (let k = 0; k < KERNELS; k++) {
      const m = 1000 * 10 ** (3 * rnd());
      const slow = k < sc.slowKernels ? 1 + sc.effectPct / 100 : 1;
      const draw = (f: number) => m * f * Math.exp(sigma * gauss());
      const id = { kernel: `k${k}`, shape: `case=${k}`, unit: "ns" as const };
      base.push({ ...id, samples: driftA.map((f) => draw(f)) });
      cand.push({ ...id, samples: driftB.map((f) => draw(f * slow)) });
    }
    out[decide(base, cand).verdict]++;
  }
  return out;
}

const pct = (n: number, of: number) => (100 * n) / of;

function grid(trials: number): BenchRow[] {
  const rows: BenchRow[] = [];
  let seed = 1000;
  for (const cvPct of [1, 2, 5]) {
    for (const repetitions of [10, 20, 40]) {
      for (const effectPct of [0, 3, 5, 10]) {
        const r = simulateScenario({ kernels: KERNELS, cvPct, repetitions, effectPct, slowKernels: 1, trials, seed: seed++ });
        const label = `grid (${trials} trials, no drift) cv=${cvPct}% n=${repetitions} one kernel ${effectPct}% slower`;
        rows.push({
          benchmark: "gate",
          metric: `${label}: FAIL / PASS / INCONCLUSIVE = ${pct(r.verdicts.FAIL, trials).toFixed(1)} / ${pct(r.verdicts.PASS, trials).toFixed(1)} / ${pct(r.verdicts.INCONCLUSIVE, trials).toFixed(1)} %`,
          value: pct(r.verdicts.FAIL, trials),
          unit: "% FAIL",
        });
      }
    }
  }
  return rows;
}

export async function run(): Promise<BenchRow[]> {
  const trials = Number(process.env.GATE_BENCH_TRIALS ?? GATE_TRIALS);
  const base = { cvPct: 2, repetitions: 20, trials };
  const rows: BenchRow[] = [];
  const row = (label: string, sc: DriftScenario, what: "false FAIL" | "FAIL" | "blocked", target?: [string, (v: number) => boolean]) => {
    const r = simulateDrift(sc);
    const v = pct(what === "blocked" ? r.FAIL + r.INCONCLUSIVE : r.FAIL, sc.trials);
    rows.push({
      benchmark: "gate",
      metric: `${label} [${sc.design}, drift ${sc.driftPct}%, cv ${sc.cvPct}%, n=${sc.repetitions}, ${sc.trials} trials] ${what} (PASS ${pct(r.PASS, sc.trials).toFixed(1)}%)`,
      value: v,
      unit: "%",
      ...(target ? { target: target[0], ok: target[1](v) } : {}),
    });
  };
  let seed = 1;
  const noChange = { effectPct: 0, slowKernels: 0 };
  const oneSlow = { effectPct: 5, slowKernels: 1 };
  const allSlow = { effectPct: 5, slowKernels: KERNELS };
  const falseAlarm: [string, (v: number) => boolean] = ["<= 0.1%", (v) => v <= 0.1];
  row("no change", { ...base, ...noChange, design: "interleaved", driftPct: 0, seed: seed++ }, "false FAIL", falseAlarm);
  row("one of 20 kernels 5% slower", { ...base, ...oneSlow, design: "interleaved", driftPct: 0, seed: seed++ }, "FAIL");
  row("one of 20 kernels 5% slower", { ...base, ...oneSlow, design: "interleaved", driftPct: 0, seed: seed++ }, "blocked", [
    ">= 99%",
    (v) => v >= 99,
  ]);
  row("every kernel 5% slower", { ...base, ...allSlow, design: "interleaved", driftPct: 0, seed: seed++ }, "FAIL", [
    ">= 99%",
    (v) => v >= 99,
  ]);
  for (const driftPct of [1, 2, 3]) {
    for (const design of ["recorded", "sequential", "interleaved"] as const) {
      row("no change", { ...base, ...noChange, design, driftPct, seed: seed++ }, "false FAIL", design === "interleaved" ? falseAlarm : undefined);
    }
  }
  row("one of 20 kernels 5% slower", { ...base, ...oneSlow, design: "interleaved", driftPct: 3, seed: seed++ }, "blocked", [
    ">= 99%",
    (v) => v >= 99,
  ]);
  return [...rows, ...grid(Number(process.env.GATE_BENCH_GRID_TRIALS ?? 500))];
}
