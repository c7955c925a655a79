import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkReadiness, type ReadinessFinding } from "../src/index.js";
import { cleanup, type Synthesized, synthesized } from "./helpers.js";

afterAll(cleanup);

describe.each(["kr", "sa", "th"])("deploy readiness of shipped %s", (cc) => {
  let c: Synthesized;
  let findings: ReadinessFinding[];
  beforeAll(async () => {
    c = await synthesized(cc);
    findings = checkReadiness(c);
  });

  it("GIVEN the shipped synth WHEN checked THEN nothing fails", () => {
    expect(findings.map((f) => `${f.ruleId} ${f.stack} ${f.object.kind} ${f.object.name}: ${f.message}`)).toEqual([]);
  });

  it("GIVEN the shipped synth THEN the check had every kind of pod to prove: serving, gate and purge pods, and the operator release", () => {
    const kinds = new Set(c.objects.map((o) => o.object.kind));
    for (const k of ["Deployment", "Job", "CronJob", "NetworkPolicy", "LimitRange", "ResourceQuota", "StorageClass"])
      expect(kinds, k).toContain(k);
    expect(c.unrendered.map((u) => u.namespace)).toContain("gpu-operator");
    expect(c.objects.filter((o) => o.object.kind === "Deployment")).toHaveLength(c.profile.spec.serving.models.length);
  });
});
