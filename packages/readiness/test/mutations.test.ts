import type { SynthObject } from "@sovereign/policy";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ClusterModel, checkReadiness, clusterModel, type ReadinessFinding, type RuleId } from "../src/index.js";
import { byKind, cleanup, key, mutated, type Synthesized, synthesized } from "./helpers.js";

/**
 * Mutation tests: one change to a synthesized th stack (or to the cluster the profile declares)
 * must make the check fail with the rule that change breaks, naming the object. Each case says
 * which documented Kubernetes behaviour makes the mutated stack fail on a real cluster.
 */

let th: Synthesized;
let baseline: Set<string>;

beforeAll(async () => {
  th = await synthesized("th");
  baseline = new Set(checkReadiness(th).map(full));
});
afterAll(cleanup);

/** A finding with its message: a mutation may change the message of a finding on the same object. */
const full = (f: ReadinessFinding) => `${key(f)} ${f.message}`;

/** Findings the mutation adds over the unmutated synth. */
function added(objects: SynthObject[], cluster?: ClusterModel): ReadinessFinding[] {
  return checkReadiness({ ...th, objects, ...(cluster ? { cluster } : {}) }).filter((f) => !baseline.has(full(f)));
}

function expectFinding(fs: ReadinessFinding[], rule: RuleId, kind: string, name: string | RegExp, text?: string): void {
  const hit = fs.find(
    (f) =>
      f.ruleId === rule &&
      f.object.kind === kind &&
      (typeof name === "string" ? f.object.name === name : name.test(f.object.name)) &&
      (text === undefined || f.message.includes(text)),
  );
  expect(hit, `expected ${rule} on ${kind} ${name}; got ${JSON.stringify(fs.map(key))}`).toBeDefined();
  expect(hit!.fix.length).toBeGreaterThan(10);
  expect(hit!.stack).toMatch(/^th-(platform|gpu|storage|serving)$/);
  expect(hit!.address).toMatch(/^(kubernetes_manifest|kubernetes_job_v1|helm_release)\./);
}

const GATE = /^r1-distill-qwen-14b-gate-/;
const gateSpec = (o: Record<string, any>) => o.spec.template.spec;
const cronSpec = (o: Record<string, any>) => o.spec.jobTemplate.spec.template.spec;

