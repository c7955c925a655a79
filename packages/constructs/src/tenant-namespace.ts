import type { DataClassName } from "@sovereign/profile";
import { isQuantity } from "@sovereign/profile";
import { Construct } from "./cdktf.js";
import { K8sObject } from "./k8s-object.js";
import { type ApiServerEndpoint, type ClusterDns, DEFAULT_DNS, NetworkLockdown } from "./network.js";
import { PropChecks } from "./validate.js";

/** Labels a namespace carries so policies and people can tell where its data lives. */
export const SITE_LABEL = "sovereign.ai/site";
export const DATA_CLASS_LABEL = "sovereign.ai/data-class";
export const COUNTRY_LABEL = "sovereign.ai/country";
/**
 * Namespaces labelled `sovereign.ai/residency: enforced` are where the residency admission
 * policies enforce (the cluster's own namespaces never carry it). A tenant namespace carries it
 * whenever it enforces Pod Security `restricted`, together with its default-deny network policies.
 */
export const RESIDENCY_LABEL = "sovereign.ai/residency";
export const RESIDENCY_ENFORCED = "enforced";

/** Pod Security Standards level (https://kubernetes.io/docs/concepts/security/pod-security-standards/). */
export type PodSecurityLevel = "restricted" | "baseline" | "privileged";

/** Resource ceilings of one namespace. Quantities use Kubernetes units (`500m`, `64Gi`). */
export interface NamespaceQuota {
  /** GPUs (`requests.nvidia.com/gpu`) the namespace may hold at once. 0 means none. */
  readonly gpus: number;
  /**
   * CPU requests the namespace may hold.
   * @default "256" — generous for a GPU tenant; the GPU count is the real ceiling.
   */
  readonly cpu?: string;
  /**
   * Memory requests the namespace may hold.
   * @default "2Ti" — an 8-GPU inference node holds ~1 TiB; two of them fit.
   */
  readonly memory?: string;
  /**
   * Persistent storage the namespace's claims may request in total.
   * @default no storage ceiling — the data volumes are sized by the profile.
   */
  readonly storage?: string;
  /**
   * Pods the namespace may run.
   * @default 200 — stops a runaway controller before it exhausts the node pool.
   */
  readonly pods?: number;
}

/** Props of {@link TenantNamespace}. */
export interface TenantNamespaceProps {
  /** Namespace name (RFC 1123 label). */
  readonly name: string;
  /** ISO country code (lowercase), stamped as the `sovereign.ai/country` label. */
  readonly country: string;
  /** Site (failure domain) whose workloads the namespace holds, stamped as `sovereign.ai/site`. */
  readonly site: string;
  /** Most sensitive data class handled in the namespace, stamped as `sovereign.ai/data-class`. */
  readonly dataClass: DataClassName;
  /**
   * In-country networks (CIDRs) pods may reach. Everything else is denied, except cluster DNS
   * and pods of the same namespace.
   */
  readonly egressCidrs: string[];
  /** Resource ceilings, including GPUs. */
  readonly quota: NamespaceQuota;
  /**
   * Cluster DNS pods that egress may reach on port 53.
   * @default kube-system pods labelled `k8s-app: kube-dns` — CoreDNS and kube-dns both carry it.
   */
  readonly dns?: ClusterDns;
  /**
   * The API server, for a namespace whose pods run controllers.
   * @default none — tenant workloads do not talk to the API server.
   */
  readonly apiServer?: ApiServerEndpoint;
  /**
   * Pod Security Standards level enforced (and warned/audited) on the namespace.
   * @default "restricted" — no root, no privilege escalation, no host access; opt out only for
   * system components that need the node (the GPU Operator), never for model workloads.
   */
  readonly podSecurity?: PodSecurityLevel;
  /**
   * Other namespaces whose pods may open connections into this one.
   * @default [] — only pods of the same namespace; add the gateway namespace to expose models.
   */
  readonly ingressFromNamespaces?: string[];
  /**
   * Default container requests and limits (LimitRange), applied to containers that set none.
   * @default requests 100m CPU / 256Mi, memory limit 4Gi, no CPU limit — a forgotten request
   * never starves a GPU pod on the same node. No default CPU limit: the API server would give it
   * to every container that sets a CPU request but no limit, and reject the pod when the request
   * is larger (the serving and gate containers request 4 CPUs and are deliberately unthrottled).
   */
  readonly containerDefaults?: {
    requestCpu: string;
    requestMemory: string;
    /** @default none — see above. */
    limitCpu?: string;
    limitMemory: string;
  };
  /** Extra namespace labels. */
  readonly labels?: Record<string, string>;
}

