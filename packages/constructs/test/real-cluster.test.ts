import { App, TerraformStack } from "@sovereign/constructs";
import { InputError } from "@sovereign/diagnostics";
import { describe, expect, it } from "vitest";
import {
  gateJobManifest,
  jobFromV1Body,
  jobV1Body,
  NetworkLockdown,
  ResidentStorageClass,
  TenantNamespace,
} from "../src/index.js";

const stack = () => new TerraformStack(new App({ outdir: "/nonexistent", stackTraces: false }), "t");

const GATE = {
  model: "m",
  namespace: "serving",
  site: "s1",
  pool: "p1",
  gpu: "H100-SXM5-80GB",
  tensorParallel: 2,
  candidateImage: `registry.example/ai/inference-core@sha256:${"b".repeat(64)}`,
  servingImage: `registry.example/ai/inference-core@sha256:${"c".repeat(64)}`,
  hasBaseline: false,
  recordBaseline: false,
  repetitions: 20,
  rounds: 2,
  casesConfigMap: "m-kernel-cases",
  baselineConfigMap: "m-gate-baseline",
  activeDeadlineSeconds: 3600,
  runAsUser: 65532,
};

describe("kubernetes_job_v1 body of the gate Job", () => {
  it("GIVEN the gate Job manifest WHEN written as job_v1 blocks and read back THEN it is the same Job", () => {
    const job = gateJobManifest(GATE);
    const body = jobV1Body(job) as { metadata: any; spec: any };
    const pod = body.spec.template.spec;
    // The provider's schema spells pod lists as singular blocks and types the UID as a string.
    expect(pod.container).toHaveLength(1);
    expect(pod.init_container.length).toBeGreaterThan(2);
    expect(pod.security_context.run_as_user).toBe("65532");
    expect(pod.affinity.node_affinity.required_during_scheduling_ignored_during_execution.node_selector_term).toHaveLength(1);
    // Label keys and resource names are data, never renamed.
    expect(body.metadata.labels["sovereign.ai/model"]).toBe("m");
    expect(pod.container[0].resources.requests.cpu).toBe("500m");
    expect(pod.init_container[1].resources.limits["nvidia.com/gpu"]).toBe(2);
    expect(jobFromV1Body(body)).toEqual(job);
  });
});

describe("LimitRange defaults", () => {
  it("GIVEN the default container defaults THEN no CPU limit is defaulted (a 4-CPU request would exceed it) and memory is", () => {
    const ns = new TenantNamespace(stack(), "ns", {
      name: "serving",
      country: "th",
      site: "bkk1",
      dataClass: "interaction-logs",
      egressCidrs: ["192.0.2.0/24"],
      quota: { gpus: 8 },
    });
    const lr = ns.objects.map((o) => o.object).find((o) => o.kind === "LimitRange") as any;
    const c = lr.spec.limits[0];
    expect(c.default).toEqual({ memory: "4Gi" });
    expect(c.defaultRequest).toEqual({ cpu: "100m", memory: "256Mi" });
  });
});

describe("NetworkLockdown", () => {
  it("GIVEN an API server endpoint and NodeLocal DNS THEN egress opens exactly those, on their ports", () => {
    const l = new NetworkLockdown(stack(), "n", {
      namespace: "gpu-operator",
      egressCidrs: ["192.0.2.0/24"],
      apiServer: { cidrs: ["198.51.100.10/32"], port: 6443 },
      dns: { namespace: "kube-system", podLabels: { "k8s-app": "kube-dns" }, nodeLocalAddress: "169.254.20.10" },
    });
    const byName = Object.fromEntries(l.objects.map((o) => [o.object.metadata.name, o.object as any]));
    expect(byName["allow-egress-api-server"].spec.egress).toEqual([
      { to: [{ ipBlock: { cidr: "198.51.100.10/32" } }], ports: [{ protocol: "TCP", port: 6443 }] },
    ]);
    expect(byName["allow-egress-cluster-dns"].spec.egress[0].to[1]).toEqual({ ipBlock: { cidr: "169.254.20.10/32" } });
  });

  it("GIVEN a malformed API server CIDR THEN the lockdown refuses it", () => {
    expect(
      () =>
        new NetworkLockdown(stack(), "n", {
          namespace: "gpu-operator",
          egressCidrs: ["192.0.2.0/24"],
          apiServer: { cidrs: ["api.example"], port: 6443 },
        }),
    ).toThrow(InputError);
  });
});

describe("ResidentStorageClass on ceph-csi", () => {
  it("GIVEN Ceph references THEN the class names cluster, pool, every credentials Secret and the KMS entry", () => {
    const sc = new ResidentStorageClass(stack(), "sc", {
      name: "block",
      site: "bkk1",
      zones: ["bkk1-a"],
      provisioner: "rbd.csi.ceph.com",
      kms: { endpoint: "https://kms.example", keyRef: "root" },
      ceph: { clusterID: "c1", pool: "rbd", secretName: "csi-rbd", secretNamespace: "ceph-csi", kmsID: "vault-bkk1" },
    });
    const p = (sc.object.object as any).parameters;
    expect(p).toMatchObject({ clusterID: "c1", pool: "rbd", encrypted: "true", encryptionKMSID: "vault-bkk1" });
    for (const op of ["provisioner", "controller-expand", "node-stage"]) {
      expect(p[`csi.storage.k8s.io/${op}-secret-name`]).toBe("csi-rbd");
      expect(p[`csi.storage.k8s.io/${op}-secret-namespace`]).toBe("ceph-csi");
    }
  });
});
