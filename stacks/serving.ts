import { type Construct, HelmProvider, TerraformOutput, TerraformStack } from "@sovereign/constructs";
import type { CountryProfile } from "@sovereign/profile";
import { configureStack } from "./backend.js";
import { namespaceOf } from "./platform.js";

/** Namespace the models are served from. */
export const SERVING_NAMESPACE = namespaceOf("interaction-logs");

/**
 * `<cc>-serving`: one inference-core release per model, each behind its kernel gate.
 */
export class ServingStack extends TerraformStack {
  constructor(scope: Construct, id: string, profile: CountryProfile) {
    super(scope, id);
    configureStack(this, profile, id);
    new HelmProvider(this, "helm", {});
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