/**
 * A tenant namespace that is locked down before anything runs in it: restricted Pod Security,
 * a ResourceQuota (GPUs included) and LimitRange, and NetworkPolicies that deny all ingress and
 * egress except the same namespace, cluster DNS and the country's own networks.
 */
export class TenantNamespace extends Construct {
  /** The namespace name. */
  readonly name: string;
  /** Every object of the namespace (namespace first). */
  readonly objects: K8sObject[] = [];
  /** The Namespace object (others in the namespace should depend on it). */
  readonly namespace: K8sObject;

  constructor(scope: Construct, id: string, props: TenantNamespaceProps) {
    super(scope, id);
    const checks = new PropChecks();
    checks.label(props.name, ["name"]);
    checks.label(props.site, ["site"], "site");
    checks.egressCidrs(props.egressCidrs);
    checks.require(
      Number.isInteger(props.quota.gpus) && props.quota.gpus >= 0,
      ["quota", "gpus"],
      `${props.quota.gpus} is not a GPU count`,
      "give a whole number >= 0",
    );
    for (const key of ["cpu", "memory", "storage"] as const) {
      const v = props.quota[key];
      if (v !== undefined)
        checks.require(
          isQuantity(v),
          ["quota", key],
          `${JSON.stringify(v)} is not a quantity`,
          "e.g. 64, 500m, 2Ti",
        );
    }
    for (const [i, ns] of (props.ingressFromNamespaces ?? []).entries()) {
      checks.label(ns, ["ingressFromNamespaces", i], "namespace");
    }
    checks.throwIfAny(this, "TenantNamespace");

    this.name = props.name;
    const level = props.podSecurity ?? "restricted";
    const dns = props.dns ?? DEFAULT_DNS;
    const ns = props.name;
    const add = (oid: string, object: ConstructorParameters<typeof K8sObject>[2]) => {
      const first = this.objects[0];
      const o = new K8sObject(this, oid, object, first ? { dependsOn: [first.resource] } : {});
      this.objects.push(o);
      return o;
    };

    this.namespace = add("namespace", {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: {
        name: ns,
        labels: {
          ...props.labels,
          [COUNTRY_LABEL]: props.country,
          [SITE_LABEL]: props.site,
          [DATA_CLASS_LABEL]: props.dataClass,
          ...(level === "restricted" ? { [RESIDENCY_LABEL]: RESIDENCY_ENFORCED } : {}),
          "pod-security.kubernetes.io/enforce": level,
          "pod-security.kubernetes.io/enforce-version": "latest",
          "pod-security.kubernetes.io/warn": level,
          "pod-security.kubernetes.io/audit": level,
        },
      },
    });

    const hard: Record<string, string> = {
      "requests.nvidia.com/gpu": String(props.quota.gpus),
      "requests.cpu": props.quota.cpu ?? "256",
      "requests.memory": props.quota.memory ?? "2Ti",
      pods: String(props.quota.pods ?? 200),
    };
    if (props.quota.storage !== undefined) hard["requests.storage"] = props.quota.storage;
    add("quota", {
      apiVersion: "v1",
      kind: "ResourceQuota",
      metadata: { name: "tenant-quota", namespace: ns },
      spec: { hard },
    });

    const d = props.containerDefaults ?? { requestCpu: "100m", requestMemory: "256Mi", limitMemory: "4Gi" };
    add("limits", {
      apiVersion: "v1",
      kind: "LimitRange",
      metadata: { name: "container-defaults", namespace: ns },
      spec: {
        limits: [
          {
            type: "Container",
            defaultRequest: { cpu: d.requestCpu, memory: d.requestMemory },
            default: { ...(d.limitCpu ? { cpu: d.limitCpu } : {}), memory: d.limitMemory },
          },
        ],
      },
    });

    const lockdown = new NetworkLockdown(this, "network", {
      namespace: ns,
      egressCidrs: props.egressCidrs,
      dns,
      ingressFromNamespaces: props.ingressFromNamespaces,
      apiServer: props.apiServer,
      dependsOn: [this.namespace.resource],
    });
    this.objects.push(...lockdown.objects);
  }
}
