import { Construct } from "./cdktf.js";
import { K8sObject } from "./k8s-object.js";

/** One PriorityClass. */
export interface PriorityLevel {
  readonly name: string;
  readonly value: number;
  readonly description: string;
  /**
   * Whether pods of this class may evict lower-priority pods.
   * @default "PreemptLowerPriority"
   */
  readonly preemptionPolicy?: "PreemptLowerPriority" | "Never";
}

/** PriorityClass of model-serving pods. */
export const PRIORITY_SERVING = "sovereign-serving";
/** PriorityClass of kernel-gate Jobs. */
export const PRIORITY_GATE = "sovereign-gate";
/** PriorityClass of training and maintenance (purge) jobs. */
export const PRIORITY_BATCH = "sovereign-batch";

/**
 * The kit's scheduling order: serving beats the kernel gate, which beats training; training never
 * preempts, so a batch job cannot take GPUs from a running model.
 */
export const DEFAULT_PRIORITIES: PriorityLevel[] = [
  {
    name: PRIORITY_SERVING,
    value: 100000,
    description: "Model serving: user-facing, preempts batch work.",
  },
  {
    name: PRIORITY_GATE,
    value: 50000,
    description: "Kernel gate jobs that must finish before a rollout.",
  },
  {
    name: PRIORITY_BATCH,
    value: 1000,
    description: "Training and maintenance jobs; never preempt.",
    preemptionPolicy: "Never",
  },
];

/** Props of {@link PriorityClasses}. */
export interface PriorityClassesProps {
  /**
   * The classes to create.
   * @default DEFAULT_PRIORITIES — serving > gate > batch, batch non-preempting.
   */
  readonly levels?: PriorityLevel[];
}

/** Cluster PriorityClasses (cluster-scoped, created once per cluster by the platform stack). */
export class PriorityClasses extends Construct {
  readonly objects: K8sObject[];

  constructor(scope: Construct, id: string, props: PriorityClassesProps = {}) {
    super(scope, id);
    this.objects = (props.levels ?? DEFAULT_PRIORITIES).map(
      (l) =>
        new K8sObject(this, l.name, {
          apiVersion: "scheduling.k8s.io/v1",
          kind: "PriorityClass",
          metadata: { name: l.name },
          value: l.value,
          globalDefault: false,
          description: l.description,
          preemptionPolicy: l.preemptionPolicy ?? "PreemptLowerPriority",
        }),
    );
  }
}
