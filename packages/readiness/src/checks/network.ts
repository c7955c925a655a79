import type { SynthObject } from "@sovereign/policy";
import { cidrContains, hostOf, parseCidr } from "@sovereign/profile";
import { NAMESPACE_NAME_LABEL } from "../facts.js";
import { matchesLabelSelector } from "../selectors.js";
import type { Json } from "../types.js";

type Labels = Record<string, string>;

/** Where a pod's traffic goes: another pod, or an address range. */
export type Destination =
  | { kind: "pod"; namespace: string; podLabels: Labels; port: number; protocol: string }
  | { kind: "ip"; cidr: string; port: number; protocol: string };

/** Labels of a namespace as the API server stores them (its name label always set). */
export type NamespaceLabels = (ns: string) => Labels;

function egressSelects(policy: Json, podLabels: Labels): boolean {
  const spec = policy.spec ?? {};
  const types: string[] = spec.policyTypes ?? (spec.egress ? ["Ingress", "Egress"] : ["Ingress"]);
  return types.includes("Egress") && matchesLabelSelector(podLabels, spec.podSelector ?? {});
}

function portAllows(ports: Json[] | undefined, d: Destination): boolean {
  if (!ports || ports.length === 0) return true;
  return ports.some((p) => {
    if ((p.protocol ?? "TCP") !== d.protocol) return false;
    if (p.port === undefined) return true;
    // A named port only resolves against the destination pod's container ports, unknown here.
    if (typeof p.port !== "number") return false;
    return p.endPort !== undefined ? d.port >= p.port && d.port <= p.endPort : d.port === p.port;
  });
}

function overlaps(a: string, b: string): boolean {
  const x = parseCidr(a);
  const y = parseCidr(b);
  return !!x && !!y && (cidrContains(x, y) || cidrContains(y, x));
}

function peerAllows(peer: Json, d: Destination, policyNs: string, nsLabels: NamespaceLabels): boolean {
  if (peer.ipBlock) {
    if (d.kind !== "ip") return false;
    const outer = parseCidr(peer.ipBlock.cidr);
    const inner = parseCidr(d.cidr);
    if (!outer || !inner || !cidrContains(outer, inner)) return false;
    return !((peer.ipBlock.except ?? []) as string[]).some((e) => overlaps(e, d.cidr));
  }
  if (d.kind !== "pod") return false;
  const nsOk = peer.namespaceSelector
    ? matchesLabelSelector(nsLabels(d.namespace), peer.namespaceSelector)
    : d.namespace === policyNs;
  return nsOk && matchesLabelSelector(d.podLabels, peer.podSelector ?? {});
}

/**
 * NetworkPolicy egress as the API documents it: a pod no Egress policy selects may go anywhere;
 * otherwise a connection is allowed when some rule of some selecting policy allows both the port
 * (no ports: all) and the peer (no `to`: all; ipBlock cidr minus except; pod/namespace selectors,
 * a podSelector alone meaning the policy's own namespace).
 */
export function egressAllowed(
  policies: SynthObject[],
  namespace: string,
  podLabels: Labels,
  d: Destination,
  nsLabels: NamespaceLabels,
): boolean {
  const selecting = policies.filter((p) => egressSelects(p.object as Json, podLabels));
  if (selecting.length === 0) return true;
  return selecting.some((p) =>
    (((p.object as Json).spec?.egress ?? []) as Json[]).some(
      (rule) =>
        portAllows(rule.ports, d) &&
        (!rule.to || rule.to.length === 0 || (rule.to as Json[]).some((peer) => peerAllows(peer, d, namespace, nsLabels))),
    ),
  );
}

/** Endpoints a container is configured to reach: URLs in its env values and arguments. */
export function configuredHosts(spec: Json, knownHosts: string[]): { host: string; port: number }[] {
  const found = new Map<string, number>();
  const containers = [...((spec.initContainers ?? []) as Json[]), ...((spec.containers ?? []) as Json[])];
  for (const c of containers) {
    const texts = [
      ...((c.env ?? []) as Json[]).map((e) => e.value).filter((v): v is string => typeof v === "string"),
      ...((c.args ?? []) as unknown[]).filter((v): v is string => typeof v === "string"),
    ];
    for (const t of texts) {
      const m = /^(https|s3|http):\/\/[^\s/]+/i.exec(t);
      if (m) {
        const port = /:(\d+)(?:\/|$)/.exec(m[0].replace(/^[a-z0-9]+:\/\//i, ""))?.[1];
        found.set(hostOf(m[0]), port ? Number(port) : m[1]!.toLowerCase() === "http" ? 80 : 443);
        continue;
      }
      const known = knownHosts.find((h) => t === h || t.startsWith(`${h}/`) || t.startsWith(`${h}:`));
      if (known) found.set(known, 443);
    }
  }
  return [...found].map(([host, port]) => ({ host, port })).sort((a, b) => a.host.localeCompare(b.host));
}

/** Labels every namespace carries for selectors: the synthesized ones, and the name label always. */
export function namespaceLabels(namespaces: Map<string, SynthObject>): NamespaceLabels {
  return (ns) => ({ ...(namespaces.get(ns)?.object.metadata.labels ?? {}), [NAMESPACE_NAME_LABEL]: ns });
}
