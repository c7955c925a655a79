import { App, TerraformStack } from "@sovereign/constructs";
import { InputError } from "@sovereign/diagnostics";
import { describe, expect, it } from "vitest";
import {
  DataVolume,
  GpuOperator,
  K8sObject,
  LeastPrivilegeRole,
  ResidentStorageClass,
  RetentionPurge,
  TenantNamespace,
} from "../src/index.js";

function stack(): TerraformStack {
  return new TerraformStack(new App({ outdir: "/nonexistent", stackTraces: false }), "t");
}

function issuesOf(fn: () => unknown): InputError {
  try {
    fn();
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
  throw new Error("expected an InputError");
}

const DIGEST = "a".repeat(64);

describe("TenantNamespace", () => {
  it("GIVEN several bad props WHEN constructed THEN every problem is reported at once, located by construct path", () => {
    const e = issuesOf(
      () =>
        new TenantNamespace(stack(), "bad", {
          name: "Bad_Name",
          country: "th",
          site: "bkk1",
          dataClass: "interaction-logs",
          egressCidrs: ["not-a-cidr"],
          quota: { gpus: -1, memory: "lots" },
        }),
    );
    expect(e.issues.map((i) => i.path.join("."))).toEqual([
      "name",
      "egressCidrs.0",
      "quota.gpus",
      "quota.memory",
    ]);
    expect(e.issues.every((i) => i.file === "t/bad" && i.hint)).toBe(true);
  });

  it("GIVEN only required props THEN the defaults are restricted Pod Security, a GPU quota and default-deny both ways", () => {
    const ns = new TenantNamespace(stack(), "ok", {
      name: "tenant",
      country: "th",
      site: "bkk1",
      dataClass: "model-weights",
      egressCidrs: ["192.0.2.0/24"],
      quota: { gpus: 8 },
    });
    const byKind = (k: string) => ns.objects.map((o) => o.object).filter((o) => o.kind === k);
    expect(byKind("Namespace")[0]!.metadata.labels).toMatchObject({
      "pod-security.kubernetes.io/enforce": "restricted",
      "sovereign.ai/site": "bkk1",
      "sovereign.ai/data-class": "model-weights",
    });
    expect(
      (byKind("ResourceQuota")[0] as unknown as { spec: { hard: Record<string, string> } }).spec.hard[
        "requests.nvidia.com/gpu"
      ],
    ).toBe("8");
    const deny = byKind("NetworkPolicy").find((p) => p.metadata.name === "default-deny-all") as unknown as {
      spec: unknown;
    };
    expect(deny.spec).toEqual({ podSelector: {}, policyTypes: ["Ingress", "Egress"] });
  });
});

describe("ResidentStorageClass", () => {
  it("GIVEN no zones and a secret-looking parameter THEN both are reported", () => {
    const e = issuesOf(
      () =>
        new ResidentStorageClass(stack(), "sc", {
          name: "sc",
          site: "bkk1",
          zones: [],
          provisioner: "rbd.csi.ceph.com",
          kms: { endpoint: "https://kms.example", keyRef: "k" },
          parameters: { userPassword: "hunter2" },
        }),
    );
    expect(e.issues.map((i) => i.path.join("."))).toEqual(["zones", "parameters.userPassword"]);
    expect(JSON.stringify(e.issues)).not.toContain("hunter2");
  });

  it("GIVEN defaults THEN volumes are retained, encrypted with the KMS key and bound to the zones", () => {
    const sc = new ResidentStorageClass(stack(), "sc", {
      name: "sc",
      site: "bkk1",
      zones: ["bkk1-a"],
      provisioner: "rbd.csi.ceph.com",
      kms: { endpoint: "https://kms.example", keyRef: "th-root" },
    });
    expect(sc.object.object).toMatchObject({
      reclaimPolicy: "Retain",
      volumeBindingMode: "WaitForFirstConsumer",
      parameters: { encrypted: "true", encryptionKMSID: "th-root" },
      allowedTopologies: [
        { matchLabelExpressions: [{ key: "topology.kubernetes.io/zone", values: ["bkk1-a"] }] },
      ],
    });
  });
});

describe("other constructs refuse unsafe props", () => {
  it("GIVEN a wildcard role THEN LeastPrivilegeRole refuses it", () => {
    const e = issuesOf(
      () =>
        new LeastPrivilegeRole(stack(), "r", {
          name: "r",
          namespace: "n",
          rules: [{ apiGroups: ["*"], resources: ["secrets"], verbs: ["*"] }],
          groups: [],
        }),
    );
    expect(e.issues.map((i) => i.path.join("."))).toEqual([
      "groups",
      "rules.0.verbs",
      "rules.0.apiGroups",
      "rules.0.resources",
    ]);
  });

  it("GIVEN a foreign or tag-only image THEN RetentionPurge and GpuOperator refuse it", () => {
    expect(
      issuesOf(
        () =>
          new RetentionPurge(stack(), "p", {
            namespace: "n",
            claimName: "interaction-logs",
            dataClass: "interaction-logs",
            site: "bkk1",
            retentionDays: 0,
            image: "docker.io/library/busybox:latest",
            registry: "registry.example/ai",
          }),
      ).issues.map((i) => i.path[0]),
    ).toEqual(["retentionDays", "image"]);
    expect(
      issuesOf(
        () =>
          new GpuOperator(stack(), "g", {
            registry: "registry.example/ai",
            chartVersion: "v1",
            images: { driver: `nvcr.io/nvidia/driver@sha256:${DIGEST}` },
            pools: [],
          }),
      ).issues.map((i) => i.path.join(".")),
    ).toEqual([
      "images.driver",
      // Every operand that runs needs an in-country image, or the chart pulls its foreign default.
      ...["operator", "driverManager", "toolkit", "devicePlugin", "dcgmExporter"].map((c) => `images.${c}`),
      ...["gpuFeatureDiscovery", "validator", "nodeFeatureDiscovery"].map((c) => `images.${c}`),
    ]);
  });

  it("GIVEN a bad size THEN DataVolume refuses it; GIVEN a nameless object THEN K8sObject refuses it", () => {
    const s = stack();
    const sc = new ResidentStorageClass(s, "sc", {
      name: "sc",
      site: "a",
      zones: ["a-1"],
      provisioner: "p",
      kms: { endpoint: "https://k.example", keyRef: "k" },
    });
    expect(
      issuesOf(
        () =>
          new DataVolume(s, "v", {
            dataClass: "backups",
            namespace: "n",
            storageClass: sc,
            site: "a",
            size: "big",
          }),
      ).issues[0]!.path,
    ).toEqual(["size"]);
    expect(
      issuesOf(() => new K8sObject(s, "o", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "" } }))
        .issues[0]!.path,
    ).toEqual(["metadata", "name"]);
  });
});
