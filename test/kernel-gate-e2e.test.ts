// End to end on CPU: build the kernel suite, record a baseline, measure again → PASS; measure a
// build path with a slower RMSNorm (a real scalar implementation, not an edited number) → FAIL
// naming rmsnorm. Both sides are measured in interleaved rounds, as the rollout Job does on a
// GPU node, so drift from other load on this machine lands on both sides alike.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type CommandContext, main } from "@sovereign/cli";
import { decide, type GateResult, type KernelSamples, parseGoogleBenchmark } from "@sovereign/gate";
import {
  buildKernelSuite,
  casesJson,
  cpuBuildUnavailable,
  inferenceCoreDir,
  type KernelCase,
  planKernelCases,
  runKernelSuite,
} from "@sovereign/inference-core";
import { loadProfileFile, shippedProfilePath } from "@sovereign/profile";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// 15 rounds of 2: 30 repetitions per side (three times the gate's minimum), interleaved finely
// so a burst of load from other processes hits baseline and candidate alike.
const ROUNDS = 15;
const REPS_PER_ROUND = 2;
// Seconds per repetition: enough iterations that timer and scheduler jitter average out.
const MIN_TIME = 0.03;

const unavailable = cpuBuildUnavailable();
// CI runs `npm run setup`, which installs Google Benchmark: there a missing toolchain is a failure.
if (unavailable && process.env.CI) throw new Error(`CPU kernel suite cannot be built in CI: ${unavailable}`);
if (unavailable) console.warn(`SKIPPED kernel gate end-to-end test: ${unavailable}`);

describe.skipIf(unavailable !== undefined)("kernel gate end to end on the CPU backend", () => {
  let dir: string;
  let binary: string;
  let cases: KernelCase[];
  let casesFile: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "kernel-gate-e2e-"));
    binary = buildKernelSuite("cpu", join(dir, "build"));
    // The shipped 14B model at its tensor-parallel split, a few kernels, scaled to CPU size.
    const model = loadProfileFile(shippedProfilePath("kr")).spec.serving.models.find(
      (m) => m.name === "r1-distill-qwen-14b",
    )!;
    const planned = planKernelCases(model.architecture, model.tensorParallel, {
      kernels: ["rmsnorm", "rope", "softmax_vocab", "gemm_o"],
      // Decode-sized token counts only (prefill 32 coincides with decode 32): small, fast cases.
      decodeTokens: [8, 32],
      prefillTokens: [32],
      maxWork: 2_000_000,
    });
    // One busy-decode case (32 tokens) per kernel keeps the test within a minute on a shared
    // 2-core machine; every sample is spent on fewer cases, which is what narrows the gate's
    // confidence interval enough for a PASS.
    cases = planned.filter((c) => Object.values(c.shape).includes(32));
    cases = cases.filter((c, i) => cases.findIndex((x) => x.kernel === c.kernel) === i);
    casesFile = join(dir, "cases.json");
    writeFileSync(casesFile, casesJson(cases));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  let runs = 0;
  function measure(variant: string | undefined): { file: string; samples: KernelSamples[] } {
    const out = join(dir, `run-${runs++}-${variant ?? "default"}.json`);
    // One thread and CPU-time clock: on a shared CI machine the other core is busy with other
    // work, and wall time would mostly measure how long this process waited for a core.
    runKernelSuite(binary, {
      cases: casesFile,
      out,
      repetitions: REPS_PER_ROUND,
      minTime: MIN_TIME,
      threads: 1,
      clock: "cpu",
      variant,
    });
    return { file: out, samples: parseGoogleBenchmark(JSON.parse(readFileSync(out, "utf8")), { file: out }) };
  }

  /** Runs `sovereign gate` in-process, as the rollout Job runs it in the image. */
  async function cli(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    let stdout = "";
    let stderr = "";
    const ctx: CommandContext = {
      stdout: (t) => {
        stdout += t;
      },
      stderr: (t) => {
        stderr += t;
      },
      cwd: dir,
      env: {},
      isTTY: false,
    };
    const code = await main(["gate", ...argv], ctx);
    return { code, stdout, stderr };
  }
  const flags = (flag: string, files: string[]) => files.flatMap((f) => [flag, f]);
  /**
   * A shared 2-core CI runner measures even CPU time at 5-15% CV, above the 10% a GPU baseline may
   * have. The limit is raised here, as an operator would with --max-baseline-cv on noisy hardware;
   * the slow path (+300%) still FAILs far above the widened threshold.
   */
  const CPU_RUNNER = { maxBaselineCvPct: 30 };

  function gate(candidateVariant: string | undefined): {
    result: GateResult;
    files: { b: string[]; c: string[] };
  } {
    const base: KernelSamples[] = [];
    const cand: KernelSamples[] = [];
    const files = { b: [] as string[], c: [] as string[] };
    for (let r = 0; r < ROUNDS; r++) {
      const b = measure(undefined);
      const c = measure(candidateVariant);
      base.push(...b.samples);
      cand.push(...c.samples);
      files.b.push(b.file);
      files.c.push(c.file);
    }
    const result = decide(base, cand, CPU_RUNNER);
    // Printed so a flaky CI run can be diagnosed from its log.
    for (const k of result.kernels)
      console.log(`${k.verdict.padEnd(12)} ${k.kernel}/${k.shape}: ${k.reason}`);
    return { result, files };
  }

  it("GIVEN the suite's output WHEN the gate parses it THEN every planned case is there with its repetitions", () => {
    const { samples } = measure(undefined);
    expect(samples.map((s) => `${s.kernel}/${s.shape}`).sort()).toEqual(cases.map((c) => c.name).sort());
    expect(samples.every((s) => s.unit === "ns" && s.samples.length === REPS_PER_ROUND)).toBe(true);
    expect(cases.map((c) => c.name)).toEqual([
      "gemm_o/m=32,n=160,k=320",
      "rmsnorm/rows=32,hidden=5120",
      "rope/tokens=32,heads=20,head_dim=128",
      "softmax_vocab/batch=32,vocab=38016",
    ]);
  });

  it("GIVEN a recorded baseline WHEN the same build is measured again THEN the gate PASSES every kernel", async () => {
    const { result, files } = gate(undefined);
    expect(result.kernels.length).toBe(cases.length);
    expect(
      result.kernels.every(
        (k) => k.nBaseline === ROUNDS * REPS_PER_ROUND && k.nCandidate === ROUNDS * REPS_PER_ROUND,
      ),
    ).toBe(true);
    expect(
      result.kernels.filter((k) => k.verdict !== "PASS").map((k) => `${k.kernel}/${k.shape}: ${k.reason}`),
    ).toEqual([]);
    expect(result.verdict).toBe("PASS");

    // The same through the CLI: record the baseline runs for this "GPU model", then gate the
    // candidate runs against the recorded file.
    const recorded = await cli([
      ...flags("--candidate", files.b),
      "--record-baseline",
      "baselines.json",
      "--gpu",
      "cpu-e2e",
    ]);
    expect(recorded.code).toBe(0);
    const viaCli = await cli([
      "--baselines",
      "baselines.json",
      "--gpu",
      "cpu-e2e",
      ...flags("--candidate", files.c),
      "--max-baseline-cv",
      String(CPU_RUNNER.maxBaselineCvPct),
      "--format",
      "json",
    ]);
    expect(viaCli.code).toBe(0);
    expect(JSON.parse(viaCli.stdout).verdict).toBe("PASS");
  });

  it("GIVEN the scalar RMSNorm path WHEN measured against the baseline THEN the gate FAILS naming rmsnorm and only rmsnorm", async () => {
    const { result, files } = gate("rmsnorm-naive");
    expect(result.verdict).toBe("FAIL");
    const failed = result.kernels.filter((k) => k.verdict === "FAIL");
    const rms = result.kernels.filter((k) => k.kernel === "rmsnorm");
    expect(rms.map((k) => k.verdict)).toEqual(rms.map(() => "FAIL"));
    expect(new Set(failed.map((k) => k.kernel))).toEqual(new Set(["rmsnorm"]));
    for (const k of rms) {
      expect(k.shiftPct!).toBeGreaterThan(30);
      expect(k.reason).toMatch(/slower|shift|threshold/i);
    }

    // `sovereign gate` on the suite's own files (interleaved rounds, repeated flags): exit 1.
    const text = await cli([...flags("--baseline", files.b), ...flags("--candidate", files.c)]);
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/^FAIL\s+rmsnorm\s+rows=32,hidden=5120\s/m);
    const json = await cli([
      ...flags("--baseline", files.b),
      ...flags("--candidate", files.c),
      "--format",
      "json",
    ]);
    expect(json.code).toBe(1);
    const parsed = JSON.parse(json.stdout) as GateResult;
    expect(parsed.kernels.filter((k) => k.verdict === "FAIL").map((k) => k.kernel)).toEqual(["rmsnorm"]);
  });
});

