import type { CountryProfile } from "@sovereign/profile";
import { stringify } from "yaml";
import { loadPacks, type PolicyPack, type Rule } from "./pack.js";
import { buildParams, PARAMS_NAME, PARAMS_NAMESPACE } from "./params.js";
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
   * Namespaces the bindings leave out.
   * @default ["kube-system"] — the cluster's own control-plane add-ons come with the distribution,
   * not from the kit; denying them would break the cluster rather than protect data.
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
      paramRef: { name: PARAMS_NAME, namespace: paramsNamespace, parameterNotFoundAction: "Deny" },
      ...(exempt.length
        ? {
            matchResources: {
              namespaceSelector: {
                matchExpressions: [
                  { key: "kubernetes.io/metadata.name", operator: "NotIn", values: [...exempt] },
                ],
              },
            },
          }
        : {}),
    },
  };
}

/**
 * ValidatingAdmissionPolicy + binding per Kubernetes-targeted rule of the profile's packs, and
 * the params ConfigMap they all read (admissionregistration.k8s.io/v1, Kubernetes >= 1.30).
 * Error rules deny, warning rules warn, info rules audit. Terraform-targeted rules are synth-only:
 * they are listed in the params ConfigMap's `sovereign.ai/synth-only-rules` annotation.
 */
export function exportAdmission(profile: CountryProfile, opts: ExportOptions = {}): K8sObject[] {
  const packs = opts.packs ?? loadPacks(profile.spec.policies);
  const ns = opts.paramsNamespace ?? PARAMS_NAMESPACE;
  const exempt = opts.exemptNamespaces ?? ["kube-system"];
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
    "# ValidatingAdmissionPolicy + binding per rule, params in one ConfigMap; Kubernetes >= 1.30.",
    `# Synth-only rules (they check Terraform JSON, never seen by the API server): ${synthOnly.join(", ") || "none"}.`,
  ].join("\n");
  return `${head}\n${objs.map((o) => `---\n${stringify(o, { lineWidth: 0 })}`).join("")}`;
}
