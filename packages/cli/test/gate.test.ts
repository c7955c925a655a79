import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { main } from "../src/index.js";

/** A Google Benchmark JSON file (library 1.7 layout) with `reps` repetitions per case. */
function gbench(cases: Record<string, { ns: number; cvPct?: number; phase?: number }>, reps: number): string {
  const benchmarks: object[] = [];
  Object.entries(cases).forEach(([name, c], f) => {
    for (let i = 0; i < reps; i++) {
      const t = c.ns * (1 + ((c.cvPct ?? 1) / 100) * 1.4 * Math.sin(1.7 * i + (c.phase ?? 0)));
      benchmarks.push({
        name: `${name}/repeats:${reps}`,
        family_index: f,
        per_family_instance_index: 0,
        run_name: `${name}/repeats:${reps}`,
        run_type: "iteration",
        repetitions: reps,
        repetition_index: i,
        threads: 1,
        iterations: 1000,
        real_time: t / 1000, // written in us to exercise unit conversion
        cpu_time: t / 1000,
        time_unit: "us",
      });
    }
    benchmarks.push({
      name: `${name}/repeats:${reps}_mean`,
      run_name: `${name}/repeats:${reps}`,
      run_type: "aggregate",
      aggregate_name: "mean",
      real_time: 1,
      time_unit: "us",
    });
  });
  return JSON.stringify({
    context: { date: "2025-03-04T10:00:00+00:00", num_cpus: 2, library_build_type: "release" },
    benchmarks,
  });
}