describe("mutated th stacks fail the readiness check, naming the object and rule", () => {
  it("GIVEN the unmutated synth THEN the check finds nothing (each mutation below is the only failure)", () => {
    expect([...baseline]).toEqual([]);
  });

  // Taints and Tolerations: a NoSchedule taint repels every pod that does not tolerate it.
  it("GIVEN the h100-serve pool's taint changes value WHEN checked THEN the gate Job fails schedule.taints", () => {
    const model = clusterModel(th.profile);
    const cluster = {
      ...model,
      nodes: model.nodes.map((n) =>
        n.name.startsWith("pool/h100-serve/")
          ? { ...n, taints: n.taints.map((t) => ({ ...t, value: "renamed" })) }
          : n,
      ),
    };
    expectFinding(added(th.objects, cluster), "schedule.taints", "Job", GATE, "not tolerated");
  });

  // GPU Operator values (daemonsets.tolerations, node-feature-discovery.worker.tolerations) place the operands.
  it("GIVEN the operator's values tolerate the pool taint THEN its operands fit every pool; taking the NFD worker's away fails it alone", () => {
    const tolerate = JSON.stringify({
      daemonsets: { tolerations: [{ key: "sovereign.ai/gpu-pool", operator: "Exists", effect: "NoSchedule" }] },
      "node-feature-discovery": { worker: { tolerations: [{ operator: "Exists" }] } },
    });
    const withValues = (extra: string) =>
      checkReadiness({ ...th, unrendered: th.unrendered.map((u) => ({ ...u, values: [...(u.values ?? []), extra] })) }).filter(
        (f) => f.ruleId === "schedule.taints" && f.object.kind === "HelmRelease",
      );
    expect(withValues(tolerate)).toEqual([]);
    const nfdOnly = withValues(JSON.stringify({ ...JSON.parse(tolerate), "node-feature-discovery": { worker: { tolerations: [] } } }));
    // One finding per pool, each about the NFD worker only.
    expect(nfdOnly.map((f) => /of pool ([a-z0-9-]+)/.exec(f.message)?.[1]).sort()).toEqual(
      th.profile.spec.gpuPools.map((p) => p.name).sort(),
    );
    for (const f of nfdOnly) {
      expect(f.message).toContain("node-feature-discovery worker do not tolerate taint sovereign.ai/gpu-pool");
      expect(f.stack).toBe("th-gpu");
    }
  });

  it("GIVEN the gate Job loses its toleration WHEN checked THEN it fails schedule.taints", () => {
    const objects = mutated(th.objects, byKind("Job", GATE), (o) => {
      gateSpec(o).tolerations = [];
    });
    expectFinding(added(objects), "schedule.taints", "Job", GATE);
  });

  // Assigning Pods to Nodes: required node affinity terms must match a node's labels.
  it("GIVEN the gate Job's node affinity names an undeclared pool WHEN checked THEN it fails schedule.node-selector", () => {
    const objects = mutated(th.objects, byKind("Job", GATE), (o) => {
      gateSpec(o).affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].values =
        ["no-such-pool"];
    });
    expectFinding(added(objects), "schedule.node-selector", "Job", GATE);
  });

  it("GIVEN the purge CronJob gets a nodeSelector no node carries WHEN checked THEN it fails schedule.node-selector", () => {
    const objects = mutated(th.objects, byKind("CronJob", "purge-backups"), (o) => {
      cronSpec(o).nodeSelector = { "node.example/ssd": "true" };
    });
    expectFinding(added(objects), "schedule.node-selector", "CronJob", "purge-backups", "nodeSelector node.example/ssd");
  });

  // Resource Management for Pods: a pod is placed only on a node whose allocatable covers its requests.
  it("GIVEN the gate Job asks for 16 GPUs on 8-GPU nodes WHEN checked THEN it fails schedule.resources", () => {
    const objects = mutated(th.objects, byKind("Job", GATE), (o) => {
      for (const c of [...gateSpec(o).initContainers, ...gateSpec(o).containers])
        if (c.resources.requests["nvidia.com/gpu"]) {
          c.resources.requests["nvidia.com/gpu"] = 16;
          c.resources.limits["nvidia.com/gpu"] = 16;
        }
    });
    expectFinding(added(objects), "schedule.resources", "Job", GATE, "nvidia.com/gpu");
  });

  // Storage Classes, allowed topologies: volumes are provisioned only in the listed zones.
  it("GIVEN the weights class's zones move to another zone WHEN checked THEN the serving Deployment fails volume.topology naming the class", () => {
    const objects = mutated(th.objects, byKind("StorageClass", "resident-block"), (o) => {
      o.allowedTopologies[0].matchLabelExpressions[0].values = ["elsewhere-a"];
    });
    expectFinding(added(objects), "volume.topology", "Deployment", "r1-distill-qwen-14b", "resident-block");
  });

  // Storage Classes, volume binding mode: Immediate provisions before the pod is scheduled.
  it("GIVEN the class binds Immediately and the pool has nodes in one zone only WHEN checked THEN volume.binding", () => {
    const objects = mutated(th.objects, byKind("StorageClass", "resident-block"), (o) => {
      o.volumeBindingMode = "Immediate";
    });
    const model = clusterModel(th.profile);
    const cluster = { ...model, nodes: model.nodes.filter((n) => !(n.name.startsWith("pool/") && n.zone === "bkk1-b")) };
    expectFinding(added(objects, cluster), "volume.binding", "Deployment", "r1-distill-qwen-14b", "bkk1-b");
  });

  // ceph-csi: CreateVolume needs clusterID and a pool; credentials come from the named Secrets.
  it("GIVEN the weights class gets its Ceph references, then loses the node-stage Secret WHEN checked THEN volume.provisioner names the class", () => {
    const complete = {
      clusterID: "bkk1-ceph",
      pool: "rbd",
      ...Object.fromEntries(
        ["provisioner", "node-stage", "controller-expand"].flatMap((op) => [
          [`csi.storage.k8s.io/${op}-secret-name`, "csi-rbd"],
          [`csi.storage.k8s.io/${op}-secret-namespace`, "ceph-csi"],
        ]),
      ),
    };
    const fixed = mutated(th.objects, byKind("StorageClass", "resident-block"), (o) => {
      Object.assign(o.parameters, complete);
    });
    const onClass = (objects: SynthObject[]) =>
      checkReadiness({ ...th, objects }).filter((f) => f.ruleId === "volume.provisioner" && f.object.name === "resident-block");
    expect(onClass(fixed)).toEqual([]);
    const broken = mutated(fixed, byKind("StorageClass", "resident-block"), (o) => {
      delete o.parameters["csi.storage.k8s.io/node-stage-secret-name"];
    });
    expect(onClass(broken).map((f) => f.message)).toEqual([
      "rbd.csi.ceph.com (ceph-csi v3.12.2) cannot provision a volume of this class: parameter(s) csi.storage.k8s.io/node-stage-secret-name missing",
    ]);
  });

  it("GIVEN the purge CronJob mounts a claim no stack creates WHEN checked THEN it fails volume.claim", () => {
    const objects = mutated(th.objects, byKind("CronJob", "purge-backups"), (o) => {
      cronSpec(o).volumes[0].persistentVolumeClaim.claimName = "backups-typo";
    });
    expectFinding(added(objects), "volume.claim", "CronJob", "purge-backups", "backups-typo");
  });

  // Limit Ranges: min is enforced on the request after defaulting.
  it("GIVEN the backup LimitRange sets a 1-CPU minimum WHEN checked THEN the purge pod fails admission.limit-range on that LimitRange", () => {
    const objects = mutated(th.objects, byKind("LimitRange", "container-defaults", "sovereign-backup"), (o) => {
      o.spec.limits[0].min = { cpu: "1" };
    });
    expectFinding(added(objects), "admission.limit-range", "LimitRange", "container-defaults", "purge-backups");
  });

  // Limit Ranges: a default limit below a container's request makes request > limit, which validation rejects.
  it("GIVEN the training LimitRange's default memory drops below a request WHEN checked THEN admission.request-limit names it", () => {
    const objects = mutated(th.objects, byKind("CronJob", "purge-checkpoints"), (o) => {
      delete cronSpec(o).containers[0].resources.limits.memory;
    });
    const objects2 = mutated(objects, byKind("LimitRange", "container-defaults", "sovereign-training"), (o) => {
      o.spec.limits[0].default.memory = "32Mi";
    });
    expectFinding(added(objects2), "admission.request-limit", "LimitRange", "container-defaults", "memory request 64Mi exceeds its limit 32Mi");
  });

  // Resource Quotas: a pod whose requests exceed the namespace's hard limit is refused at creation.
  it("GIVEN the serving quota allows no GPU WHEN checked THEN admission.quota names the ResourceQuota", () => {
    const objects = mutated(th.objects, byKind("ResourceQuota", "tenant-quota", "sovereign-serving"), (o) => {
      o.spec.hard["requests.nvidia.com/gpu"] = "0";
    });
    expectFinding(added(objects), "admission.quota", "ResourceQuota", "tenant-quota", "requests.nvidia.com/gpu");
  });

  // Pod Security Standards: restricted forbids host namespaces and requires runAsNonRoot.
  it("GIVEN the purge CronJob uses hostNetwork and may run as root WHEN checked THEN admission.pod-security", () => {
    const objects = mutated(th.objects, byKind("CronJob", "purge-interaction-logs"), (o) => {
      cronSpec(o).hostNetwork = true;
      delete cronSpec(o).securityContext.runAsNonRoot;
    });
    expectFinding(added(objects), "admission.pod-security", "CronJob", "purge-interaction-logs", "hostNamespaces");
  });

  // Network Policies: egress is allowed only by a rule of a policy selecting the pod; ports must match.
  it("GIVEN the backup namespace's DNS rule moves to port 54 WHEN checked THEN network.dns names the purge CronJob", () => {
    const objects = mutated(th.objects, byKind("NetworkPolicy", "allow-egress-cluster-dns", "sovereign-backup"), (o) => {
      for (const p of o.spec.egress[0].ports) p.port = 54;
    });
    expectFinding(added(objects), "network.dns", "CronJob", "purge-backups", "kube-system");
  });

  // NodeLocal DNSCache: pods send DNS to a link-local address on the node, which egress must allow.
  it("GIVEN the cluster runs NodeLocal DNSCache WHEN the DNS rule allows only the kube-dns pods THEN network.dns names every workload", () => {
    const cluster = clusterModel(th.profile, { nodeLocalDns: ["169.254.20.10"] });
    const fs = added(th.objects, cluster);
    expectFinding(fs, "network.dns", "Deployment", "r1-distill-qwen-14b", "169.254.20.10/32 UDP/53");
    expectFinding(fs, "network.dns", "CronJob", "purge-backups", "169.254.20.10/32 TCP/53");
  });

  // Network Policies: ipBlock except carves addresses out of the allowed range.
  it("GIVEN the serving in-country rule excepts the weights host's network WHEN checked THEN network.endpoint names the Deployment", () => {
    const objects = mutated(th.objects, byKind("NetworkPolicy", "allow-egress-in-country", "sovereign-serving"), (o) => {
      o.spec.egress[0].to[0].ipBlock.except = ["192.0.2.0/26"];
    });
    expectFinding(added(objects), "network.endpoint", "Deployment", "r1-distill-qwen-14b", "weights.bkk1.sovereign.example");
  });

  // Residency admission policies (ValidatingAdmissionPolicy) judge the pod the controller creates.
  it("GIVEN the purge CronJob pulls from a foreign registry WHEN checked THEN admission.policy names the CronJob", () => {
    const objects = mutated(th.objects, byKind("CronJob", "purge-backups"), (o) => {
      cronSpec(o).containers[0].image = `docker.io/library/busybox@sha256:${"a".repeat(64)}`;
    });
    expectFinding(added(objects), "admission.policy", "CronJob", "purge-backups", "Pod");
  });

  it("GIVEN the gate Job moves to a namespace no stack creates WHEN checked THEN admission.namespace", () => {
    const objects = mutated(th.objects, byKind("Job", GATE), (o) => {
      o.metadata.namespace = "models";
    });
    expectFinding(added(objects), "admission.namespace", "Job", GATE, "models");
  });

  // Pod Priority and Preemption: a pod naming a missing PriorityClass is rejected.
  it("GIVEN the purge CronJob names a PriorityClass no stack creates WHEN checked THEN admission.priority-class", () => {
    const objects = mutated(th.objects, byKind("CronJob", "purge-checkpoints"), (o) => {
      cronSpec(o).priorityClassName = "sovereign-batchh";
    });
    expectFinding(added(objects), "admission.priority-class", "CronJob", "purge-checkpoints", "sovereign-batch,");
  });

  it("GIVEN the archive StorageClass is removed WHEN checked THEN the backup claim's class is missing (volume.class)", () => {
    const objects = structuredClone(th.objects).filter((o) => !byKind("StorageClass", "resident-archive")(o));
    expectFinding(added(objects), "volume.class", "CronJob", "purge-backups", "resident-archive");
  });
});
