import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { evaluate, exportAdmission, resourceOf } from "@sovereign/policy";
import { loadProfileFile, repoRoot, shippedProfilePath } from "@sovereign/profile";
import { matchesLabelSelector } from "@sovereign/readiness";
import { collectObjects, synthesizeCountry } from "@sovereign/stacks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// The objects the GPU Operator v25.3.0 creates at run time (its operands) and through its chart,
// as recorded from the operator's source in upstream/. They carry none of the kit's labels, so
// a binding that matched them would deny them when a node restarts or the operator reconciles.
type Operand = { kind: string; name: string; namespace?: string };
type Json = Record<string, any>;

const record = JSON.parse(readFileSync(join(repoRoot(), "upstream", "gpu-operator-v25.3.0.json"), "utf8")) as {
  operands: Operand[];
};

const NOW = new Date("2026-01-01T00:00:00Z");

describe.each(["th", "kr", "sa"])("admission and the GPU Operator's own objects (%s)", (cc) => {
  const profile = loadProfileFile(shippedProfilePath(cc));
  const dir = mkdtempSync(join(tmpdir(), `adm-ops-${cc}-`));
  let namespaceLabels: Map<string, Record<string, string>>;
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  beforeAll(async () => {
    await synthesizeCountry(profile, dir);
    const objects = (await collectObjects(dir)).map((o) => o.object as Json);
    namespaceLabels = new Map(
      objects.filter((o) => o.kind === "Namespace").map((o) => [o.metadata.name, o.metadata.labels ?? {}]),
    );
  });

  const admission = exportAdmission(profile, { now: NOW }) as Json[];
  const policies = new Map(
    admission.filter((o) => o.kind === "ValidatingAdmissionPolicy").map((p) => [p.metadata.name, p]),
  );
  const bindings = admission.filter((o) => o.kind === "ValidatingAdmissionPolicyBinding");

  /** The bindings whose policy targets this kind and whose namespaceSelector selects its namespace. */
  function bindingsFor(o: Operand): string[] {
    const ns = o.namespace ? "gpu-operator" : undefined; // the operator and its release share the kit's gpu-operator namespace
    const labels = ns ? namespaceLabels.get(ns) : undefined;
    return bindings
      .filter((b) => {
        const p = policies.get(b.spec.policyName);
        const rules = (p?.spec.matchConstraints?.resourceRules ?? []) as Json[];
        const targets = rules.some((r) => r.resources.includes(resourceOf(o.kind)) || r.resources.includes("*"));
        if (!targets) return false;
        // Kubernetes: namespaceSelector is ignored for cluster-scoped objects (they always match it).
        if (!ns) return true;
        return matchesLabelSelector({ ...labels, "kubernetes.io/metadata.name": ns }, b.spec.matchResources?.namespaceSelector);
      })
      .map((b) => b.metadata.name);
  }

  it("GIVEN the kit's gpu-operator namespace WHEN synthesized THEN it exists and is not a residency-enforced namespace", () => {
    const labels = namespaceLabels.get("gpu-operator");
    expect(labels).toBeDefined();
    expect(labels!["sovereign.ai/residency"]).toBeUndefined();
  });

  it("GIVEN every namespaced operand the operator or its chart creates WHEN matched against the exported bindings THEN no binding selects it", () => {
    const namespaced = record.operands.filter((o) => o.namespace);
    expect(namespaced.length).toBeGreaterThan(10);
    for (const o of namespaced) expect(bindingsFor(o), `${o.kind} ${o.name}`).toEqual([]);
  });

  it("GIVEN the RuntimeClasses the operator creates WHEN the bindings that select them run THEN none denies them", () => {
    const clusterScoped = record.operands.filter((o) => !o.namespace);
    expect(clusterScoped.map((o) => o.kind)).toContain("RuntimeClass");
    // Only the transfer rules (every kind, narrowed by their matchConditions) select a RuntimeClass.
    for (const o of clusterScoped)
      for (const b of bindingsFor(o)) expect(b, `${o.kind} ${o.name}`).toMatch(/transfer/);
    const objects = clusterScoped.map((o) => ({
      stack: "operator",
      address: "",
      source: "manifest" as const,
      object: { apiVersion: "node.k8s.io/v1", kind: o.kind, metadata: { name: o.name }, handler: o.name.replace(/^nvidia-?/, "") || "nvidia" },
    }));
    const findings = evaluate({ profile, objects, terraform: [], now: NOW });
    expect(findings.filter((f) => f.severity === "error").map((f) => `${f.ruleId} ${f.objectRef.name}`)).toEqual([]);
  });

  it("GIVEN the same matcher WHEN a workload sits in a residency-enforced kit namespace THEN bindings do select it (the check can fail)", () => {
    const saved = namespaceLabels.get("gpu-operator");
    namespaceLabels.set("gpu-operator", namespaceLabels.get("sovereign-serving")!);
    try {
      expect(bindingsFor({ kind: "DaemonSet", name: "probe", namespace: "gpu-operator" }).length).toBeGreaterThan(0);
    } finally {
      namespaceLabels.set("gpu-operator", saved!);
    }
  });
});
