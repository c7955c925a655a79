import {
  type Construct,
  HelmProvider,
  ModelService,
  TerraformOutput,
  TerraformStack,
} from "@sovereign/constructs";
import type { CountryProfile } from "@sovereign/profile";
import { configureStack } from "./backend.js";
import { namespaceOf } from "./platform.js";

/** Namespace the models are served from. */
export const SERVING_NAMESPACE = namespaceOf("interaction-logs");

/**
 * `<cc>-serving`: one inference-core release per model (ModelService), each behind its kernel
 * gate. The namespace, its quota and network policies come from the platform stack, the weight
 * volumes from the storage stack and the RuntimeClass from the gpu stack; the stack dependencies
 * make Terraform apply those first.
 */
export class ServingStack extends TerraformStack {
  constructor(scope: Construct, id: string, profile: CountryProfile) {
    super(scope, id);
    configureStack(this, profile, id);
    new HelmProvider(this, "helm", {});
    for (const model of profile.spec.serving.models) {
      new ModelService(this, model.name, { profile, model, namespace: SERVING_NAMESPACE });
    }
    new TerraformOutput(this, "models", {
      value: profile.spec.serving.models.map((m) => ({
        name: m.name,
        pool: m.pool,
        namespace: SERVING_NAMESPACE,
      })),
      description: "Models this stack serves",
    });
  }
}
