import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot, shippedProfilePath } from "@sovereign/profile";
import { afterAll, describe, expect, it } from "vitest";
import { type CommandContext, main } from "../src/index.js";

function run(argv: string[], cwd = repoRoot()) {
  const out: string[] = [];
  const err: string[] = [];
  const ctx: CommandContext = { stdout: (s) => out.push(s), stderr: (s) => err.push(s), cwd, env: process.env, isTTY: false };
  return main(argv, ctx).then((code) => ({ code, stdout: out.join(""), stderr: err.join("") }));
}

const tmp = mkdtempSync(join(tmpdir(), "sovereign-plan-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const th = readFileSync(shippedProfilePath("th"), "utf8");

/** th with its 14B model squeezed onto one GPU of the time-sliced L40S pool. */
const oversized = join(tmp, "oversized.yaml");
writeFileSync(
  oversized,
  th.replace("        pool: h100-serve\n        tensorParallel: 2", "        pool: l40s-shared\n        tensorParallel: 1"),
);
const oversizedLine = readFileSync(oversized, "utf8").split("\n").findIndex((l) => l.includes("pool: l40s-shared")) + 2;

describe("sovereign plan and the capacity check in validate", () => {
  it("GIVEN a 14B model on one H100 of a pool with 8 per node WHEN it holds no sequence at full context THEN the fix is the smallest TP", async () => {
    const f = join(tmp, "tp.yaml");
    writeFileSync(f, th.replace("tensorParallel: 2\n", "tensorParallel: 1\n        engine: { gpuMemoryUtilization: 0.4 }\n"));
    const r = await run(["plan", "--profile", f]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("fix: set tensorParallel: 2 (the smallest that holds one sequence on H100-SXM5-80GB)");
  });

  it("GIVEN th WHEN planned as text THEN one row per model with its planned max-model-len and sequences", async () => {
    const r = await run(["plan", "--country", "th"]);
    expect(r.code).toBe(0);
    const rows = r.stdout.trim().split("\n");
    expect(rows[0]).toMatch(/^model\s+device\s+TP/);
    expect(rows.find((l) => l.startsWith("r1-distill-qwen-14b"))).toMatch(/H100-SXM5-80GB\s+2\s.*\s32768\s+18$/);
    expect(rows.find((l) => l.startsWith("qwen25-1-5b-instruct"))).toMatch(/L40S-48GB\s+1\s.*\s0\.225\s.*\s5$/);
  });

  it("GIVEN sa WHEN planned as JSON and Markdown THEN both carry the same figures", async () => {
    const j = JSON.parse((await run(["plan", "--country", "sa", "--format", "json"])).stdout);
    expect(j.ok).toBe(true);
    expect(j.plans.map((p: { model: string; maxConcurrentSequences: number }) => [p.model, p.maxConcurrentSequences])).toEqual([
      ["r1-distill-qwen-14b", 18],
      ["allam-7b-instruct", 28],
      ["qwen25-1-5b-instruct", 155],
    ]);
    const md = (await run(["plan", "--country", "sa", "--format", "markdown"])).stdout;
    expect(md.split("\n")[1]).toMatch(/^\| --- \|/);
    expect(md).toContain("| allam-7b-instruct | H100-SXM5-80GB | 1 |");
  });

  it("GIVEN a model that cannot hold one sequence WHEN planned, validated or synthesized THEN exit 2 with file:line, the numbers and the smallest TP that fits", async () => {
    for (const argv of [["plan"], ["validate"], ["synth", "--out", join(tmp, "synth-out")]]) {
      const cmd = argv[0]!;
      const r = await run([...argv, "--profile", oversized]);
      expect(r.code, cmd).toBe(2);
      expect(r.stderr).toContain(`oversized.yaml:${oversizedLine}:`);
      expect(r.stderr).toContain("capacity.does_not_fit at spec.serving.models[0].tensorParallel");
      expect(r.stderr).toMatch(/weights 27\.5 GiB, .*KV budget -\d+\.\d GiB/);
      // TP 2 and 4 on the time-sliced L40S still leave no room (10.1 GiB per pod), so the fix is a GPU.
      expect(r.stderr).toContain(
        "fix: place it on a pool of A100-SXM4-40GB GPUs without sharing (the smallest that holds one sequence at tensorParallel 1)",
      );
      expect(r.stdout).toBe("");
    }
    expect(existsSync(join(tmp, "synth-out"))).toBe(false);
  });

  it("GIVEN an unknown --format WHEN planned THEN a usage error names the choices", async () => {
    const r = await run(["plan", "--country", "th", "--format", "yaml"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("text, json, markdown");
  });
});

describe("sovereign weights manifest", () => {
  const dir = join(tmp, "model");
  mkdirSync(join(dir, "sub"), { recursive: true });
  writeFileSync(join(dir, "config.json"), "{}");
  writeFileSync(join(dir, "sub", "b.safetensors"), "bb");

  it("GIVEN a model directory WHEN a manifest is made THEN each file has its sha256 and size, sorted, and --write stores it", async () => {
    const r = await run(["weights", "manifest", dir, "--write"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      "# sovereign weights manifest v1\n" +
        "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a 2 config.json\n" +
        "3b64db95cb55c763391c707108489ae18b4112d783300de38e033b4c98c3deaf 2 sub/b.safetensors\n",
    );
    expect(readFileSync(join(dir, "weights.manifest"), "utf8")).toBe(r.stdout);
    expect(r.stderr).toMatch(/^weights manifest sha256 [0-9a-f]{64} \(pin it as weights.sha256/);
  });

  it("GIVEN a file name with a space WHEN a manifest is made THEN exit 2 names the file", async () => {
    const bad = join(tmp, "bad-model");
    mkdirSync(bad);
    writeFileSync(join(bad, "my weights.bin"), "x");
    const r = await run(["weights", "manifest", bad]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('"my weights.bin" has characters outside');
  });

  it("GIVEN no directory WHEN asked THEN a usage error", async () => {
    expect((await run(["weights", "manifest"])).code).toBe(2);
    expect((await run(["weights", "manifest", join(tmp, "absent")])).stderr).toContain("is not a directory");
  });
});
