import type { CountryProfile } from "@sovereign/profile";
import { stringify } from "yaml";
import { MIN_KUBERNETES_VERSION } from "./cel/k8s-versions.js";
import { loadPacks, type PolicyPack, type Rule } from "./pack.js";
import {
  buildParams,
  CLUSTER_NAMESPACES,
  PARAMS_NAME,
  PARAMS_NAMESPACE,
  RESIDENCY_LABEL,
  RESIDENCY_ENFORCED,
} from "./params.js";
import type { K8sObject } from "./types.js";

/** Options of `exportAdmission`. */
export interface ExportOptions {
  /** @default loadPacks(profile.spec.policies) */
  packs?: PolicyPack[];
  /** Date approved transfers are filtered on. @default new Date() */
  now?: Date;
  /** Namespace of the params ConfigMap. @default "sovereign-system" */
  paramsNamespace?: string;
  /**
   * Namespaces the Namespace rules (which must see every new namespace) leave out, on top of
   * the profile's `spec.residency.clusterNamespaces`. Namespace-scoped rules never need this:
   * they enforce only in namespaces labelled `sovereign.ai/residency: enforced`.
   * @default the Kubernetes system namespaces and the GPU Operator's — the cluster's own
   * components come with the distribution, not from the kit; denying them would break the
   * cluster rather than protect data.
   */
  exemptNamespaces?: string[];
}

/** Resource (plural) of a Kind, as VAP resourceRules name them. */
export function resourceOf(kind: string): string {
  if (kind === "*") return "*";
  const k = kind.toLowerCase();
  if (k.endsWith("y")) return `${k.slice(0, -1)}ies`;
  if (k.endsWith("s")) return `${k}es`;
  return `${k}s`;
}

/**
 * Kinds the API server stores without a namespace. A binding's namespaceSelector never skips them
 * (except Namespace itself, matched on its own labels), so rules on them are checked cluster-wide.
 */
export const CLUSTER_SCOPED_KINDS = new Set([
  "Namespace",
  "Node",
  "PersistentVolume",
  "StorageClass",
  "CSIDriver",
  "ClusterRole",
  "ClusterRoleBinding",
  "PriorityClass",
  "RuntimeClass",
  "CustomResourceDefinition",
  "ValidatingAdmissionPolicy",
  "ValidatingAdmissionPolicyBinding",
  "IngressClass",
  "GatewayClass",
  "ValidatingWebhookConfiguration",
  "MutatingWebhookConfiguration",
  "VolumeSnapshotClass",
  "VolumeSnapshotContent",
]);

/** Kinds a rule targets (`*` included as is). */
export function ruleKinds(rule: Rule): string[] {
  return [...new Set((rule.targets.kubernetes ?? []).flatMap((t) => t.kinds))];
}

/**
 * How a rule's binding is scoped in the cluster:
 * - `namespaced`: every kind it targets lives in a namespace; the binding matches only
 *   namespaces labelled `sovereign.ai/residency: enforced`, so components of the cluster
 *   itself (CNI, CSI, GPU Operator operands, monitoring) in their own namespaces are never
 *   denied, and a missing params object denies writes there only (fail closed where the
 *   country's data is).
 * - `namespaces`: it targets Namespace objects; the binding sees every namespace except the
 *   cluster's own, so a new namespace cannot opt out of residency by leaving the label off.
 * - `cluster`: it targets cluster-scoped kinds (StorageClass, PersistentVolume, or `*`),
 *   checked cluster-wide.
 * The last two allow writes when the params object is missing: denying every new PV or
 * namespace of the cluster would break it (external provisioners create PVs at run time).
 */
export function bindingScope(rule: Rule): "namespaced" | "namespaces" | "cluster" {
  const kinds = ruleKinds(rule);
  if (kinds.includes("Namespace")) return "namespaces";
  return kinds.some((k) => k === "*" || CLUSTER_SCOPED_KINDS.has(k)) ? "cluster" : "namespaced";
}

/** Rules the cluster cannot enforce (they look at Terraform, which never reaches the API server). */
export function synthOnlyRules(packs: readonly PolicyPack[]): Rule[] {
  return packs.flatMap((p) => p.rules.filter((r) => !r.targets.kubernetes));
}

/** Name of the VAP and binding of a rule. */
export function admissionName(rule: Rule): string {
  return `sovereign.${rule.packId}.${rule.id}`;
}

const kindCount = (rule: Rule) => new Set((rule.targets.kubernetes ?? []).flatMap((t) => t.kinds)).size;

const ACTIONS = { error: ["Deny"], warning: ["Warn"], info: ["Audit"] } as const;

