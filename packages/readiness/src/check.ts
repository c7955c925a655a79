import { evaluate, type K8sObject, type SynthObject } from "@sovereign/policy";
import { perCountry } from "@sovereign/profile";
import { type Refusal, limitRangeRefusals, type PodResources, podResources, quotaRefusals } from "./checks/admission.js";
import { namespaceLabels } from "./checks/network.js";
import { type PodSecurityLevel, podSecurityViolations } from "./checks/pod-security.js";
import { apiServerFindings, controllerNamespaceFindings, dnsFindings, endpointFindings } from "./checks/reach.js";
import { scheduleVerdict, topologyAllows } from "./checks/schedule.js";
import { type Claim, podClaims } from "./checks/volumes.js";
import {
  csiRequirements,
  POD_SECURITY_DEFAULT_LEVEL,
  POD_SECURITY_ENFORCE_LABEL,
  SYSTEM_PRIORITY_CLASSES,
} from "./facts.js";
import { finding } from "./finding.js";
import { clusterModel } from "./model.js";
import { indexObjects, type ObjectIndex } from "./objects.js";
import { amount, show } from "./resources.js";
import type { ClusterModel, Json, PodUnderTest, ReadinessFinding, ReadinessInput } from "./types.js";

/** Namespaces every cluster has, so a pod may run there without the synth creating them. */
const CLUSTER_NAMESPACES = new Set(["default", "kube-system", "kube-public", "kube-node-lease"]);

/** A refusal blamed on its own object (e.g. the LimitRange) names the workload in the message. */
function fromRefusal(p: PodUnderTest, r: Refusal): ReadinessFinding {
  const who = `${p.ref.kind} ${p.namespace}/${p.ref.name}`;
  return r.on ? finding(r.on, r.rule, `${who}: ${r.message}`, r.fix) : finding(p.source, r.rule, r.message, r.fix);
}

function immediateBinding(p: PodUnderTest, claims: Claim[], model: ClusterModel, fitZones: Set<string>): string[] {
  const out: string[] = [];
  for (const c of claims) {
    if (!c.class || (c.class.volumeBindingMode ?? "Immediate") !== "Immediate") continue;
    const zones = [...new Set(model.nodes.filter((n) => topologyAllows(n, c.class!.allowedTopologies)).map((n) => n.zone))];
    const stray = zones.filter((z) => !fitZones.has(z));
    if (stray.length > 0)
      out.push(
        `claim ${c.label} of class ${c.className} binds Immediately, so it may be provisioned in ${stray.join(", ")} where the pod cannot run`,
      );
  }
  return out;
}

function scheduling(p: PodUnderTest, ix: ObjectIndex, model: ClusterModel, res: PodResources): ReadinessFinding[] {
  const { claims, problems } = podClaims(p, ix);
  const out = problems.map((x) => finding(p.source, x.rule, x.message, x.fix));
  const verdict = scheduleVerdict(model.nodes, p.spec, res.requests, claims);
  if (verdict.failure) {
    out.push(finding(p.source, verdict.failure.rule, verdict.failure.message, verdict.failure.fix));
    return out;
  }
  const zones = new Set(verdict.fits.map((n) => n.zone));
  for (const m of immediateBinding(p, claims, model, zones))
    out.push(finding(p.source, "volume.binding", m, "set volumeBindingMode: WaitForFirstConsumer on the class"));
  return out;
}

function podSecurity(p: PodUnderTest, ix: ObjectIndex): ReadinessFinding[] {
  const nsObj = ix.namespaces.get(p.namespace);
  const level = (nsObj?.object.metadata.labels?.[POD_SECURITY_ENFORCE_LABEL] ?? POD_SECURITY_DEFAULT_LEVEL) as PodSecurityLevel;
  const v = podSecurityViolations(p.spec, level);
  if (v.length === 0) return [];
  return [
    finding(
      p.source,
      "admission.pod-security",
      `namespace ${p.namespace} enforces Pod Security "${level}", which refuses this pod: ${v.map((x) => `${x.id}: ${x.detail}`).join("; ")}`,
      "set the securityContext the level requires (runAsNonRoot, allowPrivilegeEscalation: false, drop ALL, seccompProfile RuntimeDefault), or run it in a namespace whose level allows it",
    ),
  ];
}

