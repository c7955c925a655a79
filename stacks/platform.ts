import {
  type ApiServerEndpoint,
  type ClusterDns,
  COUNTRY_LABEL,
  type Construct,
  DATA_CLASS_LABEL,
  DEFAULT_DNS,
  K8sObject,
  type KubernetesObject,
  LeastPrivilegeRole,
  NetworkLockdown,
  OPERATOR_RULES,
  PriorityClasses,
  poolGpuUnits,
  RESIDENCY_ENFORCED,
  RESIDENCY_LABEL,
  SITE_LABEL,
  TenantNamespace,
  TerraformStack,
  VIEWER_RULES,
} from "@sovereign/constructs";
import { exportAdmission } from "@sovereign/policy";
import type { CountryProfile, DataClassName } from "@sovereign/profile";
import { parseQuantity } from "@sovereign/profile";
import { configureStack } from "./backend.js";

/** Namespace holding the admission policies' params (nothing runs there). */
export const SYSTEM_NAMESPACE = "sovereign-system";

/** A tier: one tenant namespace with its own quota, roles and data classes. */
export interface Tier {
  /** Short name (`serving`), used in group names. */
  readonly tier: "serving" | "training" | "backup";
  /** Namespace name. */
  readonly namespace: string;
  /** Data classes whose volumes live in the namespace; the first is the namespace's label. */
  readonly dataClasses: DataClassName[];
}

/** The kit's tiers. Volumes live where the pods that mount them run. */
export const TIERS: readonly Tier[] = [
  { tier: "serving", namespace: "sovereign-serving", dataClasses: ["interaction-logs", "model-weights"] },
  { tier: "training", namespace: "sovereign-training", dataClasses: ["training-data", "checkpoints"] },
  { tier: "backup", namespace: "sovereign-backup", dataClasses: ["backups"] },
];

/** Namespace a data class's volume lives in. */
export function namespaceOf(dataClass: DataClassName): string {
  return TIERS.find((t) => t.dataClasses.includes(dataClass))!.namespace;
}

/** Cluster DNS as the profile describes it (CoreDNS in kube-system, plus NodeLocal DNSCache if declared). */
export function clusterDns(profile: CountryProfile): ClusterDns {
  const local = profile.spec.cluster?.nodeLocalDns;
  return local ? { ...DEFAULT_DNS, nodeLocalAddress: local } : DEFAULT_DNS;
}

/** The API server endpoint the profile declares, or undefined. */
export function apiServerEndpoint(profile: CountryProfile): ApiServerEndpoint | undefined {
  const a = profile.spec.cluster?.apiServer;
  return a ? { cidrs: a.cidrs, port: a.port } : undefined;
}

/** Every site network of the profile, in profile order, without duplicates. */
export function countryEgressCidrs(profile: CountryProfile): string[] {
  return [...new Set(profile.spec.sites.flatMap((s) => s.egressCidrs))];
}

function tierSite(profile: CountryProfile, tier: Tier): string {
  const s = profile.spec;
  const purpose = tier.tier === "serving" ? "inference" : tier.tier === "training" ? "training" : undefined;
  const pool = purpose ? s.gpuPools.find((p) => p.purpose === purpose) : undefined;
  if (pool) return pool.site;
  const dc = tier.dataClasses.map((d) => s.storage.dataClasses[d]).find((d) => d !== undefined);
  const cls = dc ? s.storage.classes.find((c) => c.name === dc.storageClass) : undefined;
  return cls?.site ?? s.sites[0]!.name;
}

function tierGpus(profile: CountryProfile, tier: Tier): number {
  const purpose = tier.tier === "serving" ? "inference" : tier.tier === "training" ? "training" : undefined;
  return profile.spec.gpuPools.filter((p) => p.purpose === purpose).reduce((n, p) => n + poolGpuUnits(p), 0);
}

function tierStorage(profile: CountryProfile, tier: Tier): string | undefined {
  const bytes = tier.dataClasses
    .map((d) => profile.spec.storage.dataClasses[d])
    .reduce((n, d) => n + (d ? parseQuantity(d.size) : 0), 0);
  // Headroom for the serving tier's weight caches and scratch claims.
  return bytes > 0 ? `${Math.ceil((bytes * 1.25) / 2 ** 30)}Gi` : undefined;
}

