import type { K8sObject, SynthObject } from "@sovereign/policy";

/**
 * Synthesized objects are plain JSON of every kind (the kit's manifests and rendered charts); the
 * checks read them loosely and test shapes as they go, the way the API server's decoder would see them.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = Record<string, any>;

/** Every rule the readiness check can report, one per kind of failure. Pinned by a test. */
export const RULE_IDS = [
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
] as const;
export type RuleId = (typeof RULE_IDS)[number];

/** The object a readiness finding is about. */
export interface ReadinessObject {
  kind: string;
  namespace?: string;
  name: string;
}

/** One reason the synthesized stacks would not come up on the declared cluster. Findings are data. */
export interface ReadinessFinding {
  ruleId: RuleId;
  /** Stack the object belongs to (`th-serving`). */
  stack: string;
  /** Terraform address of the resource creating it. */
  address: string;
  object: ReadinessObject;
  message: string;
  /** What to change so the rule passes. */
  fix: string;
}

/** A node taint. */
export interface NodeTaint {
  key: string;
  value?: string;
  effect: string;
}

/** What one node can hold, in the units the scheduler compares (millicores, bytes, devices). */
export interface Allocatable {
  cpuMillis: number;
  memoryBytes: number;
  /** `nvidia.com/gpu` devices (time-slicing replicas and MIG instances counted as the plugin does). */
  gpus: number;
  /** Other extended resources a device plugin advertises (a training pool's RDMA device), by name. */
  extended?: Record<string, number>;
}

/** A group of identical declared nodes in one zone (a pool's nodes in a zone, or a site's general nodes). */
export interface NodeGroup {
  /** `pool/<name>/<zone>` or `general/<site>/<zone>`. */
  name: string;
  site: string;
  zone: string;
  labels: Record<string, string>;
  taints: NodeTaint[];
  allocatable: Allocatable;
}

/** A network destination given by address, e.g. the API server or a NodeLocal DNSCache address. */
export interface IpEndpoint {
  /** What it is, for messages (`api-server`, `weights host weights.bkk1.example`). */
  name: string;
  /** Addresses it may have: reachability needs every one of them allowed. */
  cidrs: string[];
  port: number;
  protocol: "TCP" | "UDP";
}

/** The cluster as the profile declares it. */
export interface ClusterModel {
  nodes: NodeGroup[];
  /** Cluster DNS pods (kube-dns / CoreDNS), reached through their Service. */
  dns: { namespace: string; podLabels: Record<string, string> };
  /** NodeLocal DNSCache listen addresses pods send queries to, when the cluster runs it. */
  nodeLocalDns: string[];
  /** The API server as seen from pods (its endpoints after the Service is resolved), when declared. */
  apiServer?: { cidrs: string[]; port: number };
  /** In-country hosts by name: the CIDRs their addresses lie in (from the site whose domain holds them). */
  hostCidrs: (host: string) => string[];
  /** Hosts pods must reach when configured with them (registry, KMS, weights, telemetry). */
  knownHosts: string[];
  /** Namespaces whose controllers talk to the API server (releases not rendered offline included). */
  controllerNamespaces: string[];
}

/** Input of {@link checkReadiness}. */
export interface ReadinessInput {
  profile: import("@sovereign/profile").CountryProfile;
  /** Every Kubernetes object of the country's stacks, rendered charts included. */
  objects: SynthObject[];
  /** Releases whose charts are not rendered offline (their namespaces still need the API server). */
  unrendered?: { stack: string; address: string; chart: string; namespace?: string; values?: string[] }[];
  /** The cluster model; @default clusterModel(profile). */
  cluster?: ClusterModel;
}

/** A pod the kit would create, from a workload's template. */
export interface PodUnderTest {
  source: SynthObject;
  namespace: string;
  labels: Record<string, string>;
  /** The pod spec (not copied; never mutated). */
  spec: Json;
  /** Pods the workload starts with (replicas, parallelism; 1 for a DaemonSet per node). */
  replicas: number;
  /** The workload as an object reference. */
  ref: { kind: string; namespace?: string; name: string };
  /** The Pod as the controller would create it (for the admission policies). */
  pod: K8sObject;
}
