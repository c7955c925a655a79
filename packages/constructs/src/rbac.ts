import { Construct, type ITerraformDependable } from "./cdktf.js";
import { K8sObject } from "./k8s-object.js";
import { PropChecks } from "./validate.js";

/** One RBAC rule (rbac.authorization.k8s.io/v1 PolicyRule). */
export interface RoleRule {
  readonly apiGroups: string[];
  readonly resources: string[];
  readonly verbs: string[];
}

/** Props of {@link LeastPrivilegeRole}. */
export interface LeastPrivilegeRoleProps {
  /** Role and RoleBinding name. */
  readonly name: string;
  /** Namespace the role grants rights in (never cluster-wide). */
  readonly namespace: string;
  /** What the role may do. Wildcards are refused; name every verb and resource. */
  readonly rules: RoleRule[];
  /** Groups (from the cluster's identity provider) bound to the role. */
  readonly groups: string[];
  /**
   * Lets the role touch Secrets or RBAC objects.
   * @default false — reading Secrets or editing Roles is privilege escalation in disguise; grant it
   * explicitly and review it.
   */
  readonly allowSensitive?: boolean;
  /** Objects that must exist first (the namespace). */
  readonly dependsOn?: ITerraformDependable[];
}

const SENSITIVE = new Set([
  "secrets",
  "roles",
  "rolebindings",
  "clusterroles",
  "clusterrolebindings",
  "serviceaccounts/token",
]);

/**
 * A namespaced Role and its RoleBinding that refuse wildcards and, unless told otherwise, any
 * access to Secrets or RBAC objects.
 */
export class LeastPrivilegeRole extends Construct {
  readonly role: K8sObject;
  readonly binding: K8sObject;

  constructor(scope: Construct, id: string, props: LeastPrivilegeRoleProps) {
    super(scope, id);
    const checks = new PropChecks();
    checks.label(props.name, ["name"]);
    checks.require(
      props.groups.length > 0,
      ["groups"],
      "no group is bound: the role would be dead weight",
      "name at least one group",
    );
    props.rules.forEach((r, i) => {
      checks.require(
        !r.verbs.includes("*"),
        ["rules", i, "verbs"],
        "verb wildcard '*' grants future verbs too",
        "list the verbs, e.g. get, list, watch",
      );
      checks.require(
        !r.resources.includes("*"),
        ["rules", i, "resources"],
        "resource wildcard '*' grants Secrets and RBAC",
        "list the resources",
      );
      checks.require(
        !r.apiGroups.includes("*"),
        ["rules", i, "apiGroups"],
        "apiGroup wildcard '*' grants every CRD installed later",
        "list the API groups",
      );
      if (!props.allowSensitive) {
        const bad = r.resources.filter((x) => SENSITIVE.has(x));
        checks.require(
          bad.length === 0,
          ["rules", i, "resources"],
          `grants ${bad.join(", ")} without allowSensitive`,
          "drop them or set allowSensitive: true after review",
        );
      }
    });
    checks.throwIfAny(this, "LeastPrivilegeRole");
    const opts = props.dependsOn ? { dependsOn: props.dependsOn } : {};
    this.role = new K8sObject(
      this,
      "role",
      {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "Role",
        metadata: { name: props.name, namespace: props.namespace },
        rules: props.rules.map((r) => ({ apiGroups: r.apiGroups, resources: r.resources, verbs: r.verbs })),
      },
      opts,
    );
    this.binding = new K8sObject(
      this,
      "binding",
      {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "RoleBinding",
        metadata: { name: props.name, namespace: props.namespace },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: props.name },
        subjects: props.groups.map((g) => ({
          apiGroup: "rbac.authorization.k8s.io",
          kind: "Group",
          name: g,
        })),
      },
      { dependsOn: [this.role.resource] },
    );
  }
}

const READ = ["get", "list", "watch"];

/** Rules of a tenant's viewers: workloads, their status and logs; no Secrets. */
export const VIEWER_RULES: RoleRule[] = [
  {
    apiGroups: [""],
    resources: ["pods", "pods/log", "services", "configmaps", "persistentvolumeclaims", "events"],
    verbs: READ,
  },
  { apiGroups: ["apps"], resources: ["deployments", "replicasets", "statefulsets"], verbs: READ },
  { apiGroups: ["batch"], resources: ["jobs", "cronjobs"], verbs: READ },
  { apiGroups: ["autoscaling"], resources: ["horizontalpodautoscalers"], verbs: READ },
];

/** Rules of a tenant's operators: viewers plus restarting and scaling; creating objects stays with Terraform. */
export const OPERATOR_RULES: RoleRule[] = [
  ...VIEWER_RULES,
  { apiGroups: [""], resources: ["pods"], verbs: ["delete"] },
  { apiGroups: ["apps"], resources: ["deployments/scale"], verbs: ["get", "update", "patch"] },
  { apiGroups: ["batch"], resources: ["jobs"], verbs: ["delete"] },
];
