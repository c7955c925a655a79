import { type Construct, TerraformOutput, TerraformStack, TrainingQueues } from "@sovereign/constructs";
import type { CountryProfile } from "@sovereign/profile";
import { configureStack } from "./backend.js";
import { namespaceOf } from "./platform.js";

/** Namespace training runs in (the training tier: training data and checkpoints live there). */
export const TRAINING_NAMESPACE = namespaceOf("training-data");

/** True when the profile gets the crds and training stacks: a training pool and `spec.training`. */
export function hasTraining(profile: CountryProfile): boolean {
  return Boolean(profile.spec.training) && profile.spec.gpuPools.some((p) => p.purpose === "training");
}

/**
 * `<cc>-training`: Kueue's view of the training pools (a ResourceFlavor per pool with its labels
 * and taints, a ClusterQueue holding the pools' GPUs, a LocalQueue in the training namespace).
 * Runs after gpu and storage (the pools' nodes and the training volumes) and after crds (the
 * kinds it plans). The runs themselves are submitted with `sovereign train submit`.
 */
export class TrainingStack extends TerraformStack {
  readonly queues: TrainingQueues;

  constructor(scope: Construct, id: string, profile: CountryProfile) {
    super(scope, id);
    configureStack(this, profile, id);
    const pools = profile.spec.gpuPools.filter((p) => p.purpose === "training");
    this.queues = new TrainingQueues(this, "queues", {
      name: `${profile.metadata.name}-training`,
      pools,
      namespaces: [TRAINING_NAMESPACE],
    });
    new TerraformOutput(this, "training", {
      value: {
        clusterQueue: `${profile.metadata.name}-training`,
        namespace: TRAINING_NAMESPACE,
        pools: pools.map((p) => ({ name: p.name, gpus: p.nodes * p.gpusPerNode })),
        approvedRecipes: (profile.spec.training?.approvedRecipes ?? []).map((r) => r.name),
      },
      description: "Training queue, namespace, pools and approved recipes",
    });
  }
}