/**
 * `<cc>-platform`: the tenant namespaces (restricted Pod Security, quotas with GPUs, default-deny
 * network policies with in-country egress only), least-privilege roles, priority classes and
 * the residency admission policies that keep enforcing the same rules in the cluster.
 */
export class PlatformStack extends TerraformStack {
  /** Tenant namespaces by tier. */
  readonly namespaces: Record<Tier["tier"], TenantNamespace>;

  constructor(scope: Construct, id: string, profile: CountryProfile) {
    super(scope, id);
    configureStack(this, profile, id);
    const cc = profile.metadata.name;
    const egress = countryEgressCidrs(profile);
    const gateway = profile.spec.serving.gateway;

    new PriorityClasses(this, "priority");
    const namespaces = {} as Record<Tier["tier"], TenantNamespace>;
    for (const tier of TIERS) {
      const ns = new TenantNamespace(this, tier.namespace, {
        name: tier.namespace,
        country: cc,
        site: tierSite(profile, tier),
        dataClass: tier.dataClasses[0]!,
        egressCidrs: egress,
        quota: { gpus: tierGpus(profile, tier), storage: tierStorage(profile, tier) },
        ingressFromNamespaces: tier.tier === "serving" && gateway ? [gateway.namespace] : [],
        dns: clusterDns(profile),
      });
      namespaces[tier.tier] = ns;
      const dependsOn = [ns.namespace.resource];
      new LeastPrivilegeRole(ns, "operators", {
        name: "sovereign-operator",
        namespace: tier.namespace,
        rules: OPERATOR_RULES,
        groups: [`sovereign:${cc}:${tier.tier}-operators`],
        dependsOn,
      });
      new LeastPrivilegeRole(ns, "viewers", {
        name: "sovereign-viewer",
        namespace: tier.namespace,
        rules: VIEWER_RULES,
        groups: [`sovereign:${cc}:${tier.tier}-viewers`],
        dependsOn,
      });
    }
    this.namespaces = namespaces;

    // The admission params ConfigMap lives in a namespace of its own that runs nothing.
    const system = new K8sObject(this, "system-namespace", {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: {
        name: SYSTEM_NAMESPACE,
        labels: {
          [COUNTRY_LABEL]: cc,
          [SITE_LABEL]: profile.spec.sites[0]!.name,
          [DATA_CLASS_LABEL]: "none",
          [RESIDENCY_LABEL]: RESIDENCY_ENFORCED,
          "pod-security.kubernetes.io/enforce": "restricted",
          "pod-security.kubernetes.io/warn": "restricted",
          "pod-security.kubernetes.io/audit": "restricted",
        },
      },
    });
    new NetworkLockdown(this, "system-network", {
      namespace: SYSTEM_NAMESPACE,
      egressCidrs: egress,
      dns: clusterDns(profile),
      dependsOn: [system.resource],
    });

    // Admission policies go last, so that they never judge the kit's own objects half-applied.
    // Params first, then policies, then bindings: a binding to a missing policy or params object
    // would reject every request it matches.
    const nsResources = [system.resource, ...Object.values(namespaces).map((n) => n.namespace.resource)];
    const admission = exportAdmission(profile, { paramsNamespace: SYSTEM_NAMESPACE });
    const rank = (k: string) =>
      k === "ValidatingAdmissionPolicyBinding" ? 2 : k === "ValidatingAdmissionPolicy" ? 1 : 0;
    const created: K8sObject[] = [];
    for (const r of [0, 1, 2]) {
      const before = created.map((o) => o.resource);
      for (const obj of admission.filter((o) => rank(o.kind) === r)) {
        const id = `admission-${obj.kind}-${obj.metadata.name ?? "unnamed"}`
          .toLowerCase()
          .replace(/[^a-z0-9-]/g, "-");
        created.push(
          new K8sObject(this, id, obj as KubernetesObject, { dependsOn: [...nsResources, ...before] }),
        );
      }
    }
  }
}
