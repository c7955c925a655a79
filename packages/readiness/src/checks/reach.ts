import type { SynthObject } from "@sovereign/policy";
import { hostCidr } from "@sovereign/profile";
import { finding } from "../finding.js";
import type { ObjectIndex } from "../objects.js";
import type { ClusterModel, PodUnderTest, ReadinessFinding, ReadinessInput } from "../types.js";
import { configuredHosts, type Destination, egressAllowed, type NamespaceLabels } from "./network.js";
import { isGpuOperator, operandTaintGaps } from "./operands.js";

const DNS_PORTS = [
  { port: 53, protocol: "UDP" },
  { port: 53, protocol: "TCP" },
];

function unreachable(
  policies: SynthObject[],
  ns: string,
  labels: Record<string, string>,
  nsl: NamespaceLabels,
  dests: Destination[],
): Destination[] {
  return dests.filter((d) => !egressAllowed(policies, ns, labels, d, nsl));
}

const destText = (d: Destination) =>
  d.kind === "ip" ? `${d.cidr} ${d.protocol}/${d.port}` : `${d.namespace} pods ${JSON.stringify(d.podLabels)} ${d.protocol}/${d.port}`;

export function dnsFindings(
  so: SynthObject,
  ns: string,
  labels: Record<string, string>,
  ix: ObjectIndex,
  model: ClusterModel,
  nsl: NamespaceLabels,
): ReadinessFinding[] {
  const pols = ix.networkPolicies.get(ns) ?? [];
  const dests: Destination[] = [
    ...DNS_PORTS.map((p): Destination => ({ kind: "pod", namespace: model.dns.namespace, podLabels: model.dns.podLabels, ...p })),
    ...model.nodeLocalDns.flatMap((a) => DNS_PORTS.map((p): Destination => ({ kind: "ip", cidr: hostCidr(a), ...p }))),
  ];
  const missing = unreachable(pols, ns, labels, nsl, dests);
  if (missing.length === 0) return [];
  return [
    finding(
      so,
      "network.dns",
      `egress from namespace ${ns} does not reach cluster DNS: ${missing.map(destText).join(", ")} denied by its NetworkPolicies`,
      "allow UDP and TCP 53 to the kube-dns pods and to the NodeLocal DNSCache address(es) in the namespace's DNS egress policy",
    ),
  ];
}

export function apiServerFindings(
  so: SynthObject,
  ns: string,
  labels: Record<string, string>,
  ix: ObjectIndex,
  model: ClusterModel,
  nsl: NamespaceLabels,
): ReadinessFinding[] {
  if (!model.apiServer) {
    return [
      finding(
        so,
        "network.api-server",
        `controllers in namespace ${ns} need the Kubernetes API server, and its address is not declared, so no egress rule can be proven to reach it`,
        "declare the API server's endpoint addresses and port in the profile so the namespace's egress allows them",
      ),
    ];
  }
  const api = model.apiServer;
  const dests = api.cidrs.map((c): Destination => ({ kind: "ip", cidr: hostCidr(c), port: api.port, protocol: "TCP" }));
  const missing = unreachable(ix.networkPolicies.get(ns) ?? [], ns, labels, nsl, dests);
  if (missing.length === 0) return [];
  return [
    finding(
      so,
      "network.api-server",
      `controllers in namespace ${ns} cannot reach the API server: ${missing.map(destText).join(", ")} denied by its NetworkPolicies`,
      "allow egress to the API server's addresses and port in the namespace",
    ),
  ];
}

export function endpointFindings(p: PodUnderTest, ix: ObjectIndex, model: ClusterModel, nsl: NamespaceLabels): ReadinessFinding[] {
  const pols = ix.networkPolicies.get(p.namespace) ?? [];
  const out: ReadinessFinding[] = [];
  for (const { host, port } of configuredHosts(p.spec, model.knownHosts)) {
    const dests = model.hostCidrs(host).map((c): Destination => ({ kind: "ip", cidr: c, port, protocol: "TCP" }));
    const missing = unreachable(pols, p.namespace, p.labels, nsl, dests);
    if (missing.length > 0)
      out.push(
        finding(
          p.source,
          "network.endpoint",
          `the pod is configured to reach ${host}:${port}, whose address lies in ${dests.map((d) => (d.kind === "ip" ? d.cidr : "")).join(", ")}, and egress to ${missing.map(destText).join(", ")} is denied`,
          "allow egress to the site's egressCidrs (port included) in the namespace, or put the host under a site domain whose networks are allowed",
        ),
      );
  }
  return out;
}

/** Releases not rendered offline (the GPU Operator) run controllers: their namespace needs DNS and the API server. */
export function controllerNamespaceFindings(
  input: ReadinessInput,
  ix: ObjectIndex,
  model: ClusterModel,
  nsl: NamespaceLabels,
): ReadinessFinding[] {
  const out: ReadinessFinding[] = [];
  const namespaces = new Map<string, SynthObject>();
  for (const u of input.unrendered ?? []) {
    if (!u.namespace) continue;
    const release: SynthObject = {
      stack: u.stack,
      address: u.address,
      source: "helm",
      object: { apiVersion: "helm.sh/v3", kind: "HelmRelease", metadata: { name: u.chart, namespace: u.namespace } },
    };
    if (!namespaces.has(u.namespace)) namespaces.set(u.namespace, release);
  }
  for (const ns of model.controllerNamespaces) {
    const so = ix.namespaces.get(ns);
    if (so && !namespaces.has(ns)) namespaces.set(ns, so);
  }
  for (const [ns, so] of namespaces) {
    // Labels of the release's pods are unknown offline: only policies that select every pod count.
    out.push(...dnsFindings(so, ns, {}, ix, model, nsl));
    out.push(...apiServerFindings(so, ns, {}, ix, model, nsl));
  }
  for (const u of (input.unrendered ?? []).filter((r) => isGpuOperator(r.chart))) {
    const so = namespaces.get(u.namespace ?? "") ?? [...namespaces.values()][0];
    if (!so) continue;
    for (const gap of operandTaintGaps(u, model))
      out.push(
        finding(
          so,
          "schedule.taints",
          gap,
          "give the operator's daemonsets.tolerations (and node-feature-discovery.worker.tolerations) a toleration for the pool taint (key sovereign.ai/gpu-pool, operator Exists, effect NoSchedule)",
        ),
      );
  }
  return out;
}

