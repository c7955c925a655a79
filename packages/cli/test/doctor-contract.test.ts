import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadProfileFile, shippedProfilePath } from "@sovereign/profile";
import { afterAll, describe, expect, it } from "vitest";
import { repoRoot } from "@sovereign/profile";
import { type ClusterGet, clusterContractChecks, DOCTOR_PROVIDER_VARIABLES, providerEnvChecks } from "../src/cluster-contract.js";

const dir = mkdtempSync(join(tmpdir(), "doctor-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const kubeconfig = join(dir, "config");
writeFileSync(kubeconfig, "apiVersion: v1\nkind: Config\ncontexts:\n  - name: sovereign-th\n    context: { cluster: c, user: u }\n");

describe("doctor: the environment the Terraform providers read", () => {
  it("GIVEN the upstream records of kubernetes 2.38.0 and helm 3.1.1 THEN both read every variable doctor checks, and neither reads KUBECONFIG", () => {
    for (const f of ["terraform-provider-kubernetes-v2.38.0.json", "terraform-provider-helm-v3.1.1.json"]) {
      const vars: string[] = JSON.parse(readFileSync(join(repoRoot(), "upstream", f), "utf8")).provider.environment.variables;
      for (const v of DOCTOR_PROVIDER_VARIABLES) expect(vars, `${f} ${v}`).toContain(v);
      expect(vars).not.toContain("KUBECONFIG");
    }
  });

  it("GIVEN only KUBECONFIG WHEN checked THEN credentials are missing and the fix names KUBE_CONFIG_PATH", () => {
    const [c] = providerEnvChecks({ KUBECONFIG: kubeconfig });
    expect(c!.ok).toBe(false);
    expect(c!.detail).toContain(`export KUBE_CONFIG_PATH=${kubeconfig}`);
  });

  it("GIVEN KUBE_CONFIG_PATH and a KUBE_CTX in it THEN both pass; an unknown KUBE_CTX fails naming the contexts", () => {
    expect(providerEnvChecks({ KUBE_CONFIG_PATH: kubeconfig, KUBE_CTX: "sovereign-th" }).every((c) => c.ok)).toBe(true);
    const bad = providerEnvChecks({ KUBE_CONFIG_PATH: kubeconfig, KUBE_CTX: "other" }).find((c) => c.name === "KUBE_CTX");
    expect(bad!.ok).toBe(false);
    expect(bad!.detail).toContain("has: sovereign-th");
  });

  it("GIVEN KUBE_CONFIG_PATH naming a missing file THEN the check fails naming it", () => {
    const [c] = providerEnvChecks({ KUBE_CONFIG_PATH: join(dir, "nope") });
    expect(c!.ok).toBe(false);
    expect(c!.detail).toContain("nope not found");
  });
});

describe("doctor --cluster: the cluster contract, from recorded kubectl output", () => {
  const th = loadProfileFile(shippedProfilePath("th"));
  const node = (zone: string, pool?: string) => ({
    metadata: { labels: { "topology.kubernetes.io/zone": zone, ...(pool ? { "sovereign.ai/gpu-pool": pool } : {}) } },
    spec: pool ? { taints: [{ key: "sovereign.ai/gpu-pool", value: pool, effect: "NoSchedule" }] } : {},
  });
  const complete: Record<string, object> = {
    "get nodes": {
      items: [
        node("bkk1-a"),
        node("bkk1-b"),
        ...Array.from({ length: 4 }, () => node("bkk1-a", "h100-serve")),
        ...Array.from({ length: 2 }, () => node("bkk1-b", "l40s-shared")),
        ...Array.from({ length: 8 }, () => node("bkk1-a", "h100-train")),
      ],
    },
    "get csidriver rbd.csi.ceph.com": { metadata: { name: "rbd.csi.ceph.com" } },
    // th's interaction logs are on CephFS (ReadWriteMany): its driver is part of the contract.
    "get csidriver cephfs.csi.ceph.com": { metadata: { name: "cephfs.csi.ceph.com" } },
    "get service kube-dns": { metadata: { name: "kube-dns" } },
    "get crd httproutes.gateway.networking.k8s.io": { metadata: {} },
    "get namespace sovereign-gateway": { metadata: {} },
    "get endpoints kubernetes": { subsets: [{ addresses: [{ ip: "192.0.2.10" }] }] },
  };
  const fake =
    (objects: Record<string, object>): ClusterGet =>
    (args) => {
      const k = Object.keys(objects).find((key) => args.join(" ").startsWith(key));
      return k ? (objects[k] as Record<string, unknown>) : undefined;
    };

  it("GIVEN a cluster that provides everything THEN every contract check passes", () => {
    const checks = clusterContractChecks(th, fake(complete));
    expect(checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`)).toEqual([]);
    expect(checks.map((c) => c.name)).toContain("cluster: zone labels");
  });

  it("GIVEN unlabelled zones, an untainted pool, no CSI driver and an API server outside the egress networks THEN each fails by name", () => {
    const broken = {
      ...complete,
      "get nodes": { items: [node("bkk1-a"), ...Array.from({ length: 4 }, () => ({ metadata: { labels: { "sovereign.ai/gpu-pool": "h100-serve" } }, spec: {} }))] },
      "get csidriver rbd.csi.ceph.com": undefined as unknown as object,
      "get endpoints kubernetes": { subsets: [{ addresses: [{ ip: "203.0.113.5" }] }] },
    };
    delete (broken as Record<string, unknown>)["get csidriver rbd.csi.ceph.com"];
    const failed = Object.fromEntries(clusterContractChecks(th, fake(broken)).filter((c) => !c.ok).map((c) => [c.name, c.detail]));
    expect(failed["cluster: zone labels"]).toContain("bkk1-b");
    expect(failed["cluster: pool h100-serve"]).toBe("4/4 nodes labelled, 0 tainted");
    expect(failed["cluster: CSI driver rbd.csi.ceph.com"]).toBe("not installed");
    expect(failed["cluster: API server address"]).toContain("203.0.113.5 outside every egressCidr");
  });
});
