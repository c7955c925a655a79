import { loadProfileFile, shippedProfilePath } from "@sovereign/profile";
import { describe, expect, it } from "vitest";
import {
  CEL_LIBRARIES,
  type CelLibrary,
  MIN_KUBERNETES_VERSION,
  minKubernetesVersion,
  usableFrom,
} from "../src/cel/k8s-versions.js";
import { admissionYaml, bindingScope, exportAdmission } from "../src/export.js";
import { availablePacks, loadPacks, ruleFunctions } from "../src/pack.js";
import { RESIDENCY_LABEL } from "../src/params.js";
import type { K8sObject } from "../src/types.js";

type BindingSpec = {
  policyName: string;
  paramRef: { parameterNotFoundAction: "Allow" | "Deny" };
  matchResources: {
    namespaceSelector: {
      matchLabels?: Record<string, string>;
      matchExpressions?: { key: string; operator: string; values: string[] }[];
    };
  };
};
type PolicySpec = { matchConstraints: { resourceRules: { resources: string[] }[] } };

const profile = loadProfileFile(shippedProfilePath("th"));
const objs = exportAdmission(profile, { now: new Date("2026-01-01T00:00:00Z") });
const bindings = objs.filter((o) => o.kind === "ValidatingAdmissionPolicyBinding") as (K8sObject & {
  spec: BindingSpec;
})[];
const policies = objs.filter((o) => o.kind === "ValidatingAdmissionPolicy") as (K8sObject & {
  spec: PolicySpec;
})[];
const rulesByName = new Map(
  loadPacks(profile.spec.policies)
    .flatMap((p) => p.rules)
    .map((r) => [`sovereign.${r.packId}.${r.id}`, r]),
);

describe("admission never denies the cluster's own components", () => {
  it("GIVEN a namespace-scoped rule WHEN exported THEN its binding matches only namespaces labelled for residency", () => {
    const namespaced = bindings.filter((b) => bindingScope(rulesByName.get(b.spec.policyName)!) === "namespaced");
    expect(namespaced.length).toBeGreaterThan(10);
    for (const b of namespaced) {
      expect(b.spec.matchResources.namespaceSelector.matchLabels, b.metadata.name).toEqual({
        [RESIDENCY_LABEL]: "enforced",
      });
    }
  });

  it("GIVEN any binding WHEN its params object is missing THEN it can deny writes only inside residency namespaces", () => {
    for (const b of bindings) {
      const inResidencyNamespacesOnly =
        b.spec.matchResources.namespaceSelector.matchLabels?.[RESIDENCY_LABEL] === "enforced" &&
        bindingScope(rulesByName.get(b.spec.policyName)!) === "namespaced";
      if (b.spec.paramRef.parameterNotFoundAction === "Deny") expect(inResidencyNamespacesOnly, b.metadata.name).toBe(true);
    }
    // the cluster-wide ones exist and fail open on a missing param
    const wide = bindings.filter((b) => b.spec.paramRef.parameterNotFoundAction === "Allow").map((b) => b.metadata.name);
    expect(wide).toEqual(
      expect.arrayContaining([
        "sovereign.residency-core.storageclass-in-country-zones",
        "sovereign.residency-core.persistentvolume-in-country",
        "sovereign.residency-core.namespace-residency-label",
        "sovereign.residency-core.approved-transfer-valid",
      ]),
    );
  });

  it("GIVEN the namespace rule WHEN exported THEN it sees every namespace except the cluster's own (kube-*, default, gpu-operator)", () => {
    const ns = bindings.find((b) => b.metadata.name === "sovereign.residency-core.namespace-residency-label")!;
    const [expr] = ns.spec.matchResources.namespaceSelector.matchExpressions!;
    expect(expr!.operator).toBe("NotIn");
    expect(expr!.values).toEqual(
      expect.arrayContaining(["kube-system", "kube-public", "kube-node-lease", "default", "gpu-operator"]),
    );
    expect(expr!.values).not.toContain("sovereign-serving");
  });

  it("GIVEN a rule on Pods WHEN exported THEN it also matches the pods/ephemeralcontainers subresource", () => {
    const podPolicies = policies.filter((p) => p.spec.matchConstraints.resourceRules.some((r) => r.resources.includes("pods")));
    expect(podPolicies.length).toBeGreaterThan(5);
    for (const p of podPolicies) {
      const resources = p.spec.matchConstraints.resourceRules.flatMap((r) => r.resources);
      expect(resources, p.metadata.name).toContain("pods/ephemeralcontainers");
      // residency-core's workload rules cover every kind that carries a pod template
      if (!p.metadata.name!.startsWith("sovereign.residency-core.")) continue;
      expect(resources, p.metadata.name).toEqual(
        expect.arrayContaining(["replicationcontrollers", "podtemplates", "deployments", "cronjobs"]),
      );
    }
  });
});

describe("declared minimum Kubernetes version", () => {
  const fns = new Set(
    loadPacks(availablePacks())
      .flatMap((p) => p.rules)
      .flatMap((r) => [...ruleFunctions(r)]),
  );

  it("GIVEN every shipped pack WHEN its functions are looked up THEN each is in the library table", () => {
    expect(minKubernetesVersion(fns).unknown).toEqual([]);
  });

  it("GIVEN the n-1 compatibility rule WHEN the packs use the IP/CIDR library THEN the minimum is 1.31, as declared and exported", () => {
    expect(fns.has("cidr")).toBe(true);
    expect(minKubernetesVersion(fns).version).toBe(MIN_KUBERNETES_VERSION);
    expect(MIN_KUBERNETES_VERSION).toBe("1.31");
    expect(admissionYaml(profile, objs)).toContain(`Kubernetes >= ${MIN_KUBERNETES_VERSION}`);
  });

  it("GIVEN the table WHEN read THEN a library introduced in 1.x is usable from 1.(x+1) and the recorded introductions hold", () => {
    const lib = (name: string) => CEL_LIBRARIES.find((l) => l.name === name) as CelLibrary;
    expect(usableFrom(lib("library.IP"))).toBe("1.31");
    expect(usableFrom(lib("library.CIDR"))).toBe("1.31");
    expect(usableFrom(lib("library.Quantity"))).toBe("1.29");
    expect(usableFrom(lib("library.URLs"))).toBe("1.0");
    // a pack that used only URLs and regex would still need the GA admission API (1.30)
    expect(minKubernetesVersion(["url", "findAll", "matches"]).version).toBe("1.30");
    expect(minKubernetesVersion(["quantity"]).version).toBe("1.30");
    expect(minKubernetesVersion(["isIP"]).version).toBe("1.31");
    expect(minKubernetesVersion(["format"]).unknown).toEqual(["format"]);
  });
});
