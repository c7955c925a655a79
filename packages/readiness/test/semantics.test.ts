import type { SynthObject } from "@sovereign/policy";
import { describe, expect, it } from "vitest";
import {
  containerLimits,
  type Destination,
  effectiveResources,
  egressAllowed,
  kubernetesFacts,
  matchesLabelSelector,
  nodeSelectionMismatch,
  podRequests,
  podSecurityViolations,
  RULE_IDS,
  tolerates,
} from "../src/index.js";

/** Each block names the Kubernetes documentation page whose behaviour it reproduces. */

const so = (object: Record<string, unknown>): SynthObject =>
  ({ stack: "xx-platform", address: "kubernetes_manifest.x", source: "manifest", object }) as SynthObject;

describe("node selection (Assigning Pods to Nodes: nodeSelector and required node affinity)", () => {
  const labels = { "sovereign.ai/gpu-pool": "h100", "gpu.count": "8", zone: "a" };
  const term = (e: object) => ({
    affinity: {
      nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [e] }] } },
    },
  });

  it("GIVEN In/NotIn/Exists/DoesNotExist/Gt/Lt WHEN matched against node labels THEN each follows the operator's definition", () => {
    expect(nodeSelectionMismatch(labels, term({ key: "sovereign.ai/gpu-pool", operator: "In", values: ["h100"] }))).toBeUndefined();
    expect(nodeSelectionMismatch(labels, term({ key: "sovereign.ai/gpu-pool", operator: "NotIn", values: ["h100"] }))).toBeDefined();
    expect(nodeSelectionMismatch(labels, term({ key: "missing", operator: "NotIn", values: ["x"] }))).toBeUndefined();
    expect(nodeSelectionMismatch(labels, term({ key: "zone", operator: "Exists" }))).toBeUndefined();
    expect(nodeSelectionMismatch(labels, term({ key: "zone", operator: "DoesNotExist" }))).toBeDefined();
    expect(nodeSelectionMismatch(labels, term({ key: "gpu.count", operator: "Gt", values: ["4"] }))).toBeUndefined();
    expect(nodeSelectionMismatch(labels, term({ key: "gpu.count", operator: "Lt", values: ["4"] }))).toBeDefined();
    // Gt/Lt compare integers; a non-integer label never matches.
    expect(nodeSelectionMismatch(labels, term({ key: "zone", operator: "Gt", values: ["1"] }))).toBeDefined();
  });

  it("GIVEN several terms THEN they are ORed, and a nodeSelector must hold as well", () => {
    const spec = {
      nodeSelector: { zone: "a" },
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [
              { matchExpressions: [{ key: "sovereign.ai/gpu-pool", operator: "In", values: ["other"] }] },
              { matchExpressions: [{ key: "sovereign.ai/gpu-pool", operator: "In", values: ["h100"] }] },
            ],
          },
        },
      },
    };
    expect(nodeSelectionMismatch(labels, spec)).toBeUndefined();
    expect(nodeSelectionMismatch({ ...labels, zone: "b" }, spec)).toContain("nodeSelector zone=a");
  });
});

describe("tolerations (Taints and Tolerations)", () => {
  const taint = { key: "sovereign.ai/gpu-pool", value: "h100", effect: "NoSchedule" };
  it("GIVEN Equal (the default operator) THEN key, value and effect must match; an empty effect matches all effects", () => {
    expect(tolerates([{ key: taint.key, value: "h100", effect: "NoSchedule" }], taint)).toBe(true);
    expect(tolerates([{ key: taint.key, value: "h100" }], taint)).toBe(true);
    expect(tolerates([{ key: taint.key, value: "other", effect: "NoSchedule" }], taint)).toBe(false);
    expect(tolerates([{ key: taint.key, value: "h100", effect: "NoExecute" }], taint)).toBe(false);
  });
  it("GIVEN Exists THEN the value is ignored, and an empty key tolerates every taint", () => {
    expect(tolerates([{ key: taint.key, operator: "Exists" }], taint)).toBe(true);
    expect(tolerates([{ operator: "Exists" }], taint)).toBe(true);
    expect(tolerates([{ key: "other", operator: "Exists" }], taint)).toBe(false);
  });
});

