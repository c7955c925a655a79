import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "@sovereign/cli";
import { afterAll, describe, expect, it } from "vitest";

const root = mkdtempSync(join(tmpdir(), "sovereign-readiness-cli-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function run(argv: string[]) {
  let stdout = "";
  let stderr = "";
  const code = await main(argv, {
    stdout: (s) => {
      stdout += s;
    },
    stderr: (s) => {
      stderr += s;
    },
    cwd: root,
    env: {},
    isTTY: false,
  });
  return { code, stdout, stderr };
}

const thYaml = readFileSync(join(import.meta.dirname, "..", "stacks", "countries", "th.yaml"), "utf8");

describe("sovereign synth: the deploy-readiness gate", () => {
  it("GIVEN th WHEN synthesized THEN it is written and the pending readiness failures are reported, not hidden", async () => {
    const out = join(root, "th");
    const r = await run(["synth", "--country", "th", "--out", out, "--format", "json"]);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.readiness.failures).toEqual([]);
    expect(report.counts.readinessPending).toBe(report.readiness.pending.length);
    expect(new Set(report.readiness.pending.map((f: { ruleId: string }) => f.ruleId))).toEqual(
      new Set(["network.api-server", "admission.request-limit", "schedule.taints", "volume.provisioner"]),
    );
    expect(report.readiness.pending.every((f: { pendingFix?: string }) => f.pendingFix?.startsWith("issue 10 item"))).toBe(true);
  });

  it("GIVEN a model with more replicas than the inference pools' GPUs WHEN synthesized THEN exit 1, admission.quota names the quota, nothing is written", async () => {
    const file = join(root, "th-over.yaml");
    // Resource Quotas: pods beyond requests.nvidia.com/gpu are refused at creation.
    writeFileSync(file, thYaml.replace(/replicas: \{ min: \d+, max: \d+ \}/, "replicas: { min: 40, max: 40 }"));
    const out = join(root, "over");
    const r = await run(["synth", "--profile", file, "--out", out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("admission.quota  th-platform ResourceQuota sovereign-serving/tenant-quota");
    expect(r.stderr).toContain("requests.nvidia.com/gpu");
    expect(r.stderr).toContain("fix: ");
    expect(r.stderr).toContain("nothing was written");
    expect(existsSync(out)).toBe(false);
  });
});

describe("sovereign preflight", () => {
  it("GIVEN th's synth output WHEN preflighted THEN exit 1 listing every failure, the pending ones marked", async () => {
    const out = join(root, "pre");
    expect((await run(["synth", "--country", "th", "--out", out])).code).toBe(0);
    const json = await run(["preflight", "--synth-dir", out, "--format", "json"]);
    expect(json.code).toBe(1);
    const report = JSON.parse(json.stdout);
    expect(report.ok).toBe(false);
    expect(report.countries).toEqual(["th"]);
    expect(report.findings.length).toBeGreaterThan(0);
    for (const f of report.findings) expect(f).toMatchObject({ stack: expect.stringMatching(/^th-/), fix: expect.any(String) });
    const text = await run(["preflight", "--synth-dir", out, "--country", "th"]);
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/deploy readiness of th: \d+ objects, \d+ failure\(s\) \(admission\.request-limit, network\.api-server, schedule\.taints, volume\.provisioner\)/);
    expect(text.stdout).toContain("pending: issue 10 item 5");
  });

  it.each([
    [["preflight", "--synth-dir", "missing-dir"], "manifest.json not found"],
    [["preflight", "--format", "xml"], "--format"],
    [["preflight", "--bogus"], "bogus"],
  ])("GIVEN %j THEN exit 2 naming the problem", async (argv, text) => {
    const r = await run(argv);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(text);
  });
});