const dir = mkdtempSync(join(tmpdir(), "gate-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const write = (name: string, text: string) => {
  writeFileSync(join(dir, name), text);
  return name;
};
const same = {
  "gemm_qkv/m=1,n=1536,k=5120": { ns: 170_000 },
  "rmsnorm/tokens=1,hidden=5120": { ns: 580, phase: 1 },
};
write("base.json", gbench(same, 20));
write(
  "cand-same.json",
  gbench(
    {
      "gemm_qkv/m=1,n=1536,k=5120": { ns: 170_000, phase: 0.4 },
      "rmsnorm/tokens=1,hidden=5120": { ns: 580, phase: 1.4 },
    },
    20,
  ),
);
write(
  "cand-slow.json",
  gbench(
    {
      "gemm_qkv/m=1,n=1536,k=5120": { ns: 170_000, phase: 0.4 },
      "rmsnorm/tokens=1,hidden=5120": { ns: 700, phase: 1.4 },
    },
    20,
  ),
);
write("base-r1.json", gbench(same, 5));
write(
  "base-r2.json",
  gbench(
    {
      "gemm_qkv/m=1,n=1536,k=5120": { ns: 170_000, phase: 2 },
      "rmsnorm/tokens=1,hidden=5120": { ns: 580, phase: 3 },
    },
    5,
  ),
);
write(
  "cand-r1.json",
  gbench(
    {
      "gemm_qkv/m=1,n=1536,k=5120": { ns: 170_000, phase: 0.5 },
      "rmsnorm/tokens=1,hidden=5120": { ns: 580, phase: 1.5 },
    },
    5,
  ),
);
write(
  "cand-r2.json",
  gbench(
    {
      "gemm_qkv/m=1,n=1536,k=5120": { ns: 170_000, phase: 2.5 },
      "rmsnorm/tokens=1,hidden=5120": { ns: 580, phase: 3.5 },
    },
    5,
  ),
);
write("broken.json", "{ nope");

async function sovereign(...argv: string[]) {
  let out = "";
  let err = "";
  const code = await main(["gate", ...argv], {
    stdout: (s) => {
      out += s;
    },
    stderr: (s) => {
      err += s;
    },
    cwd: dir,
    env: {},
    isTTY: false,
  });
  return { code, out, err };
}

describe("sovereign gate", () => {
  it.each([
    [
      "an unchanged candidate",
      ["--baseline", "base.json", "--candidate", "cand-same.json"],
      0,
      /kernel gate: PASS/,
    ],
    [
      "a 20% slower rmsnorm",
      ["--baseline", "base.json", "--candidate", "cand-slow.json"],
      1,
      /^FAIL\s+rmsnorm\s+tokens=1,hidden=5120/m,
    ],
    [
      "5 repetitions per side",
      ["--baseline", "base-r1.json", "--candidate", "cand-r1.json"],
      3,
      /too few repetitions \(baseline 5, candidate 5/,
    ],
    [
      "two interleaved rounds of 5 (concatenated to 10)",
      [
        "--baseline",
        "base-r1.json",
        "--candidate",
        "cand-r1.json",
        "--baseline",
        "base-r2.json",
        "--candidate",
        "cand-r2.json",
      ],
      0,
      /PASS\s+gemm_qkv\s+m=1,n=1536,k=5120\s+10\/10/,
    ],
    ["a broken candidate file", ["--baseline", "base.json", "--candidate", "broken.json"], 2, /^$/],
    ["a missing file", ["--baseline", "base.json", "--candidate", "gone.json"], 2, /^$/],
    ["no candidate", ["--baseline", "base.json"], 2, /^$/],
    ["no baseline source", ["--candidate", "cand-same.json"], 2, /^$/],
    ["--baselines without --gpu", ["--baselines", "b.json", "--candidate", "cand-same.json"], 2, /^$/],
    [
      "both --baseline and --baselines",
      ["--baseline", "base.json", "--baselines", "b.json", "--gpu", "X", "--candidate", "cand-same.json"],
      2,
      /^$/,
    ],
    ["a bad --alpha", ["--baseline", "base.json", "--candidate", "cand-same.json", "--alpha", "2"], 2, /^$/],
    [
      "a bad --format",
      ["--baseline", "base.json", "--candidate", "cand-same.json", "--format", "xml"],
      2,
      /^$/,
    ],
    ["an unknown flag", ["--baseline", "base.json", "--candidate", "cand-same.json", "--fast"], 2, /^$/],
  ] as const)("GIVEN %s WHEN gated THEN exit %i and the output matches", async (_what, argv, code, out) => {
    const r = await sovereign(...argv);
    expect(r.code).toBe(code);
    expect(r.out).toMatch(out);
    if (code === 2) expect(r.err).not.toBe("");
  });

  it("GIVEN a broken file WHEN gated THEN stderr names the file and the problem", async () => {
    const r = await sovereign("--baseline", "base.json", "--candidate", "broken.json");
    expect(r.err).toMatch(/broken\.json: error json\.parse/);
  });

  it("GIVEN --format json WHEN gated THEN stdout is the GateResult with the numbers per kernel", async () => {
    const r = await sovereign("--baseline", "base.json", "--candidate", "cand-slow.json", "--format", "json");
    const res = JSON.parse(r.out);
    expect(res.verdict).toBe("FAIL");
    const rms = res.kernels.find((k: { kernel: string }) => k.kernel === "rmsnorm");
    expect(rms).toMatchObject({ verdict: "FAIL", nBaseline: 20, nCandidate: 20, thresholdPct: 3 });
    expect(rms.shiftPct).toBeGreaterThan(15);
    expect(rms.pAdjusted).toBeLessThan(0.01);
    expect(rms.baselineMedianNs).toBeGreaterThan(560); // us converted to ns
  });

  it("GIVEN --format markdown WHEN gated THEN stdout is a GFM table", async () => {
    const r = await sovereign(
      "--baseline",
      "base.json",
      "--candidate",
      "cand-same.json",
      "--format",
      "markdown",
    );
    expect(r.out).toMatch(/^\*\*kernel gate: PASS/);
    expect(r.out).toContain("| VERDICT | KERNEL | SHAPE |");
    expect(r.out).toMatch(/\| PASS \| gemm_qkv \| m=1,n=1536,k=5120 \| 20\/20 \|/);
  });

  it("GIVEN --min-effect 25 WHEN the 20% slower run is gated THEN it is no longer a FAIL", async () => {
    const r = await sovereign(
      "--baseline",
      "base.json",
      "--candidate",
      "cand-slow.json",
      "--min-effect",
      "25%",
    );
    expect(r.code).not.toBe(1);
  });

  it("GIVEN first rollout on a GPU WHEN recorded, then gated against the recording THEN PASS for the same run and FAIL for the slow one", async () => {
    const rec = await sovereign(
      "--candidate",
      "base.json",
      "--record-baseline",
      "baselines.json",
      "--gpu",
      "NVIDIA H100 80GB HBM3",
      "--image",
      "reg/inf@sha256:1",
    );
    expect(rec.code).toBe(0);
    expect(rec.out).toMatch(/recorded 2 kernel case\(s\)/);
    const file = JSON.parse(readFileSync(join(dir, "baselines.json"), "utf8"));
    expect(file.kind).toBe("KernelBaselines");
    expect(file.entries).toHaveLength(2);

    const pass = await sovereign(
      "--baselines",
      "baselines.json",
      "--gpu",
      "nvidia h100 80gb hbm3",
      "--candidate",
      "cand-same.json",
    );
    expect(pass.code).toBe(0);
    const fail = await sovereign(
      "--baselines",
      "baselines.json",
      "--gpu",
      "NVIDIA H100 80GB HBM3",
      "--candidate",
      "cand-slow.json",
    );
    expect(fail.code).toBe(1);
    expect(fail.out).toMatch(/^FAIL\s+rmsnorm/m);
  });

  it("GIVEN a baselines file without this GPU WHEN gated THEN INCONCLUSIVE (exit 3) and stderr lists the GPUs it has", async () => {
    await sovereign("--candidate", "base.json", "--record-baseline", "b2.json", "--gpu", "NVIDIA L40S");
    const r = await sovereign(
      "--baselines",
      "b2.json",
      "--gpu",
      "NVIDIA A100",
      "--candidate",
      "cand-same.json",
    );
    expect(r.code).toBe(3);
    expect(r.err).toMatch(/no baseline for GPU "NVIDIA A100" \(it has: NVIDIA L40S\)/);
    expect(r.out).toMatch(/no baseline samples/);
  });

  it("GIVEN a FAILing comparison with --record-baseline WHEN gated THEN the regression is not recorded", async () => {
    const r = await sovereign(
      "--baseline",
      "base.json",
      "--candidate",
      "cand-slow.json",
      "--record-baseline",
      "b3.json",
      "--gpu",
      "G",
    );
    expect(r.code).toBe(1);
    expect(existsSync(join(dir, "b3.json"))).toBe(false);
    expect(r.err).toMatch(/not recording a baseline/);
  });
});
