import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runMain } from "./cli-main.js";
import { afterAll, describe, expect, it } from "vitest";

const root = mkdtempSync(join(tmpdir(), "sovereign-synth-cli-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const run = (argv: string[], cwd = root) => runMain(argv, cwd);

describe("sovereign synth: usage", () => {
  it.each([
    [["synth"], "no profile given"],
    [["synth", "--all", "--country", "th"], "--all cannot be combined"],
    [["synth", "--country", "th", "--format", "xml"], "--format"],
    [["synth", "--country", "zz"], "zz"],
    [["synth", "--bogus"], "bogus"],
  ])("GIVEN %j THEN exit 2 naming the problem and nothing is written", async (argv, text) => {
    const out = join(root, `usage-${argv.join("_").replace(/\W/g, "")}`);
    const r = await run([...argv, "--out", out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(text);
    expect(existsSync(out)).toBe(false);
  });

  it("GIVEN a profile with a bad field WHEN synthesized THEN exit 2 with the YAML location", async () => {
    const file = join(root, "bad.yaml");
    const th = readFileSync(join(import.meta.dirname, "..", "stacks", "countries", "th.yaml"), "utf8");
    writeFileSync(
      file,
      th.replace("site: bkk1, gpu: H100-SXM5-80GB, nodes: 4", "site: nowhere, gpu: H100-SXM5-80GB, nodes: 4"),
    );
    const r = await run(["synth", "--profile", file, "--out", join(root, "bad-out")]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bad\.yaml:\d+:\d+/);
    expect(existsSync(join(root, "bad-out"))).toBe(false);
  });
});

describe("sovereign synth: residency policies run on the real output", () => {
  it("GIVEN th WHEN synthesized THEN its six stacks are written, the residency packs find no error, exit 0", async () => {
    const out = join(root, "th-out");
    const r = await run(["synth", "--country", "th", "--out", out, "--format", "json"]);
    const report = JSON.parse(r.stdout);
    const errors = (report.findings ?? []).filter((f: { severity: string }) => f.severity === "error");
    expect(
      errors.map((f: { ruleId: string; objectRef: { name: string } }) => `${f.ruleId}@${f.objectRef.name}`),
    ).toEqual([]);
    expect(r.code).toBe(0);
    expect(report.stacks.map((s: { name: string }) => s.name)).toEqual([
      "th-platform",
      "th-gpu",
      "th-storage",
      "th-serving",
      "th-crds",
      "th-training",
    ]);
    expect(existsSync(join(out, "stacks", "th-serving", "cdk.tf.json"))).toBe(true);
    expect(report.counts.objects).toBeGreaterThan(50);
    expect(report.unrenderedCharts.map((u: { chart: string }) => u.chart).sort()).toEqual([
      "oci://registry.bkk1.sovereign.example/ai/charts/gpu-operator@v25.3.0",
      "oci://registry.bkk1.sovereign.example/ai/charts/jobset@0.12.0",
      "oci://registry.bkk1.sovereign.example/ai/charts/kueue@0.19.2",
    ]);
  });

  it("GIVEN --all THEN every shipped country is synthesized into one tree, text output lists stacks and counts", async () => {
    const out = join(root, "all-out");
    const r = await run(["synth", "--all", "--out", out]);
    expect(r.stderr.replace(/sovereign synth: warning: .*\n/g, "")).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^synthesized kr, sa, th into .*: 18 stacks, \d+ resources, \d+ Kubernetes objects/,
    );
    for (const cc of ["kr", "sa", "th"])
      for (const k of ["platform", "gpu", "storage", "serving", "crds", "training"])
        expect(r.stdout).toContain(`${cc}-${k}`);
    expect(
      JSON.parse(readFileSync(join(out, "manifest.json"), "utf8")).stacks["sa-serving"].dependencies.sort(),
    ).toEqual(["sa-gpu", "sa-storage"]);
  });

  it("GIVEN an output dir from an earlier run WHEN the new synth fails THEN the old tree is left exactly as it was", async () => {
    const out = join(root, "keep-out");
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, "marker"), "earlier");
    const file = join(root, "unknown-pack.yaml");
    const th = readFileSync(join(import.meta.dirname, "..", "stacks", "countries", "th.yaml"), "utf8");
    writeFileSync(
      file,
      th.replace("policies: [residency-core, th-pdpa, training-ledger]", "policies: [residency-core, no-such-pack]"),
    );
    const r = await run(["synth", "--profile", file, "--out", out]);
    expect(r.code).toBe(2);
    expect(readFileSync(join(out, "marker"), "utf8")).toBe("earlier");
    expect(existsSync(join(out, "manifest.json"))).toBe(false);
  });
});
