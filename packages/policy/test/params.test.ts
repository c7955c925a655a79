// The residency params ConfigMap: what every admission rule reads. Boundary of transfer expiry
// (inclusive, UTC), list encoding, and the fallback domains when a profile declares none.
import { describe, expect, it } from "vitest";
import { fixtureProfile } from "../src/fixtures.js";
import { activeTransfers, buildParams, CLUSTER_NAMESPACES, ENDPOINT_CONTROLLERS, PARAMS_NAME, PARAMS_NAMESPACE } from "../src/params.js";

const profile = fixtureProfile();
const withExpiry = (expires: string) => {
  const p = structuredClone(profile);
  p.spec.residency!.approvedTransfers = [{ ...p.spec.residency!.approvedTransfers[0]!, id: "t", expires }];
  return p;
};

describe("residency params", () => {
  it("GIVEN a transfer expiring 2026-03-10 WHEN evaluated on that day, the day after and the day before THEN active, lapsed, active", () => {
    const p = withExpiry("2026-03-10");
    const ids = (iso: string) => activeTransfers(p, new Date(iso)).map((t) => t.id);
    expect(ids("2026-03-10T23:59:59Z")).toEqual(["t"]);
    expect(ids("2026-03-10T00:00:00Z")).toEqual(["t"]);
    expect(ids("2026-03-11T00:00:00Z")).toEqual([]);
    expect(ids("2026-03-09T12:00:00Z")).toEqual(["t"]);
    expect(buildParams(p, { now: new Date("2026-03-11T00:00:00Z") }).data.approvedTransfers).toBe("");
    const live = buildParams(p, { now: new Date("2026-03-10T08:00:00Z") }).data;
    expect(live.approvedTransfers).toBe("t");
    expect(live["transfer.t.expires"]).toBe("2026-03-10");
    expect(live["transfer.t.destination"]).toBe(p.spec.residency!.approvedTransfers[0]!.destination);
  });

  it("GIVEN the fixture profile WHEN params are built THEN lists are comma-joined, deduplicated and per-class keys present", () => {
    const cm = buildParams(profile, { now: new Date("2026-01-01T00:00:00Z") });
    expect(cm.metadata).toMatchObject({ name: PARAMS_NAME, namespace: PARAMS_NAMESPACE });
    expect(cm.data).toMatchObject({
      country: "TH",
      registry: "registry.fx1.sovereign.example/ai",
      domains: "fx1.sovereign.example,fx2.sovereign.example",
      zones: "fx1-a,fx1-b,fx2-a",
      egressCidrs: "192.0.2.0/25,2001:db8:10::/48,198.51.100.0/25",
      storageClasses: "resident-block,resident-archive,scratch,resident-shared",
      encryptedStorageClasses: "resident-block,resident-archive,scratch,resident-shared",
      "storageClassZones.resident-block": "fx1-a,fx1-b",
      "storageClassZones.resident-archive": "fx2-a",
      "storageClassSite.scratch": "fx1",
      "dataClass.interaction-logs.retentionDays": "30",
      logRetentionLimitDays: "90",
      kmsHost: "kms.fx1.sovereign.example",
      stateBackend: "s3",
      demo: "false",
    });
    expect(Object.keys(cm.data)).toEqual([...Object.keys(cm.data)].sort((a, b) => a.localeCompare(b)));
  });

  it("GIVEN a profile without domains WHEN params are built THEN the registry and KMS hosts are the in-country domains", () => {
    const p = structuredClone(profile);
    for (const s of p.spec.sites) delete s.domains;
    p.spec.registry = "registry.fx1.sovereign.example/ai/";
    const d = buildParams(p).data;
    expect(d.domains).toBe("registry.fx1.sovereign.example,kms.fx1.sovereign.example");
    expect(d.registry).toBe("registry.fx1.sovereign.example/ai");
  });

  it("GIVEN the fixture profile WHEN params are built THEN the ConfigMap's identity is the one every binding's paramRef names", () => {
    const cm = buildParams(profile, { now: new Date("2026-01-01T00:00:00Z") });
    expect([PARAMS_NAME, PARAMS_NAMESPACE]).toEqual(["sovereign-residency-params", "sovereign-system"]);
    expect({ apiVersion: cm.apiVersion, kind: cm.kind, metadata: cm.metadata }).toEqual({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: {
        name: "sovereign-residency-params",
        namespace: "sovereign-system",
        labels: { "app.kubernetes.io/managed-by": "sovereign", "sovereign.ai/country": "th" },
        annotations: {
          "sovereign.ai/purpose": "parameters of the residency ValidatingAdmissionPolicies (paramKind ConfigMap)",
        },
      },
    });
    expect(buildParams(profile, { namespace: "x" }).metadata.namespace).toBe("x");
    const d = cm.data;
    expect(d.sites).toBe("fx1,fx2");
    expect(d["dataClass.model-weights.storageClass"]).toBe("resident-block");
    expect("dataClass.model-weights.retentionDays" in d).toBe(false);
    expect(d["dataClass.backups.retentionDays"]).toBe("365");
    expect(d["transfer.eu-research-mirror.legalBasis"]).toBe(profile.spec.residency!.approvedTransfers[0]!.legalBasis);
    expect(Object.keys(d).filter((k) => k.startsWith("transfer.lapsed-partner"))).toEqual([]);
  });

  it("GIVEN a profile without a residency section or demo label WHEN params are built THEN no transfers, no limit, demo false; with the label THEN demo true", () => {
    const p = structuredClone(profile);
    delete p.spec.residency;
    expect(activeTransfers(p, new Date())).toEqual([]);
    const d = buildParams(p).data;
    expect([d.approvedTransfers, d.logRetentionLimitDays, d.demo]).toEqual(["", "", "false"]);
    p.metadata.labels = { "sovereign.ai/demo": "true" };
    expect(buildParams(p).data.demo).toBe("true");
    p.metadata.labels = { "sovereign.ai/demo": "yes" };
    expect(buildParams(p).data.demo).toBe("false");
  });
  it("GIVEN a training ledger, a training pool and data placed at two sites WHEN params are built THEN pools, recipes, claims and each recipe's data sources are listed", () => {
    const p = structuredClone(profile);
    p.spec.gpuPools.push({ ...p.spec.gpuPools[0]!, name: "train", purpose: "training" });
    p.spec.gpuPools.push({ ...p.spec.gpuPools[0]!, name: "train2", purpose: "training" });
    p.spec.storage.dataClasses["training-data"]!.sites = { fx2: { storageClass: "resident-archive" } };
    p.spec.storage.dataClasses.checkpoints = { storageClass: "resident-archive", size: "1Ti" };
    const a = "a".repeat(64);
    const b = "b".repeat(64);
    p.spec.training = {
      ...p.spec.training,
      approvedRecipes: [
        { name: "cpt", sha256: a, dataSources: ["news", "wiki", "news"] },
        { name: "sft", sha256: b, dataSources: ["chat"] },
      ],
    } as NonNullable<typeof p.spec.training>;
    const d = buildParams(p).data;
    expect(d.trainingPools).toBe("train,train2");
    expect(d.approvedRecipes).toBe(`${a},${b}`);
    expect(d.trainingDataClaims).toBe("training-data,training-data-fx2");
    expect(d.checkpointsClaims).toBe("checkpoints");
    expect(d[`recipe.${a}.name`]).toBe("cpt");
    expect(d[`recipe.${a}.dataSources`]).toBe("news,wiki");
    expect(d[`recipe.${b}.name`]).toBe("sft");
    expect(d[`recipe.${b}.dataSources`]).toBe("chat");
    expect(d["dataClass.training-data.storageClass"]).toBe("resident-block,resident-archive");
  });

  it("GIVEN the fixture profile WHEN params are built THEN the fixed lists (in-cluster suffixes, cluster namespaces, endpoint controllers) are written in full", () => {
    const d = buildParams(profile).data;
    expect(d.inClusterSuffixes).toBe("svc,svc.cluster.local,cluster.local");
    expect(d.clusterNamespaces).toBe("kube-system,kube-public,kube-node-lease,default,gpu-operator,kueue-system,jobset-system");
    expect(d.clusterNamespaces).toBe(CLUSTER_NAMESPACES.join(","));
    expect(d.endpointControllers).toBe(
      "system:serviceaccount:kube-system:endpoint-controller,system:serviceaccount:kube-system:endpointslice-controller," +
        "system:serviceaccount:kube-system:endpointslicemirroring-controller,system:kube-controller-manager",
    );
    expect(ENDPOINT_CONTROLLERS).toHaveLength(4);
    expect(d.residencyLabel).toBe("sovereign.ai/residency");
    expect(d.kmsEndpoint).toBe("https://kms.fx1.sovereign.example");
    expect(d.kmsKeyRef).toBe("fx-root");
    expect(d.dataClasses).toBe("model-weights,training-data,interaction-logs,backups");
    expect([d.approvedRecipes, d.trainingPools, d.checkpointsClaims, d.trainingDataClaims]).toEqual(["", "", "", "training-data"]);
    expect(Object.keys(d).filter((k) => k.startsWith("recipe."))).toEqual([]);
  });

  it("GIVEN a profile adding cluster namespaces WHEN params are built THEN they follow the kit's own, each once", () => {
    const p = structuredClone(profile);
    p.spec.residency!.clusterNamespaces = ["metallb-system", "kube-system"];
    expect(buildParams(p).data.clusterNamespaces).toBe(`${CLUSTER_NAMESPACES.join(",")},metallb-system`);
  });

  it("GIVEN a class on another driver with its own parameters, unencrypted, and a data class left empty WHEN params are built THEN the class's provisioner, sorted parameter keys and values are pinned and the empty data class writes nothing", () => {
    const p = structuredClone(profile);
    p.spec.storage.classes.push({
      name: "plain",
      site: "fx2",
      provisioner: "nfs.csi.k8s.io",
      encrypted: false,
      parameters: { zeta: "z", alpha: "a", mid: "m" },
    } as (typeof p.spec.storage.classes)[number]);
    p.spec.storage.dataClasses.backups = undefined;
    const d = buildParams(p).data;
    expect(d.storageClasses).toBe("resident-block,resident-archive,scratch,resident-shared,plain");
    expect(d.encryptedStorageClasses).toBe("resident-block,resident-archive,scratch,resident-shared");
    expect(d.storageProvisioners).toBe("rbd.csi.ceph.com,cephfs.csi.ceph.com,nfs.csi.k8s.io");
    expect(d["storageClassProvisioner.plain"]).toBe("nfs.csi.k8s.io");
    expect(d["storageClassProvisioner.resident-block"]).toBe("rbd.csi.ceph.com");
    expect(d["storageClassParameterKeys.plain"]).toBe("alpha,mid,zeta");
    expect(d["storageClassParameter.plain.zeta"]).toBe("z");
    expect(d["storageClassParameter.plain.alpha"]).toBe("a");
    expect(d["storageClassParameter.resident-block.pool"]).toBe("rbd");
    expect(d["storageClassParameter.resident-archive.clusterID"]).toBe("fx2-ceph");
    expect(d["storageClassZones.plain"]).toBe("fx2-a");
    expect(Object.keys(d).filter((k) => k.startsWith("dataClass.backups."))).toEqual([]);
    expect(d.dataClasses).toBe("model-weights,training-data,interaction-logs,backups");
  });

  it("GIVEN a class naming an undeclared site WHEN params are built THEN its zone list is empty (the admission rule then admits no zone for it)", () => {
    const p = structuredClone(profile);
    p.spec.storage.classes[2]!.site = "nowhere";
    const d = buildParams(p).data;
    expect(d["storageClassZones.scratch"]).toBe("");
    expect(d["storageClassSite.scratch"]).toBe("nowhere");
  });
});
