import type { K8sObject, SynthObject } from "@sovereign/policy";
import { POD_TEMPLATE_PATHS } from "./facts.js";
import type { Json, PodUnderTest } from "./types.js";

/** The synthesized objects, indexed once by what the checks look up. */
export interface ObjectIndex {
  namespaces: Map<string, SynthObject>;
  /** By namespace. */
  limitRanges: Map<string, SynthObject[]>;
  quotas: Map<string, SynthObject[]>;
  networkPolicies: Map<string, SynthObject[]>;
  /** By `namespace/name`. */
  claims: Map<string, SynthObject>;
  storageClasses: Map<string, SynthObject>;
  priorityClasses: Set<string>;
  pods: PodUnderTest[];
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const list = m.get(k);
  if (list) list.push(v);
  else m.set(k, [v]);
}

function at(obj: Json, path: readonly string[]): Json | undefined {
  let cur: Json | undefined = obj;
  for (const p of path) cur = cur?.[p];
  return cur && typeof cur === "object" ? cur : undefined;
}

function replicasOf(kind: string, obj: Json): number {
  if (kind === "Deployment" || kind === "StatefulSet" || kind === "ReplicaSet")
    return Number(obj.spec?.replicas ?? 1);
  if (kind === "Job") return Number(obj.spec?.parallelism ?? 1);
  if (kind === "CronJob") return Number(obj.spec?.jobTemplate?.spec?.parallelism ?? 1);
  return 1;
}

/** The pod a workload's controller would create from its template. */
function podUnderTest(so: SynthObject): PodUnderTest | undefined {
  const path = POD_TEMPLATE_PATHS[so.object.kind];
  if (!path) return undefined;
  const obj = so.object as Json;
  const template = path.length === 0 ? obj : at(obj, path);
  const spec = template?.spec as Json | undefined;
  if (!template || !spec) return undefined;
  const namespace = so.object.metadata.namespace ?? "default";
  const labels: Record<string, string> = { ...(template.metadata?.labels ?? {}) };
  const name = so.object.metadata.name ?? "(unnamed)";
  const pod: K8sObject = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      ...(template.metadata ?? {}),
      name: `${name}-pod`,
      namespace,
      labels,
    },
    spec,
  };
  return {
    source: so,
    namespace,
    labels,
    spec,
    replicas: replicasOf(so.object.kind, obj),
    ref: { kind: so.object.kind, namespace, name },
    pod,
  };
}

/** Indexes the objects in one pass. */
export function indexObjects(objects: SynthObject[]): ObjectIndex {
  const ix: ObjectIndex = {
    namespaces: new Map(),
    limitRanges: new Map(),
    quotas: new Map(),
    networkPolicies: new Map(),
    claims: new Map(),
    storageClasses: new Map(),
    priorityClasses: new Set(),
    pods: [],
  };
  for (const so of objects) {
    const o = so.object;
    const ns = o.metadata.namespace ?? "default";
    const name = o.metadata.name ?? "";
    switch (o.kind) {
      case "Namespace":
        ix.namespaces.set(name, so);
        break;
      case "LimitRange":
        push(ix.limitRanges, ns, so);
        break;
      case "ResourceQuota":
        push(ix.quotas, ns, so);
        break;
      case "NetworkPolicy":
        push(ix.networkPolicies, ns, so);
        break;
      case "PersistentVolumeClaim":
        ix.claims.set(`${ns}/${name}`, so);
        break;
      case "StorageClass":
        ix.storageClasses.set(name, so);
        break;
      case "PriorityClass":
        ix.priorityClasses.add(name);
        break;
      default: {
        const p = podUnderTest(so);
        if (p) ix.pods.push(p);
      }
    }
  }
  return ix;
}

/** Every container of a pod spec, init containers first (the order the kubelet runs them). */
export function containersOf(spec: Json): { init: boolean; c: Json }[] {
  return [
    ...((spec.initContainers ?? []) as Json[]).map((c) => ({ init: true, c })),
    ...((spec.containers ?? []) as Json[]).map((c) => ({ init: false, c })),
  ];
}
