import { loadProfileFile, shippedProfilePath } from "@sovereign/profile";
import {
  ValidatingAdmissionPolicy,
  ValidatingAdmissionPolicyBinding,
} from "kubernetes-models/admissionregistration.k8s.io/v1";
import { ConfigMap } from "kubernetes-models/v1";
import { describe, expect, it } from "vitest";
import { exportAdmission, resourceOf } from "../src/export.js";
import { loadPacks } from "../src/pack.js";

describe("exportAdmission", () => {
  for (const cc of ["th", "kr", "sa"]) {
    it(`GIVEN the shipped ${cc} profile WHEN exported THEN every object validates against the Kubernetes schema`, () => {
      const profile = loadProfileFile(shippedProfilePath(cc));
      const objs = exportAdmission(profile, { now: new Date("2026-01-01T00:00:00Z") });
      const k8sRules = loadPacks(profile.spec.policies)
        .flatMap((p) => p.rules)
        .filter((r) => r.targets.kubernetes);
      expect(objs.filter((o) => o.kind === "ValidatingAdmissionPolicy")).toHaveLength(k8sRules.length);
      expect(objs.filter((o) => o.kind === "ValidatingAdmissionPolicyBinding")).toHaveLength(k8sRules.length);
      for (const o of objs) {
        const model =
          o.kind === "ConfigMap"
            ? new ConfigMap(o as never)
            : o.kind === "ValidatingAdmissionPolicy"
              ? new ValidatingAdmissionPolicy(o as never)
              : new ValidatingAdmissionPolicyBinding(o as never);
        expect(() => model.validate(), `${o.kind} ${o.metadata.name}`).not.toThrow();
      }
    });
  }

  it("GIVEN error and terraform rules WHEN exported THEN errors deny, terraform rules are listed as synth-only, params are a ConfigMap", () => {
    const profile = loadProfileFile(shippedProfilePath("th"));
    const objs = exportAdmission(profile);
    const binding = objs.find(
      (o) => o.metadata.name === "sovereign.residency-core.image-pinned-digest" && o.kind.endsWith("Binding"),
    )!;
    expect((binding.spec as { validationActions: string[] }).validationActions).toEqual(["Deny"]);
    expect((binding.spec as { paramRef: { name: string } }).paramRef.name).toBe("sovereign-residency-params");
    expect(objs.some((o) => o.metadata.name?.includes("state-backend"))).toBe(false);
    const params = objs.find((o) => o.kind === "ConfigMap")!;
    expect(params.metadata.annotations!["sovereign.ai/synth-only-rules"]).toContain(
      "residency-core/state-backend-in-country",
    );
    expect((params as unknown as { data: Record<string, string> }).data.registry).toBe(
      "registry.bkk1.sovereign.example/ai",
    );
  });

  it("GIVEN a malformed binding WHEN validated THEN the Kubernetes schema rejects it (the check can fail)", () => {
    const bad = new ValidatingAdmissionPolicyBinding({
      metadata: { name: "x" },
      spec: { policyName: "x", validationActions: "Deny" },
    } as never);
    expect(() => bad.validate()).toThrow();
  });

  it("GIVEN kinds WHEN pluralised THEN they match the API resource names", () => {
    expect(
      ["Pod", "NetworkPolicy", "Ingress", "StorageClass", "PersistentVolumeClaim", "HTTPRoute"].map(
        resourceOf,
      ),
    ).toEqual([
      "pods",
      "networkpolicies",
      "ingresses",
      "storageclasses",
      "persistentvolumeclaims",
      "httproutes",
    ]);
  });
});