describe("Google Benchmark JSON from the CUDA backend's writer", () => {
  it("GIVEN the writer the CUDA backend uses WHEN its output is parsed by the gate THEN names and samples round-trip", () => {
    const dir = mkdtempSync(join(tmpdir(), "gbench-writer-"));
    try {
      // The writer is host-only C++; compiled with g++ here because no GPU can run the CUDA binary.
      const src = join(dir, "writer.cpp");
      writeFileSync(
        src,
        `#include "gbench_json.hpp"
#include <iostream>
int main() {
  sovereign::CaseResult a{"rmsnorm/rows=8,hidden=5120/manual_time", {}, {}};
  sovereign::CaseResult b{"gemm_qkv/m=1,n=3584,k=5120/manual_time", {}, {}};
  for (int i = 0; i < 10; ++i) { a.ns_per_iteration.push_back(1000 + i); a.iterations.push_back(50);
                                 b.ns_per_iteration.push_back(20000 + 10 * i); b.iterations.push_back(5); }
  std::cout << sovereign::gbench_json({{"sovereign_backend", "cuda"}, {"note", "quote \\" and \\\\ back"}}, {a, b});
}
`,
      );
      const exe = join(dir, "writer");
      execFileSync("g++", [
        "-std=c++17",
        "-I",
        join(inferenceCoreDir(), "kernels", "common"),
        "-o",
        exe,
        src,
      ]);
      const json = JSON.parse(execFileSync(exe, { encoding: "utf8" }));
      expect(json.context).toMatchObject({ sovereign_backend: "cuda", note: 'quote " and \\ back' });
      const parsed = parseGoogleBenchmark(json);
      expect(parsed.map((s) => `${s.kernel}/${s.shape}`)).toEqual([
        "rmsnorm/rows=8,hidden=5120",
        "gemm_qkv/m=1,n=3584,k=5120",
      ]);
      expect(parsed[0]!.samples).toEqual([1000, 1001, 1002, 1003, 1004, 1005, 1006, 1007, 1008, 1009]);
      const cv = json.benchmarks.find(
        (b: { aggregate_name?: string; run_name: string }) =>
          b.aggregate_name === "cv" && b.run_name.startsWith("gemm"),
      );
      expect(cv.real_time).toBeCloseTo(Math.sqrt(916.666_666) / 20045, 6);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
