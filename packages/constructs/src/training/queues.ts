import type { GpuPool as GpuPoolSpec } from "@sovereign/profile";
import { Construct, type ITerraformDependable } from "../cdktf.js";
import { poolGpuUnits, poolNodeLabels, poolTaints } from "../gpu-pool.js";
import { K8sObject, type KubernetesObject } from "../k8s-object.js";
import { DATA_CLASS_LABEL } from "../tenant-namespace.js";
import { PropChecks } from "../validate.js";
import { apiVersionOf, KUEUE } from "./upstream.js";

/** Name of every LocalQueue the kit creates: jobs say `kueue.x-k8s.io/queue-name: training`. */
export const TRAINING_QUEUE = "training";

/** Per-node capacity of a training pool that Kueue accounts besides GPUs. */
export interface NodeCapacity {
  /**
   * CPU cores of one node the queue may hand out.
   * @default "96" — a dual-socket 8-GPU node, leaving cores for the kubelet and the RDMA stack.
   */
  readonly cpu?: string;
  /**
   * Memory of one node the queue may hand out.
   * @default "1536Gi" — an 8-GPU node with 2 TiB, leaving room for the page cache of the data loader.
   */
  readonly memory?: string;
}

/** Props of {@link TrainingQueues}. */
export interface TrainingQueuesProps {
  /** ClusterQueue name (and cohort prefix), e.g. `th-training`. */
  readonly name: string;
  /** The profile's training pools; each becomes a ResourceFlavor. */
  readonly pools: GpuPoolSpec[];
  /** Tenant namespaces that get a LocalQueue named {@link TRAINING_QUEUE}. */
  readonly namespaces: string[];
  /** @default see {@link NodeCapacity} */
  readonly nodeCapacity?: NodeCapacity;
  /** Objects that must exist first (the CRDs' stack is a stack dependency; this is within the stack). */
  readonly dependsOn?: ITerraformDependable[];
}

const quantity = (perNode: string, nodes: number) => {
  const m = /^(\d+)([A-Za-z]*)$/.exec(perNode);
  return m ? `${Number(m[1]) * nodes}${m[2]}` : perNode;
};

/** ResourceFlavor of a training pool: Kueue places admitted pods with its labels and tolerations. */
export function resourceFlavor(pool: GpuPoolSpec): KubernetesObject {
  const taints = poolTaints(pool);
  return {
    apiVersion: apiVersionOf(KUEUE, "ResourceFlavor"),
    kind: "ResourceFlavor",
    metadata: { name: pool.name },
    spec: {
      nodeLabels: poolNodeLabels(pool),
      nodeTaints: taints.map((t) => ({ key: t.key, value: t.value, effect: t.effect })),
      tolerations: taints.map((t) => ({ key: t.key, operator: "Equal", value: t.value, effect: t.effect })),
    },
  };
}

/** Extended resources a training pod requests on a pool: GPUs, and the RDMA device when declared. */
export function poolResources(pool: GpuPoolSpec): string[] {
  return ["cpu", "memory", "nvidia.com/gpu", ...(pool.interconnect ? [pool.interconnect.rdmaResource] : [])];
}

/**
 * The training ClusterQueue: one resource group with one flavor per training pool, each with the
 * pool's GPUs as `nvidia.com/gpu` quota. Workloads queue in strict FIFO order (a whole-pool run is
 * never starved by a stream of small ones), may preempt only lower-priority work of the same queue,
 * reclaim lent quota from any queue of the cohort, and never borrow by preempting.
 */
export function clusterQueue(props: TrainingQueuesProps): KubernetesObject {
  const cap = props.nodeCapacity ?? {};
  const covered = [...new Set(props.pools.flatMap(poolResources))];
  return {
    apiVersion: apiVersionOf(KUEUE, "ClusterQueue"),
    kind: "ClusterQueue",
    metadata: { name: props.name },
    spec: {
      cohortName: `${props.name}-cohort`,
      namespaceSelector: { matchLabels: { [DATA_CLASS_LABEL]: "training-data" } },
      queueingStrategy: "StrictFIFO",
      preemption: {
        withinClusterQueue: "LowerPriority",
        reclaimWithinCohort: "Any",
        borrowWithinCohort: { policy: "Never" },
      },
      fairSharing: { weight: 1 },
      resourceGroups: [
        {
          coveredResources: covered,
          flavors: props.pools.map((p) => ({
            name: p.name,
            resources: covered.map((r) => ({
              name: r,
              nominalQuota:
                r === "nvidia.com/gpu"
                  ? poolGpuUnits(p)
                  : r === "cpu"
                    ? quantity(cap.cpu ?? "96", p.nodes)
                    : r === "memory"
                      ? quantity(cap.memory ?? "1536Gi", p.nodes)
                      : r === p.interconnect?.rdmaResource
                        ? p.nodes * p.interconnect.rdmaPerNode
                        : 0,
            })),
          })),
        },
      ],
    },
  };
}

/** LocalQueue of a tenant namespace, feeding the training ClusterQueue. */
export function localQueue(namespace: string, clusterQueueName: string): KubernetesObject {
  return {
    apiVersion: apiVersionOf(KUEUE, "LocalQueue"),
    kind: "LocalQueue",
    metadata: { name: TRAINING_QUEUE, namespace },
    spec: { clusterQueue: clusterQueueName },
  };
}

/**
 * Kueue's view of the training pools: a ResourceFlavor per pool, the ClusterQueue holding their
 * GPUs, and a LocalQueue per tenant namespace. Custom kinds: the stack that holds this construct
 * must depend on the stack installing Kueue's CRDs.
 */
export class TrainingQueues extends Construct {
  readonly objects: K8sObject[] = [];

  constructor(scope: Construct, id: string, props: TrainingQueuesProps) {
    super(scope, id);
    const checks = new PropChecks();
    checks.label(props.name, ["name"]);
    checks.require(
      props.pools.length > 0 && props.pools.every((p) => p.purpose === "training"),
      ["pools"],
      `expected training pools, got ${JSON.stringify(props.pools.map((p) => `${p.name}:${p.purpose}`))}`,
      "pass the profile's pools with purpose: training",
    );
    for (const [i, n] of props.namespaces.entries()) checks.label(n, ["namespaces", i], "namespace");
    for (const [k, v] of Object.entries(props.nodeCapacity ?? {})) {
      checks.require(/^\d+[A-Za-z]*$/.test(String(v)), ["nodeCapacity", k], `${JSON.stringify(v)} is not a whole quantity`, "e.g. 96 or 1536Gi");
    }
    checks.throwIfAny(this, "TrainingQueues");
    const deps = props.dependsOn ? { dependsOn: props.dependsOn } : {};
    const flavors = props.pools.map((p) => new K8sObject(this, `flavor-${p.name}`, resourceFlavor(p), deps));
    const cq = new K8sObject(this, "cluster-queue", clusterQueue(props), {
      dependsOn: [...(props.dependsOn ?? []), ...flavors.map((f) => f.resource)],
    });
    const lqs = props.namespaces.map(
      (ns) => new K8sObject(this, `local-queue-${ns}`, localQueue(ns, props.name), { dependsOn: [cq.resource] }),
    );
    this.objects.push(...flavors, cq, ...lqs);
  }
}
