import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { delimiter } from "node:path";
import { GPU_POOL_LABEL, ZONE_LABEL } from "@sovereign/constructs";
import { readInputFile } from "@sovereign/diagnostics";
import { cidrContains, type CountryProfile, parseCidr } from "@sovereign/profile";
import { parse as parseYaml } from "yaml";

/** Cluster objects as kubectl prints them: walked loosely, shapes tested as they are read. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

/** One thing doctor looked at (see commands/doctor.ts). */
export interface ContractCheck {
  name: string;
  ok: boolean;
  detail: string;
  blocks: string;
  required: boolean;
}

/**
 * The variables doctor looks at, all read by both pinned providers (kubernetes 2.38.0, helm 3.1.1;
 * the lists are `upstream/terraform-provider-*.json`, a test checks these against them). Neither
 * provider reads KUBECONFIG.
 */
export const DOCTOR_PROVIDER_VARIABLES = ["KUBE_CONFIG_PATH", "KUBE_CONFIG_PATHS", "KUBE_HOST", "KUBE_CTX"] as const;

const expand = (p: string) => (p.startsWith("~/") ? `${homedir()}${p.slice(1)}` : p);

/** The kubeconfig files the providers will load (KUBE_CONFIG_PATH, else KUBE_CONFIG_PATHS). */
function providerKubeconfigs(env: NodeJS.ProcessEnv): string[] {
  if (env.KUBE_CONFIG_PATH) return [expand(env.KUBE_CONFIG_PATH)];
  return (env.KUBE_CONFIG_PATHS ?? "").split(delimiter).filter(Boolean).map(expand);
}

function contextsOf(files: string[]): string[] {
  return files.flatMap((f) => {
    try {
      const doc = parseYaml(readInputFile(f, { what: "kubeconfig" }).bytes.toString("utf8")) as { contexts?: { name?: string }[] } | null;
      return (doc?.contexts ?? []).map((c) => String(c.name));
    } catch {
      return [];
    }
  });
}

/** What the Terraform kubernetes and helm providers will use to reach the cluster. */
export function providerEnvChecks(env: NodeJS.ProcessEnv): ContractCheck[] {
  const files = providerKubeconfigs(env);
  const present = files.filter((f) => existsSync(f));
  const direct = Boolean(env.KUBE_HOST);
  const ok = (files.length > 0 && present.length === files.length) || direct;
  const hint = env.KUBECONFIG
    ? `KUBECONFIG is set but the providers do not read it: export KUBE_CONFIG_PATH=${env.KUBECONFIG.split(delimiter)[0]}`
    : "export KUBE_CONFIG_PATH=<kubeconfig> (or KUBE_HOST with KUBE_TOKEN / client certificates)";
  const checks: ContractCheck[] = [
    {
      name: "provider credentials",
      ok,
      detail: ok
        ? direct
          ? "KUBE_HOST"
          : `${env.KUBE_CONFIG_PATH ? "KUBE_CONFIG_PATH" : "KUBE_CONFIG_PATHS"}=${present.join(delimiter)}`
        : files.length > 0
          ? `${files.filter((f) => !present.includes(f)).join(", ")} not found`
          : `none of KUBE_CONFIG_PATH, KUBE_CONFIG_PATHS, KUBE_HOST is set; ${hint}`,
      blocks: ok ? "" : "deploy: the kubernetes and helm providers have no cluster to talk to (in-cluster service-account config aside)",
      required: false,
    },
  ];
  if (env.KUBE_CTX && present.length > 0) {
    const contexts = contextsOf(present);
    const found = contexts.includes(env.KUBE_CTX);
    checks.push({
      name: "KUBE_CTX",
      ok: found,
      detail: found ? env.KUBE_CTX : `context ${env.KUBE_CTX} is not in ${present.join(", ")} (has: ${contexts.join(", ") || "none"})`,
      blocks: found ? "" : "deploy: the providers fail to load the kubeconfig",
      required: false,
    });
  }
  return checks;
}

/** Reads one cluster resource as JSON (kubectl get ... -o json), or undefined when absent/unreachable. */
export type ClusterGet = (args: string[]) => Json | undefined;

