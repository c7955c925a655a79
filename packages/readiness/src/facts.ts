import { readFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "@sovereign/profile";

/**
 * The Kubernetes behaviour the readiness check reproduces, as data: read from the Kubernetes source
 * (kubernetes/kubernetes) at the commits named below, never copied. Changing a list here changes
 * what the check admits; the tests pin each list.
 */

/** Where each fact was read. */
export const SOURCES = {
  limitRangerAdmission: {
    file: "plugin/pkg/admission/limitranger/admission.go",
    commit: "8f672ecf2088fe8504495748577c0ab537999ab7",
  },
  limitRangeItemDefaults: { file: "pkg/apis/core/v1/defaults.go", function: "SetDefaults_LimitRangeItem" },
  podDefaults: { file: "pkg/apis/core/v1/defaults.go", function: "SetDefaults_Pod" },
  podSecurityChecks: {
    dir: "staging/src/k8s.io/pod-security-admission/policy",
    restrictedVolumes: { file: "check_restrictedVolumes.go", commit: "13a1804a5f5354f543979f6ee5b13bf1d7efe7f7" },
    capabilitiesBaseline: { file: "check_capabilities_baseline.go" },
  },
} as const;

/** Kubernetes minor version the facts hold for (the kit's VAPs need >= 1.31; kubectl 1.35 ships with it). */
export const KUBERNETES_VERSION = "1.31-1.35";

/**
 * How a container's requests and limits are completed before validation, in order:
 * 1. API defaulting of the Pod: a resource with a limit but no request gets request = limit
 *    (containers and init containers).
 * 2. LimitRange item defaulting (Container type): `max` fills a missing `default`; `default` fills a
 *    missing `defaultRequest`; `min` fills a still-missing `defaultRequest`.
 * 3. LimitRanger admission: every resource of `default` missing from a container's limits is set;
 *    every resource of `defaultRequest` missing from its requests is set (containers and init
 *    containers).
 * 4. Validation: request <= limit per resource; then LimitRange `min` (request and limit >= min),
 *    `max` (a limit must exist and be <= max, request <= max) and `maxLimitRequestRatio`.
 */
export const LIMIT_DEFAULTING_ORDER = [
  "pod-defaults:request-from-limit",
  "limitrange-item-defaults:default-from-max,defaultRequest-from-default,defaultRequest-from-min",
  "limitranger:limits-from-default,requests-from-defaultRequest",
  "validation:request<=limit,min,max,maxLimitRequestRatio",
] as const;

/** Capabilities the baseline level allows in `capabilities.add` (check_capabilities_baseline.go). */
export const BASELINE_ALLOWED_CAPABILITIES = [
  "AUDIT_WRITE",
  "CHOWN",
  "DAC_OVERRIDE",
  "FOWNER",
  "FSETID",
  "KILL",
  "MKNOD",
  "NET_BIND_SERVICE",
  "SETFCAP",
  "SETGID",
  "SETPCAP",
  "SETUID",
  "SYS_CHROOT",
] as const;

/** Capabilities the restricted level allows in `capabilities.add`; `drop` must contain ALL. */
export const RESTRICTED_ALLOWED_CAPABILITIES = ["NET_BIND_SERVICE"] as const;

/** Volume sources the restricted level allows (check_restrictedVolumes.go); anything else is refused. */
export const RESTRICTED_VOLUME_TYPES = [
  "configMap",
  "csi",
  "downwardAPI",
  "emptyDir",
  "ephemeral",
  "persistentVolumeClaim",
  "projected",
  "secret",
] as const;

/** seccomp profile types the restricted level accepts (pod level or every container). */
export const RESTRICTED_SECCOMP_TYPES = ["RuntimeDefault", "Localhost"] as const;

/** The namespace label Pod Security Admission reads, and its value when absent (cluster default). */
export const POD_SECURITY_ENFORCE_LABEL = "pod-security.kubernetes.io/enforce";
export const POD_SECURITY_DEFAULT_LEVEL = "privileged";

/**
 * Label the API server sets on every namespace (since 1.22, NamespaceDefaultLabelName): its name.
 * NetworkPolicies select namespaces by it.
 */
export const NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name";

/** Taint effects the scheduler refuses a pod for (PreferNoSchedule only scores). */
export const HARD_TAINT_EFFECTS = ["NoSchedule", "NoExecute"] as const;

/** Pod-level kinds whose templates create pods, and where the pod template sits. */
export const POD_TEMPLATE_PATHS: Record<string, readonly string[]> = {
  Pod: [],
  Deployment: ["spec", "template"],
  StatefulSet: ["spec", "template"],
  DaemonSet: ["spec", "template"],
  ReplicaSet: ["spec", "template"],
  Job: ["spec", "template"],
  CronJob: ["spec", "jobTemplate", "spec", "template"],
};

/**
 * GPU Operator chart defaults the kit's values may leave in place, read from NVIDIA/gpu-operator
 * v25.3.0 (commit b5479aaa85c72a3f67090e9cb205dfefd6c7b010), deployments/gpu-operator/values.yaml:
 * the tolerations of every operand DaemonSet (driver, container toolkit, device plugin, DCGM,
 * GPU feature discovery, MIG manager, validator) and of the node-feature-discovery worker.
 */
export const GPU_OPERATOR_CHART_DEFAULTS = {
  version: "v25.3.0",
  file: "deployments/gpu-operator/values.yaml",
  daemonsetsTolerations: [{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }],
  nfdWorkerTolerations: [
    { key: "node-role.kubernetes.io/master", operator: "Equal", value: "", effect: "NoSchedule" },
    { key: "node-role.kubernetes.io/control-plane", operator: "Equal", value: "", effect: "NoSchedule" },
    { key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" },
  ],
} as const;

/** What a CSI driver refuses to provision (or stage) without, from the repository's upstream record. */
export interface CsiRequirements {
  version: string;
  /** Parameters every class of the driver needs. */
  required: string[];
  /** Parameters a class that allows expansion needs as well (the resizer passes that Secret). */
  expand: string[];
}

/**
 * Required StorageClass parameters by CSI driver, read from `upstream/ceph-csi-v3.12.2.json` (the
 * record of ceph-csi's own checks, kept with the kit's other upstream facts).
 */
export function csiRequirements(): Record<string, CsiRequirements> {
  const record = JSON.parse(readFileSync(join(repoRoot(), "upstream", CEPH_CSI_RECORD), "utf8")) as {
    version: string;
    storageClassParameters: Record<string, { required: string[]; keys: string[] }>;
  };
  return Object.fromEntries(
    Object.entries(record.storageClassParameters).map(([driver, p]) => [
      driver,
      {
        version: `ceph-csi ${record.version}`,
        required: p.required,
        expand: p.keys.filter((k) => k.startsWith("csi.storage.k8s.io/controller-expand-secret-")),
      },
    ]),
  );
}

/** The ceph-csi record the kit pins. */
export const CEPH_CSI_RECORD = "ceph-csi-v3.12.2.json";

/** PriorityClasses every cluster has (the Priority admission plugin creates them); any other must exist. */
export const SYSTEM_PRIORITY_CLASSES = ["system-cluster-critical", "system-node-critical"] as const;
