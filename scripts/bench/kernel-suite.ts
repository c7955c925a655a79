// CPU backend of the kernel suite on the shipped 14B model's cases (tp = 2, scaled to CPU size):
// time per case, GEMM throughput, and how much slower the scalar RMSNorm path is (the regression
// the gate's end-to-end test must catch; it needs to be well above the gate's 3% floor).
// SOVEREIGN_BENCH_FULL=1 measures the unscaled decode cases (minutes on a small machine).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  buildKernelSuite,
  casesJson,
  cpuBuildUnavailable,
  planKernelCases,
  runKernelSuite,
} from "@sovereign/inference-core";
import { loadProfileFile, shippedProfilePath } from "@sovereign/profile";
import type { BenchRow } from "./lib/types.js";

interface GbRun {
  run_name: string;
  run_type: string;
  real_time: number;
  time_unit: string;
}

function medians(file: string): Map<string, number> {
  const json = JSON.parse(readFileSync(file, "utf8")) as { benchmarks: GbRun[] };
  const by = new Map<string, number[]>();
  for (const b of json.benchmarks.filter((x) => x.run_type === "iteration")) {
    const name = b.run_name.replace(/\/(real|manual)_time$/, "");
    const scale = { ns: 1, us: 1e3, ms: 1e6, s: 1e9 }[b.time_unit] ?? 1;
    by.set(name, [...(by.get(name) ?? []), b.real_time * scale]);
  }
  const out = new Map<string, number>();
  for (const [k, v] of by) {
    const s = [...v].sort((a, b) => a - b);
    out.set(k, s[Math.floor(s.length / 2)]!);
  }
  return out;
}

export async function run(): Promise<BenchRow[]> {
  const why = cpuBuildUnavailable();
  if (why)
    return [
      { benchmark: "kernel-suite", metric: "skipped", value: Number.NaN, unit: "", target: why, ok: false },
    ];
  const full = process.env.SOVEREIGN_BENCH_FULL === "1";
  const dir = mkdtempSync(join(tmpdir(), "bench-kernel-suite-"));
  try {
    const binary = buildKernelSuite("cpu", join(dir, "build"));
    const model = loadProfileFile(shippedProfilePath("kr")).spec.serving.models.find(
      (m) => m.name === "r1-distill-qwen-14b",
    )!;
    const cases = planKernelCases(model.architecture, model.tensorParallel, {
      decodeTokens: [1, 32],
      prefillTokens: [512],
      ...(full ? {} : { maxWork: 8_000_000 }),
    }).filter((c) => full || c.kernel !== "attention_prefill" || c.shape.seq! <= 64);
    const casesFile = join(dir, "cases.json");
    writeFileSync(casesFile, casesJson(cases));
    const out = join(dir, "run.json");
    runKernelSuite(binary, { cases: casesFile, out, repetitions: 3, minTime: 0.05 });
    const t = medians(out);
    const rows: BenchRow[] = [];
    for (const c of cases) {
      const ns = t.get(c.name);
      if (ns === undefined) continue;
      rows.push({ benchmark: "kernel-suite cpu", metric: c.name, value: ns / 1e3, unit: "us" });
      if (c.kernel.startsWith("gemm_")) {
        const { m, n, k } = c.shape as { m: number; n: number; k: number };
        rows.push({
          benchmark: "kernel-suite cpu",
          metric: `${c.name} throughput`,
          value: (2 * m * n * k) / ns,
          unit: "GFLOP/s",
        });
      }
    }
    // The slow variant against the default, one thread each, on the decode RMSNorm shape.
    const rms = cases.filter((c) => c.name === "rmsnorm/rows=32,hidden=5120");
    const rmsFile = join(dir, "rms.json");
    writeFileSync(rmsFile, casesJson(rms));
    const fast = join(dir, "fast.json");
    const slow = join(dir, "slow.json");
    runKernelSuite(binary, { cases: rmsFile, out: fast, repetitions: 5, minTime: 0.05, threads: 1 });
    runKernelSuite(binary, {
      cases: rmsFile,
      out: slow,
      repetitions: 5,
      minTime: 0.05,
      threads: 1,
      variant: "rmsnorm-naive",
    });
    const ratio = medians(slow).get(rms[0]!.name)! / medians(fast).get(rms[0]!.name)!;
    rows.push({
      benchmark: "kernel-suite cpu",
      metric: "rmsnorm-naive / rmsnorm (1 thread)",
      value: ratio,
      unit: "×",
      target: ">= 1.3× (clearly above the gate's floor)",
      ok: ratio >= 1.3,
    });
    return rows;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