const check = (name: string, ok: boolean, detail: string, blocks: string): ContractCheck => ({
  name: `cluster: ${name}`,
  ok,
  detail,
  blocks: ok ? "" : blocks,
  required: false,
});

/**
 * What the live cluster provides of the contract the stacks rely on (docs/platform-guide.md,
 * "What the cluster must provide"): zone-labelled nodes per site, pool labels and taints, the CSI
 * drivers of the storage classes, cluster DNS, Gateway API CRDs and the gateway namespace, and an
 * API server inside the country's egress networks.
 */
export function clusterContractChecks(profile: CountryProfile, get: ClusterGet): ContractCheck[] {
  const s = profile.spec;
  const nodes = (get(["get", "nodes", "-o", "json"])?.items ?? []) as Json[];
  const labels = nodes.map((n) => (n.metadata?.labels ?? {}) as Record<string, string>);
  const out: ContractCheck[] = [];
  const missingZones = s.sites.flatMap((site) => site.zones.filter((z) => !labels.some((l) => l[ZONE_LABEL] === z)));
  out.push(check("zone labels", missingZones.length === 0, missingZones.length ? `no node labelled ${ZONE_LABEL} in ${missingZones.join(", ")}` : `${nodes.length} nodes, every zone labelled`, "storage (allowedTopologies) and the readiness model's placement"));
  for (const pool of s.gpuPools) {
    const mine = nodes.filter((n) => n.metadata?.labels?.[GPU_POOL_LABEL] === pool.name);
    const tainted = mine.filter((n) => ((n.spec?.taints ?? []) as Record<string, string>[]).some((t) => t.key === GPU_POOL_LABEL && t.value === pool.name));
    out.push(check(`pool ${pool.name}`, mine.length >= pool.nodes && tainted.length === mine.length, `${mine.length}/${pool.nodes} nodes labelled, ${tainted.length} tainted`, "GPU workloads of this pool (label and taint the nodes from the gpu stack's node-pool-config output)"));
  }
  for (const p of [...new Set(s.storage.classes.map((c) => c.provisioner))]) {
    const driver = get(["get", "csidriver", p, "-o", "json"]);
    out.push(check(`CSI driver ${p}`, Boolean(driver), driver ? "installed" : "not installed", "every volume of the classes using it"));
  }
  const dns = get(["get", "service", "kube-dns", "-n", "kube-system", "-o", "json"]);
  out.push(check("cluster DNS", Boolean(dns), dns ? "kube-system/kube-dns" : "no kube-system/kube-dns Service", "name resolution of every pod"));
  if (s.serving.gateway) {
    const crd = get(["get", "crd", "httproutes.gateway.networking.k8s.io", "-o", "json"]);
    const ns = get(["get", "namespace", s.serving.gateway.namespace, "-o", "json"]);
    out.push(check("Gateway API", Boolean(crd) && Boolean(ns), `${crd ? "HTTPRoute CRD present" : "HTTPRoute CRD missing"}; ${ns ? `namespace ${s.serving.gateway.namespace} present` : `namespace ${s.serving.gateway.namespace} missing`}`, "the models' HTTPRoutes (serving stack apply fails)"));
  }
  const eps = get(["get", "endpoints", "kubernetes", "-n", "default", "-o", "json"]);
  const ips = ((eps?.subsets ?? []) as Json[]).flatMap((x) => ((x.addresses ?? []) as { ip: string }[]).map((a) => a.ip));
  const cidrs = s.sites.flatMap((x) => x.egressCidrs).map(parseCidr).filter((c) => c !== null);
  const outside = ips.filter((ip) => {
    const c = parseCidr(`${ip}/${ip.includes(":") ? 128 : 32}`);
    return !c || !cidrs.some((o) => cidrContains(o, c));
  });
  out.push(check("API server address", ips.length > 0 && outside.length === 0, ips.length === 0 ? "kubernetes endpoints not readable" : outside.length ? `${outside.join(", ")} outside every egressCidr` : ips.join(", "), "controllers in locked-down namespaces (the GPU Operator) reaching the API server"));
  return out;
}
