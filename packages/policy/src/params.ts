import { RESIDENCY_ENFORCED, RESIDENCY_LABEL, residentClassParameters } from "@sovereign/constructs";
import {
  claimNames,
  type CountryProfile,
  type DataClassName,
  DEMO_LABEL,
  hostOf,
  inCountryCidrs,
  inCountryDomains,
  placements,
} from "@sovereign/profile";
import type { K8sObject } from "./types.js";

export { RESIDENCY_ENFORCED, RESIDENCY_LABEL };

/**
 * Namespaces of the cluster itself, never required to carry the residency label: the
 * Kubernetes system namespaces, the GPU Operator's (whose operands the operator creates at run
 * time without the kit's labels) and the Kueue and JobSet controllers'.
 */
export const CLUSTER_NAMESPACES = [
  "kube-system",
  "kube-public",
  "kube-node-lease",
  "default",
  "gpu-operator",
  // the batch controllers the training stack installs (their pods are upstream controllers)
  "kueue-system",
  "jobset-system",
];

/** Name and namespace of the params ConfigMap every binding's paramRef points at. */
export const PARAMS_NAME = "sovereign-residency-params";
/** @default "sovereign-system" — the platform stack's namespace for cluster-wide kit objects. */
export const PARAMS_NAMESPACE = "sovereign-system";

/**
 * Identities of the controllers that write Endpoints and EndpointSlices for Services with a
 * selector (pod addresses) and mirror hand-written Endpoints: the kube-controller-manager, with
 * and without per-controller service accounts. Objects they write are not re-checked.
 */
export const ENDPOINT_CONTROLLERS = [
  "system:serviceaccount:kube-system:endpoint-controller",
  "system:serviceaccount:kube-system:endpointslice-controller",
  "system:serviceaccount:kube-system:endpointslicemirroring-controller",
  "system:kube-controller-manager",
];

export { DEMO_LABEL };


const list = (xs: Iterable<string>) => [...new Set(xs)].join(",");

/**
 * The training ledger as params: the training pools, the approved recipe digests and, per
 * digest, the data sources its approval covers (`recipe.<sha256>.dataSources`).
 */
function trainingParams(profile: CountryProfile): Record<string, string> {
  const approved = profile.spec.training?.approvedRecipes ?? [];
  const data: Record<string, string> = {
    trainingPools: list(profile.spec.gpuPools.filter((p) => p.purpose === "training").map((p) => p.name)),
    approvedRecipes: list(approved.map((r) => r.sha256)),
    trainingDataClaims: list(claimNames(profile.spec, "training-data")),
    checkpointsClaims: list(claimNames(profile.spec, "checkpoints")),
  };
  for (const r of approved) {
    data[`recipe.${r.sha256}.name`] = r.name;
    data[`recipe.${r.sha256}.dataSources`] = list(r.dataSources);
  }
  return data;
}

/** Approved transfers still in force on `now` (expiry date inclusive, UTC). */
export function activeTransfers(profile: CountryProfile, now: Date) {
  const today = now.toISOString().slice(0, 10);
  return (profile.spec.residency?.approvedTransfers ?? []).filter((t) => t.expires >= today);
}

/**
 * The profile as a ValidatingAdmissionPolicy param: a ConfigMap, because it needs no CRD and
 * every cluster has it. ConfigMap values are strings, so lists are comma-separated (rules use
 * `params.data.zones.split(',')`) and per-item settings use dotted keys
 * (`storageClassZones.<class>`, `transfer.<id>.expires`). The same object is bound as `params`
 * offline and deployed in the cluster, so both evaluate identical CEL on identical data.
 */
export function buildParams(
  profile: CountryProfile,
  opts: { now?: Date; namespace?: string } = {},
): K8sObject & { data: Record<string, string> } {
  const s = profile.spec;
  const siteZones = new Map(s.sites.map((x) => [x.name, x.zones]));
  const domains = inCountryDomains(profile);
  const data: Record<string, string> = {
    country: s.country,
    registry: s.registry.replace(/\/$/, ""),
    domains: list(domains),
    // The API server and NodeLocal DNS addresses are in-country by the profile's declaration.
    egressCidrs: list(inCountryCidrs(s)),
    sites: list(s.sites.map((x) => x.name)),
    zones: list(s.sites.flatMap((x) => x.zones)),
    storageClasses: list(s.storage.classes.map((c) => c.name)),
    encryptedStorageClasses: list(s.storage.classes.filter((c) => c.encrypted).map((c) => c.name)),
    kmsEndpoint: s.kms.endpoint,
    kmsHost: hostOf(s.kms.endpoint),
    kmsKeyRef: s.kms.keyRef,
    stateBackend: s.stateBackend.type,
    demo: profile.metadata.labels?.[DEMO_LABEL] === "true" ? "true" : "false",
    logRetentionLimitDays: String(s.residency?.logRetentionLimitDays ?? ""),
    dataClasses: list(Object.keys(s.storage.dataClasses)),
    inClusterSuffixes: "svc,svc.cluster.local,cluster.local",
    clusterNamespaces: list([...CLUSTER_NAMESPACES, ...(s.residency?.clusterNamespaces ?? [])]),
    residencyLabel: RESIDENCY_LABEL,
    storageProvisioners: list(s.storage.classes.map((c) => c.provisioner)),
    endpointControllers: ENDPOINT_CONTROLLERS.join(","),
  };
  for (const c of s.storage.classes) {
    data[`storageClassZones.${c.name}`] = list(siteZones.get(c.site) ?? []);
    data[`storageClassSite.${c.name}`] = c.site;
    // The provisioner and parameters the storage stack gives the class: a class re-created
    // under the same name on another driver (or another server) no longer matches them.
    const parameters = residentClassParameters({ ...c, kms: s.kms });
    data[`storageClassProvisioner.${c.name}`] = c.provisioner;
    data[`storageClassParameterKeys.${c.name}`] = list(Object.keys(parameters).sort());
    for (const [k, v] of Object.entries(parameters)) data[`storageClassParameter.${c.name}.${k}`] = v;
  }
  for (const [name, dc] of Object.entries(s.storage.dataClasses)) {
    if (!dc) continue;
    // The class at each site the data class is placed at, its own site's first.
    data[`dataClass.${name}.storageClass`] = list([
      dc.storageClass,
      ...placements(s, name as DataClassName).map((p) => p.storageClass),
    ]);
    if (dc.retentionDays !== undefined) data[`dataClass.${name}.retentionDays`] = String(dc.retentionDays);
  }
  Object.assign(data, trainingParams(profile));
  const transfers = activeTransfers(profile, opts.now ?? new Date());
  data.approvedTransfers = list(transfers.map((t) => t.id));
  for (const t of transfers) {
    data[`transfer.${t.id}.destination`] = t.destination;
    data[`transfer.${t.id}.expires`] = t.expires;
    data[`transfer.${t.id}.legalBasis`] = t.legalBasis;
  }
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: {
      name: PARAMS_NAME,
      namespace: opts.namespace ?? PARAMS_NAMESPACE,
      labels: { "app.kubernetes.io/managed-by": "sovereign", "sovereign.ai/country": profile.metadata.name },
      annotations: {
        "sovereign.ai/purpose":
          "parameters of the residency ValidatingAdmissionPolicies (paramKind ConfigMap)",
      },
    },
    data: Object.fromEntries(Object.entries(data).sort(([a], [b]) => a.localeCompare(b))),
  };
}
