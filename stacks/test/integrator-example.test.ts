import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { ResidentStorageClass } from "@sovereign/constructs";
import { evaluate, ResidencyFailure } from "@sovereign/policy";
import { repoRoot } from "@sovereign/profile";
import { afterAll, describe, expect, it } from "vitest";
import { RESEARCH_NAMESPACE, synthesizeWithResearch } from "../examples/research-tenant.js";
import { collectObjects, collectTerraform, synthesizeCountry } from "../index.js";
import { cleanup, shipped, tempDir } from "./helpers.js";

afterAll(cleanup);

describe("integrator guide worked example (stacks/examples/research-tenant.ts)", () => {
  it("GIVEN th WHEN the example customizes the stacks THEN the research tenant is locked down like the kit's own and passes the platform/storage policies", async () => {
    const profile = shipped("th");
    const out = join(tempDir(), "cdktf.out");
    await synthesizeWithResearch(profile, out);
    const objects = await collectObjects(out);
    const research = objects.filter(
      (o) =>
        o.object.metadata.namespace === RESEARCH_NAMESPACE || o.object.metadata.name === RESEARCH_NAMESPACE,
    );
    const kinds = research.map((o) => o.object.kind);
    for (const k of [
      "Namespace",
      "ResourceQuota",
      "LimitRange",
      "NetworkPolicy",
      "Role",
      "RoleBinding",
      "PersistentVolumeClaim",
    ])
      expect(kinds).toContain(k);
    expect(research.find((o) => o.object.kind === "Namespace")!.stack).toBe("th-platform");
    expect(research.find((o) => o.object.kind === "PersistentVolumeClaim")!.stack).toBe("th-storage");
    const pvc = research.find((o) => o.object.kind === "PersistentVolumeClaim")!.object as unknown as {
      spec: { storageClassName: string };
    };
    expect(pvc.spec.storageClassName).toBe("resident-block");
    const findings = evaluate({ profile, objects, terraform: await collectTerraform(out) }).filter(
      (f) => f.severity === "error" && !f.stack?.endsWith("-serving"),
    );
    expect(findings.map((f) => `${f.ruleId} ${f.objectRef.kind}/${f.objectRef.name}: ${f.message}`)).toEqual(
      [],
    );
  });

  it("GIVEN a customization that adds a storage class the profile does not declare WHEN synthesized THEN the synth itself refuses it and writes nothing", async () => {
    const profile = shipped("th");
    const out = join(tempDir(), "cdktf.out");
    const failure = await synthesizeCountry(profile, out, {
      customize: ({ storage }) => {
        new ResidentStorageClass(storage, "adhoc", {
          name: "adhoc-block",
          site: "bkk1",
          zones: ["bkk1-a"],
          provisioner: "rbd.csi.ceph.com",
          kms: profile.spec.kms,
        });
      },
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(failure).toBeInstanceOf(ResidencyFailure);
    const findings = (failure as ResidencyFailure).findings;
    expect(findings.some((f) => f.severity === "error" && f.objectRef.name === "adhoc-block")).toBe(true);
    expect(existsSync(out)).toBe(false);
  });

  it("GIVEN the example file WHEN run as a script THEN it writes the stacks", () => {
    const out = join(tempDir(), "script-out");
    const stdout = execFileSync(
      process.execPath,
      [
        "--conditions=source",
        "--import",
        "tsx",
        join(repoRoot(), "stacks", "examples", "research-tenant.ts"),
        "th",
        out,
      ],
      { encoding: "utf8", cwd: repoRoot() },
    );
    expect(stdout).toContain("th-platform:");
    expect(existsSync(join(out, "stacks", "th-storage", "cdk.tf.json"))).toBe(true);
  });
});
