import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runMain } from "./cli-main.js";
import { afterAll, describe, expect, it, vi } from "vitest";

// The residency engine is replaced here so that this file tests the command's handling of
// findings (exit codes, rendering, nothing written) independently of which rules exist today.
const state = vi.hoisted(() => ({ severity: "error" as "error" | "warning" }));
vi.mock("@sovereign/policy", async (importOriginal) => {
  const real = await importOriginal<typeof import("@sovereign/policy")>();
  return {
    ...real,
    evaluate: (input: {
      objects: {
        stack: string;
        address: string;
        object: { kind: string; metadata: { name: string; namespace?: string } };
      }[];
    }) => {
      const sc = input.objects.find((o) => o.object.kind === "StorageClass");
      // The readiness check also asks the engine about the pods the workloads create: none here.
      if (!sc) return [];
      return [
        {
          ruleId: "storageclass-in-country-zones",
          packId: "residency-core",
          severity: state.severity,
          stack: sc.stack,
          address: sc.address,
          objectRef: { kind: "StorageClass", name: sc.object.metadata.name },
          field: "allowedTopologies",
          message: "zone abroad-1 is not a zone of site bkk1",
          legalRefs: ["TH-PDPA §28"],
        },
      ];
    },
  };
});

const root = mkdtempSync(join(tmpdir(), "sovereign-synth-findings-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const run = (argv: string[]) => runMain(argv, root);

describe("sovereign synth with residency findings", () => {
  it("GIVEN an error-severity finding WHEN synthesizing THEN exit 1, the finding is printed in full and nothing is written", async () => {
    state.severity = "error";
    const out = join(root, "cdktf.out");
    const r = await run(["synth", "--country", "th"]);
    expect(r.code).toBe(1);
    for (const part of [
      "storageclass-in-country-zones",
      "StorageClass",
      "allowedTopologies",
      "zone abroad-1",
      "TH-PDPA §28",
      "th-storage",
    ]) {
      expect(r.stderr).toContain(part);
    }
    expect(r.stderr).toContain("nothing was written to cdktf.out");
    expect(existsSync(out)).toBe(false);
  });

  it("GIVEN --format json THEN the findings are JSON on stdout with written: false", async () => {
    state.severity = "error";
    const r = await run(["synth", "--country", "th", "--format", "json", "--out", "json-out"]);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({ ok: false, written: false });
    expect(report.findings[0]).toMatchObject({
      ruleId: "storageclass-in-country-zones",
      field: "allowedTopologies",
      legalRefs: ["TH-PDPA §28"],
    });
    expect(existsSync(join(root, "json-out"))).toBe(false);
  });

  it("GIVEN only a warning THEN the stacks are written, exit 0, and the warning is shown", async () => {
    state.severity = "warning";
    const r = await run(["synth", "--country", "th", "--out", "warn-out"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("1 warning(s)");
    expect(r.stdout).toContain("storageclass-in-country-zones");
    expect(existsSync(join(root, "warn-out", "stacks", "th-platform", "cdk.tf.json"))).toBe(true);
    // Written outside <repo>/cdktf.out, the relative chart paths cannot resolve: the user is told.
    expect(r.stderr).toContain("does not resolve from warn-out/stacks/<stack>/");
  });
});