/** Admission by the kit's own policies: the pod and the claims its controllers create, as they are created. */
function policyFindings(input: ReadinessInput, pods: PodUnderTest[]): ReadinessFinding[] {
  const objects: SynthObject[] = [];
  const owner = new Map<K8sObject, PodUnderTest>();
  for (const p of pods) {
    objects.push({ ...p.source, object: p.pod });
    owner.set(p.pod, p);
    for (const v of (p.spec.volumes ?? []) as Json[]) {
      const t = v.ephemeral?.volumeClaimTemplate;
      if (!t) continue;
      const claim: K8sObject = {
        apiVersion: "v1",
        kind: "PersistentVolumeClaim",
        metadata: { ...(t.metadata ?? {}), name: `${p.pod.metadata.name}-${v.name}`, namespace: p.namespace },
        spec: t.spec ?? {},
      };
      objects.push({ ...p.source, object: claim });
      owner.set(claim, p);
    }
  }
  if (objects.length === 0) return [];
  const byRef = new Map(objects.map((o) => [`${o.object.kind}/${o.object.metadata.namespace}/${o.object.metadata.name}`, o.object]));
  return evaluate({ profile: input.profile, objects, terraform: [] })
    .filter((f) => f.severity === "error")
    .map((f) => {
      const obj = byRef.get(`${f.objectRef.kind}/${f.objectRef.namespace}/${f.objectRef.name}`);
      const p = obj ? owner.get(obj)! : pods[0]!;
      return finding(
        p.source,
        "admission.policy",
        `the ${f.objectRef.kind} this workload creates is denied by ${f.packId}/${f.ruleId}: ${f.message}`,
        `make the workload's template satisfy ${f.ruleId} (see its pack in policies/)`,
      );
    });
}

/**
 * Quota over what a first apply runs at once: the gate Jobs (before any release), then the
 * releases' replicas; CronJob pods may fire during either. DaemonSets are per node, not counted.
 */
const PHASES: { name: string; kinds: string[] }[] = [
  { name: "the gate and batch Jobs", kinds: ["Job", "CronJob"] },
  { name: "the serving replicas", kinds: ["Deployment", "StatefulSet", "ReplicaSet", "Pod", "CronJob"] },
];

function quotaTotals(pods: { p: PodUnderTest; res: PodResources }[], ix: ObjectIndex): ReadinessFinding[] {
  const out: ReadinessFinding[] = [];
  for (const [ns, quotas] of ix.quotas) {
    for (const phase of PHASES) {
      const mine = pods.filter((x) => x.p.namespace === ns && phase.kinds.includes(x.p.source.object.kind));
      for (const q of quotas) {
        for (const [key, raw] of Object.entries(((q.object as Json).spec?.hard ?? {}) as Record<string, unknown>)) {
          if (!key.startsWith("requests.")) continue;
          const r = key.slice(9);
          const hard = amount(r, raw);
          const used = mine.reduce((n, x) => n + x.p.replicas * (x.res.requests[r] ?? 0), 0);
          if (hard !== undefined && used > hard)
            out.push(
              finding(
                q,
                "admission.quota",
                `${phase.name} of namespace ${ns} hold ${show(r, used)} ${key} at once, above the quota's ${String(raw)}: the last pods are refused`,
                `raise ${key} (for GPUs: add pool capacity of the namespace's purpose) or lower replicas`,
              ),
            );
        }
      }
    }
  }
  return out;
}

/** Every StorageClass of a known CSI driver carries the parameters the driver cannot provision without. */
function provisionerFindings(ix: ObjectIndex): ReadinessFinding[] {
  const out: ReadinessFinding[] = [];
  const drivers = ix.storageClasses.size > 0 ? csiRequirements() : {};
  for (const so of ix.storageClasses.values()) {
    const sc = so.object as Json;
    const req = drivers[String(sc.provisioner)];
    if (!req) continue;
    const params = (sc.parameters ?? {}) as Record<string, string>;
    const has = (k: string) => typeof params[k] === "string" && params[k] !== "";
    const missing = [
      ...req.required.filter((k) => !has(k)),
      ...(sc.allowVolumeExpansion === true ? req.expand.filter((k) => !has(k)) : []),
    ];
    if (missing.length > 0)
      out.push(
        finding(
          so,
          "volume.provisioner",
          `${sc.provisioner} (${req.version}) cannot provision a volume of this class: parameter(s) ${missing.join(", ")} missing`,
          "give the class its Ceph cluster id, pool (or fsName) and the names and namespace of the driver's credentials Secrets",
        ),
      );
  }
  return out;
}

/** The Priority admission plugin refuses a pod whose priorityClassName names no PriorityClass. */
function priorityFinding(p: PodUnderTest, ix: ObjectIndex): ReadinessFinding[] {
  const name = p.spec.priorityClassName as string | undefined;
  if (!name || ix.priorityClasses.has(name) || (SYSTEM_PRIORITY_CLASSES as readonly string[]).includes(name)) return [];
  return [
    finding(
      p.source,
      "admission.priority-class",
      `priorityClassName ${name} names no PriorityClass the stacks create (have: ${[...ix.priorityClasses].sort().join(", ") || "none"}), so the pod is refused`,
      "use one of the platform stack's PriorityClasses, or create it",
    ),
  ];
}