function policyOf(rule: Rule, frameworks: readonly string[]): K8sObject {
  const refs = frameworks.flatMap((fw) => (rule.legalRefs[fw] ?? []).map((r) => `${fw} ${r}`));
  const groups = new Map<string, { apiGroups: string[]; apiVersions: string[]; resources: string[] }>();
  for (const t of rule.targets.kubernetes ?? []) {
    const key = `${t.apiGroups.join(",")}|${t.apiVersions.join(",")}`;
    const g = groups.get(key) ?? { apiGroups: t.apiGroups, apiVersions: t.apiVersions, resources: [] };
    g.resources.push(...t.kinds.map(resourceOf));
    // Ephemeral (debug) containers are added through this subresource, whose object is the Pod.
    if (t.kinds.includes("Pod")) g.resources.push("pods/ephemeralcontainers");
    groups.set(key, g);
  }
  return {
    apiVersion: "admissionregistration.k8s.io/v1",
    kind: "ValidatingAdmissionPolicy",
    metadata: {
      name: admissionName(rule),
      labels: {
        "app.kubernetes.io/managed-by": "sovereign",
        "sovereign.ai/policy-pack": rule.packId,
        "sovereign.ai/rule": rule.id,
      },
      annotations: {
        "sovereign.ai/title": rule.title,
        "sovereign.ai/legal-refs": refs.join("; "),
        "sovereign.ai/severity": rule.severity,
      },
    },
    spec: {
      failurePolicy: rule.failurePolicy,
      paramKind: { apiVersion: "v1", kind: "ConfigMap" },
      matchConstraints: {
        resourceRules: [...groups.values()].map((g) => ({
          apiGroups: g.apiGroups,
          apiVersions: g.apiVersions,
          resources: [...new Set(g.resources)],
          operations: ["CREATE", "UPDATE"],
        })),
      },
      ...(rule.matchConditions.length ? { matchConditions: rule.matchConditions } : {}),
      ...(rule.variables.length ? { variables: rule.variables } : {}),
      validations: rule.validations.map((v) => ({
        expression: v.expression,
        ...(v.message !== undefined ? { message: v.message } : {}),
        ...(v.messageExpression !== undefined ? { messageExpression: v.messageExpression } : {}),
        ...(v.reason !== undefined ? { reason: v.reason } : {}),
        // A fieldPath must hold for every matched kind: `{podSpec}` paths and paths into one kind's
        // spec stay offline-only when the rule matches several kinds; metadata.* holds everywhere.
        ...(v.fieldPath !== undefined &&
        !/[{*]/.test(v.fieldPath) &&
        (v.fieldPath.startsWith("metadata.") || kindCount(rule) === 1)
          ? { fieldPath: v.fieldPath }
          : {}),
      })),
    },
  };
}

function bindingOf(rule: Rule, paramsNamespace: string, exempt: readonly string[]): K8sObject {
  const scope = bindingScope(rule);
  const namespaceSelector =
    scope === "namespaces"
      ? { matchExpressions: [{ key: "kubernetes.io/metadata.name", operator: "NotIn", values: [...exempt] }] }
      : { matchLabels: { [RESIDENCY_LABEL]: RESIDENCY_ENFORCED } };
  return {
    apiVersion: "admissionregistration.k8s.io/v1",
    kind: "ValidatingAdmissionPolicyBinding",
    metadata: {
      name: admissionName(rule),
      labels: {
        "app.kubernetes.io/managed-by": "sovereign",
        "sovereign.ai/policy-pack": rule.packId,
        "sovereign.ai/rule": rule.id,
      },
    },
    spec: {
      policyName: admissionName(rule),
      validationActions: [...ACTIONS[rule.severity]],
      paramRef: {
        name: PARAMS_NAME,
        namespace: paramsNamespace,
        parameterNotFoundAction: scope === "namespaced" ? "Deny" : "Allow",
      },
      matchResources: { namespaceSelector },
    },
  };
}

/**
 * ValidatingAdmissionPolicy + binding per Kubernetes-targeted rule of the profile's packs, and
 * the params ConfigMap they all read (admissionregistration.k8s.io/v1, Kubernetes >=
 * MIN_KUBERNETES_VERSION: the IP/CIDR CEL library is accepted in new expressions from 1.31).
 * Error rules deny, warning rules warn, info rules audit. Terraform-targeted rules are synth-only:
 * they are listed in the params ConfigMap's `sovereign.ai/synth-only-rules` annotation.
 */
export function exportAdmission(profile: CountryProfile, opts: ExportOptions = {}): K8sObject[] {
  const packs = opts.packs ?? loadPacks(profile.spec.policies);
  const ns = opts.paramsNamespace ?? PARAMS_NAMESPACE;
  const exempt = [
    ...new Set([...(opts.exemptNamespaces ?? CLUSTER_NAMESPACES), ...(profile.spec.residency?.clusterNamespaces ?? [])]),
  ];
  const params = buildParams(profile, { now: opts.now, namespace: ns });
  const synthOnly = synthOnlyRules(packs).map((r) => `${r.packId}/${r.id}`);
  params.metadata.annotations = {
    ...params.metadata.annotations,
    "sovereign.ai/synth-only-rules": synthOnly.join(","),
    "sovereign.ai/synth-only-note":
      "these rules check Terraform JSON, which the API server never sees; synth enforces them",
  };
  const out: K8sObject[] = [params];
  for (const rule of packs.flatMap((p) => p.rules)) {
    if (!rule.targets.kubernetes) continue;
    out.push(policyOf(rule, profile.spec.frameworks), bindingOf(rule, ns, exempt));
  }
  return out;
}

/** The export as multi-document YAML, with a header naming the synth-only rules. */
export function admissionYaml(profile: CountryProfile, objs: K8sObject[], packs?: PolicyPack[]): string {
  const synthOnly = synthOnlyRules(packs ?? loadPacks(profile.spec.policies)).map(
    (r) => `${r.packId}/${r.id}`,
  );
  const head = [
    `# Residency admission policies for ${profile.spec.displayName} (${profile.metadata.name}).`,
    `# ValidatingAdmissionPolicy + binding per rule, params in one ConfigMap; Kubernetes >= ${MIN_KUBERNETES_VERSION}.`,
    `# Namespace-scoped rules enforce in namespaces labelled ${RESIDENCY_LABEL}=${RESIDENCY_ENFORCED}; rules on cluster-scoped kinds (StorageClass, PersistentVolume, webhook configurations, snapshot classes) and Namespace rules cluster-wide.`,
    `# Synth-only rules (they check Terraform JSON, never seen by the API server): ${synthOnly.join(", ") || "none"}.`,
  ].join("\n");
  return `${head}\n${objs.map((o) => `---\n${stringify(o, { lineWidth: 0 })}`).join("")}`;
}
