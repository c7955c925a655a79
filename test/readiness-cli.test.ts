import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runMain } from "./cli-main.js";
import { afterAll, describe, expect, it } from "vitest";

const root = mkdtempSync(join(tmpdir(), "sovereign-readiness-cli-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const run = (argv: string[]) => runMain(argv, root);


describe("sovereign synth: the deploy-readiness gate", () => {
  it("GIVEN th WHEN synthesized THEN it passes the readiness check and is written", async () => {
    const out = join(root, "th");
    const json = await run(["synth", "--country", "th", "--out", out, "--format", "json"]);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout).readiness).toEqual({ failures: [] });
    const text = await run(["synth", "--country", "th", "--out", join(root, "th-text")]);
    expect(text.stdout).toContain("deploy readiness: 0 failures");
  });

  it("GIVEN an integrator's Job that no declared node takes WHEN synthesized THEN ReadinessFailure names it and nothing is written", async () => {
    const { K8sObject } = await import("@sovereign/constructs");
    const { ReadinessFailure, synthesizeChecked } = await import("../packages/cli/src/residency.js");
    const { loadProfileFile, shippedProfilePath } = await import("@sovereign/profile");
    const out = join(root, "integrator");
    const labels = { "sovereign.ai/site": "bkk1", "sovereign.ai/data-class": "none" };
    // Assigning Pods to Nodes: a nodeSelector no node carries leaves the pod Pending forever.
    const err = await synthesizeChecked([loadProfileFile(shippedProfilePath("th"))], out, {
      customize: ({ storage }) => {
        new K8sObject(storage, "stray-job", {
          apiVersion: "batch/v1",
          kind: "Job",
          metadata: { name: "stray", namespace: "sovereign-backup", labels },
          spec: { template: { metadata: { labels }, spec: { restartPolicy: "Never", nodeSelector: { "node.example/ssd": "true" }, containers: [] } } },
        });
      },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ReadinessFailure);
    const hit = (err as InstanceType<typeof ReadinessFailure>).readiness.find((f) => f.object.name === "stray");
    expect(hit).toMatchObject({ ruleId: "schedule.node-selector", stack: "th-storage", object: { kind: "Job" } });
    expect(existsSync(out)).toBe(false);
  });
});

describe("sovereign preflight", () => {
  it("GIVEN th's synth output THEN exit 0; GIVEN its serving LimitRange then gets a 2-CPU default limit THEN exit 1 naming it", async () => {
    const out = join(root, "pre");
    expect((await run(["synth", "--country", "th", "--out", out])).code).toBe(0);
    const ok = await run(["preflight", "--synth-dir", out]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/deploy readiness of th: \d+ objects, 0 failure\(s\)/);

    // Limit Ranges: a default CPU limit below the serving container's 4-CPU request makes request > limit.
    const file = join(out, "stacks", "th-platform", "cdk.tf.json");
    const stack = JSON.parse(readFileSync(file, "utf8"));
    const lr = Object.values(stack.resource.kubernetes_manifest as Record<string, { manifest: any }>).find(
      (r) => r.manifest.kind === "LimitRange" && r.manifest.metadata.namespace === "sovereign-serving",
    )!;
    lr.manifest.spec.limits[0].default = { ...lr.manifest.spec.limits[0].default, cpu: "2" };
    writeFileSync(file, JSON.stringify(stack));

    const json = await run(["preflight", "--synth-dir", out, "--format", "json"]);
    expect(json.code).toBe(1);
    const report = JSON.parse(json.stdout);
    expect(report.ok).toBe(false);
    expect(report.countries).toEqual(["th"]);
    const hit = report.findings.find((f: { ruleId: string }) => f.ruleId === "admission.request-limit");
    expect(hit).toMatchObject({ stack: "th-platform", object: { kind: "LimitRange", namespace: "sovereign-serving", name: "container-defaults" } });
    expect(hit.message).toContain("cpu request 4 exceeds its limit 2");
    const text = await run(["preflight", "--synth-dir", out, "--country", "th"]);
    expect(text.code).toBe(1);
    expect(text.stdout).toContain("admission.request-limit  th-platform LimitRange sovereign-serving/container-defaults");
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