function namespaceFinding(p: PodUnderTest, ix: ObjectIndex): ReadinessFinding[] {
  if (ix.namespaces.has(p.namespace) || CLUSTER_NAMESPACES.has(p.namespace)) return [];
  return [
    finding(
      p.source,
      "admission.namespace",
      `namespace ${p.namespace} is created by no stack, so the pod is refused (and none of the kit's quotas, limits, Pod Security or network policies would apply to it)`,
      "run it in one of the kit's namespaces, or create the namespace with a TenantNamespace",
    ),
  ];
}

/**
 * The deploy-readiness check: for every pod template of the synth (rendered charts included),
 * proves it schedules on a declared node with its volumes, is admitted (LimitRange defaulting,
 * request <= limit, quota, Pod Security, the kit's own policies) and reaches DNS, the API server
 * where its namespace's controllers need it, and the endpoints it is configured with. Objects are
 * indexed once; each pod is checked against its namespace's objects only.
 */
export function checkReadiness(input: ReadinessInput): ReadinessFinding[] {
  const model = input.cluster ?? clusterModel(input.profile);
  const ix = indexObjects(input.objects);
  const nsl = namespaceLabels(ix.namespaces);
  const out: ReadinessFinding[] = [];
  const withRes = ix.pods.map((p) => ({ p, res: podResources(p, ix.limitRanges.get(p.namespace) ?? []) }));
  const dnsSeen = new Set<string>();
  for (const { p, res } of withRes) {
    out.push(...namespaceFinding(p, ix));
    out.push(...priorityFinding(p, ix));
    out.push(...limitRangeRefusals(res, ix.limitRanges.get(p.namespace) ?? []).map((r) => fromRefusal(p, r)));
    out.push(...quotaRefusals(res, ix.quotas.get(p.namespace) ?? []).map((r) => fromRefusal(p, r)));
    out.push(...podSecurity(p, ix));
    out.push(...scheduling(p, ix, model, res));
    if (p.spec.hostNetwork === true) continue; // NetworkPolicy does not govern host-network pods.
    const dnsPolicy = p.spec.dnsPolicy ?? "ClusterFirst";
    const dnsKey = `${p.namespace}\u0000${JSON.stringify(p.labels)}`;
    if (dnsPolicy.startsWith("ClusterFirst") && !dnsSeen.has(dnsKey)) {
      dnsSeen.add(dnsKey);
      out.push(...dnsFindings(p.source, p.namespace, p.labels, ix, model, nsl));
    }
    if (p.spec.automountServiceAccountToken === true)
      out.push(...apiServerFindings(p.source, p.namespace, p.labels, ix, model, nsl));
    out.push(...endpointFindings(p, ix, model, nsl));
  }
  out.push(...quotaTotals(withRes, ix));
  out.push(...provisionerFindings(ix));
  out.push(...controllerNamespaceFindings(input, ix, model, nsl));
  out.push(...policyFindings(input, ix.pods));
  return dedupe(out);
}

function dedupe(fs: ReadinessFinding[]): ReadinessFinding[] {
  const seen = new Set<string>();
  const key = (f: ReadinessFinding) =>
    [f.stack, f.ruleId, f.object.kind, f.object.namespace ?? "", f.object.name, f.message].join("\u0000");
  return fs
    .filter((f) => (seen.has(key(f)) ? false : (seen.add(key(f)), true)))
    .sort((a, b) => key(a).localeCompare(key(b)));
}

/** What {@link checkCountries} reads of a synthesized tree of any number of countries. */
export interface CountriesTree {
  objects: SynthObject[];
  unrendered: NonNullable<ReadinessInput["unrendered"]>;
}

/**
 * The deploy-readiness check of each profile over its own stacks' objects (`<cc>-*`), by country
 * code, in profile order. The one per-country split of the check: `sovereign synth` runs it on the
 * whole tree, a worker thread of a fleet synth on its share.
 */
export function checkCountries(
  profiles: readonly ReadinessInput["profile"][],
  tree: CountriesTree,
): Map<string, ReadinessFinding[]> {
  return perCountry(profiles, (profile, mine) =>
    checkReadiness({
      profile,
      objects: tree.objects.filter((o) => mine(o.stack)),
      unrendered: tree.unrendered.filter((u) => mine(u.stack)),
    }),
  );
}
