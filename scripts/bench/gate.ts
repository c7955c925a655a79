// Detection power of the kernel gate: how often it FAILs, PASSes or is INCONCLUSIVE for a
// 20-kernel suite as noise (CV), repetitions per side and the true slowdown of one kernel vary.
// Seeded, so the table is the same on every machine. SOVEREIGN_BENCH_FULL=1 runs 10× the trials.
import { simulateScenario } from "@sovereign/gate";
import type { BenchRow } from "./lib/types.js";

const CVS = [1, 2, 5];
const REPS = [10, 20, 40];
const EFFECTS = [0, 3, 5, 10];
const KERNELS = 20;

export async function run(): Promise<BenchRow[]> {
  const full = process.env.SOVEREIGN_BENCH_FULL === "1";
  const trials = full ? 2000 : 200;
  const rows: BenchRow[] = [];
  let seed = 1000;
  for (const cvPct of CVS) {
    for (const repetitions of REPS) {
      for (const effectPct of EFFECTS) {
        const r = simulateScenario({
          kernels: KERNELS,
          cvPct,
          repetitions,
          effectPct,
          slowKernels: 1,
          trials,
          seed: seed++,
        });
        const label = `cv=${cvPct}% n=${repetitions} slow=${effectPct}% (1 of ${KERNELS})`;
        const pct = (k: "FAIL" | "PASS" | "INCONCLUSIVE") => (100 * r.verdicts[k]) / r.trials;
        rows.push({ benchmark: "gate", metric: `${label} FAIL`, value: pct("FAIL"), unit: "%" });
        rows.push({ benchmark: "gate", metric: `${label} PASS`, value: pct("PASS"), unit: "%" });
        rows.push({
          benchmark: "gate",
          metric: `${label} INCONCLUSIVE`,
          value: pct("INCONCLUSIVE"),
          unit: "%",
        });
      }
    }
  }
  // The two headline figures of the issue, with their targets (more trials for the rare event).
  const noChange = simulateScenario({
    kernels: KERNELS,
    cvPct: 2,
    repetitions: 20,
    effectPct: 0,
    trials: full ? 20000 : 2000,
    seed: 1,
  });
  const falseAlarm = (100 * noChange.verdicts.FAIL) / noChange.trials;
  rows.push({
    benchmark: "gate",
    metric: `false FAIL, no change, cv=2% n=20 (${noChange.trials} runs)`,
    value: falseAlarm,
    unit: "%",
    target: "<= 0.1",
    ok: falseAlarm <= 0.1,
  });
  const allSlow = simulateScenario({
    kernels: KERNELS,
    cvPct: 2,
    repetitions: 20,
    effectPct: 5,
    trials: full ? 5000 : 500,
    seed: 2,
  });
  const detected = (100 * allSlow.verdicts.FAIL) / allSlow.trials;
  rows.push({
    benchmark: "gate",
    metric: `FAIL, all kernels 5% slower, cv=2% n=20 (${allSlow.trials} runs)`,
    value: detected,
    unit: "%",
    target: ">= 99",
    ok: detected >= 99,
  });
  return rows;
}