describe("LimitRange defaulting (Limit Ranges; pkg/apis/core/v1 defaults and the LimitRanger plugin)", () => {
  const lr = (limits: object[]) => so({ apiVersion: "v1", kind: "LimitRange", metadata: { name: "lr", namespace: "n" }, spec: { limits } });

  it("GIVEN a request without a limit WHEN the LimitRange has a default limit THEN the limit is the default (request > limit is then rejected)", () => {
    const r = effectiveResources({ resources: { requests: { cpu: "4" } } }, containerLimits([lr([{ type: "Container", default: { cpu: "2" } }])]));
    expect(r.limits.cpu).toBe(2000);
    expect(r.requests.cpu).toBe(4000);
    expect(r.defaulted).toEqual(["cpu limit 2 from LimitRange lr"]);
  });

  it("GIVEN only a limit THEN the request defaults to the limit before the LimitRange's defaultRequest is considered", () => {
    const r = effectiveResources(
      { resources: { limits: { memory: "1Gi" } } },
      containerLimits([lr([{ type: "Container", defaultRequest: { memory: "256Mi" }, default: { memory: "4Gi" } }])]),
    );
    expect(r.requests.memory).toBe(2 ** 30);
    expect(r.limits.memory).toBe(2 ** 30);
  });

  it("GIVEN an item with only max THEN default comes from max and defaultRequest from default (SetDefaults_LimitRangeItem)", () => {
    const [item] = containerLimits([lr([{ type: "Container", max: { cpu: "3" } }])]);
    expect(item!.default.cpu).toBe(3000);
    expect(item!.defaultRequest.cpu).toBe(3000);
    const [withMin] = containerLimits([lr([{ type: "Container", min: { cpu: "100m" } }])]);
    expect(withMin!.defaultRequest.cpu).toBe(100);
  });

  it("GIVEN init containers THEN the pod's request is max(sum of containers, largest init container) (Resource Management for Pods)", () => {
    const r = (cpu: number) => ({ requests: { cpu }, limits: {}, defaulted: [] });
    expect(podRequests([{ init: true, r: r(4000) }, { init: false, r: r(1000) }, { init: false, r: r(500) }]).cpu).toBe(4000);
    expect(podRequests([{ init: true, r: r(1000) }, { init: false, r: r(3000) }, { init: false, r: r(500) }]).cpu).toBe(3500);
  });

  it("GIVEN the recorded defaulting order THEN it lists pod defaulting, item defaulting, the plugin, then validation", () => {
    expect(kubernetesFacts.LIMIT_DEFAULTING_ORDER.map((s) => s.split(":")[0])).toEqual([
      "pod-defaults",
      "limitrange-item-defaults",
      "limitranger",
      "validation",
    ]);
  });
});

describe("Pod Security Standards (baseline and restricted levels)", () => {
  const restrictedOk = {
    securityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
    containers: [
      { name: "c", securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } } },
    ],
    volumes: [{ name: "tmp", emptyDir: {} }],
  };

  it("GIVEN a pod written for restricted THEN restricted, baseline and privileged admit it", () => {
    for (const level of ["restricted", "baseline", "privileged"] as const)
      expect(podSecurityViolations(restrictedOk, level)).toEqual([]);
  });

  it("GIVEN hostPath, hostNetwork, privileged and SYS_ADMIN THEN baseline refuses each, privileged admits", () => {
    const spec = {
      hostNetwork: true,
      containers: [{ name: "c", securityContext: { privileged: true, capabilities: { add: ["SYS_ADMIN"] } } }],
      volumes: [{ name: "h", hostPath: { path: "/" } }],
    };
    expect(podSecurityViolations(spec, "baseline").map((v) => v.id).sort()).toEqual([
      "capabilities_baseline",
      "hostNamespaces",
      "hostPathVolumes",
      "privileged",
    ]);
    expect(podSecurityViolations(spec, "privileged")).toEqual([]);
  });

  it("GIVEN a baseline-clean pod without the restricted settings THEN restricted names every missing one", () => {
    const spec = { containers: [{ name: "c" }], volumes: [{ name: "n", nfs: { server: "s", path: "/" } }] };
    expect(podSecurityViolations(spec, "baseline")).toEqual([]);
    expect(podSecurityViolations(spec, "restricted").map((v) => v.id).sort()).toEqual([
      "allowPrivilegeEscalation",
      "capabilities_restricted",
      "restrictedVolumes",
      "runAsNonRoot",
      "seccompProfile_restricted",
    ]);
  });

  it("GIVEN the recorded Pod Security lists THEN they are the upstream ones", () => {
    expect(kubernetesFacts.RESTRICTED_VOLUME_TYPES).toHaveLength(8);
    expect(kubernetesFacts.BASELINE_ALLOWED_CAPABILITIES).toContain("NET_BIND_SERVICE");
    expect(kubernetesFacts.BASELINE_ALLOWED_CAPABILITIES).not.toContain("NET_RAW");
    expect(kubernetesFacts.RESTRICTED_ALLOWED_CAPABILITIES).toEqual(["NET_BIND_SERVICE"]);
  });
});

describe("NetworkPolicy egress (Network Policies)", () => {
  const np = (spec: object) => so({ apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name: "p", namespace: "n" }, spec });
  const nsl = (ns: string) => ({ "kubernetes.io/metadata.name": ns });
  const ip = (cidr: string, port = 443): Destination => ({ kind: "ip", cidr, port, protocol: "TCP" });
  const dns: Destination = { kind: "pod", namespace: "kube-system", podLabels: { "k8s-app": "kube-dns" }, port: 53, protocol: "UDP" };

  it("GIVEN no policy selects the pod THEN all egress is allowed; a default-deny policy then allows nothing", () => {
    expect(egressAllowed([], "n", {}, ip("203.0.113.1/32"), nsl)).toBe(true);
    const deny = np({ podSelector: {}, policyTypes: ["Egress"] });
    expect(egressAllowed([deny], "n", {}, ip("203.0.113.1/32"), nsl)).toBe(false);
    // A policy selecting other pods does not isolate this one.
    const other = np({ podSelector: { matchLabels: { app: "x" } }, policyTypes: ["Egress"] });
    expect(egressAllowed([other], "n", { app: "y" }, ip("203.0.113.1/32"), nsl)).toBe(true);
  });

  it("GIVEN ipBlock with except THEN addresses inside the except are denied, others allowed; ports must match", () => {
    const p = np({
      podSelector: {},
      policyTypes: ["Egress"],
      egress: [{ to: [{ ipBlock: { cidr: "192.0.2.0/24", except: ["192.0.2.128/25"] } }], ports: [{ port: 443 }] }],
    });
    expect(egressAllowed([p], "n", {}, ip("192.0.2.10/32"), nsl)).toBe(true);
    expect(egressAllowed([p], "n", {}, ip("192.0.2.200/32"), nsl)).toBe(false);
    expect(egressAllowed([p], "n", {}, ip("192.0.2.10/32", 80), nsl)).toBe(false);
  });

  it("GIVEN namespaceSelector AND podSelector in one peer THEN both must match; a podSelector alone means the policy's namespace", () => {
    const both = np({
      podSelector: {},
      policyTypes: ["Egress"],
      egress: [{ to: [{ namespaceSelector: { matchLabels: nsl("kube-system") }, podSelector: { matchLabels: { "k8s-app": "kube-dns" } } }] }],
    });
    expect(egressAllowed([both], "n", {}, dns, nsl)).toBe(true);
    expect(egressAllowed([both], "n", {}, { ...dns, podLabels: { app: "other" } }, nsl)).toBe(false);
    const local = np({ podSelector: {}, policyTypes: ["Egress"], egress: [{ to: [{ podSelector: {} }] }] });
    expect(egressAllowed([local], "n", {}, dns, nsl)).toBe(false);
    expect(egressAllowed([local], "n", {}, { ...dns, namespace: "n" }, nsl)).toBe(true);
  });

  it("GIVEN label selectors with expressions THEN matchLabels and matchExpressions all hold", () => {
    expect(matchesLabelSelector({ a: "1" }, { matchExpressions: [{ key: "a", operator: "In", values: ["1", "2"] }] })).toBe(true);
    expect(matchesLabelSelector({ a: "1" }, { matchLabels: { a: "1" }, matchExpressions: [{ key: "b", operator: "Exists" }] })).toBe(false);
    expect(matchesLabelSelector({}, {})).toBe(true);
  });
});

describe("rule ids", () => {
  it("GIVEN the readiness rules THEN the list is pinned: removing or renaming one fails here", () => {
    expect([...RULE_IDS]).toEqual([
      "schedule.node-selector",
      "schedule.taints",
      "schedule.resources",
      "volume.claim",
      "volume.class",
      "volume.topology",
      "volume.binding",
      "volume.provisioner",
      "admission.namespace",
      "admission.priority-class",
      "admission.limit-range",
      "admission.request-limit",
      "admission.quota",
      "admission.pod-security",
      "admission.policy",
      "network.dns",
      "network.api-server",
      "network.endpoint",
    ]);
  });
});
