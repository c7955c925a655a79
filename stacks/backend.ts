import { KubernetesProvider, stateBackend, type TerraformStack } from "@sovereign/constructs";
import type { CountryProfile } from "@sovereign/profile";

/**
 * What every stack of a country shares: its Terraform state in-country (from `spec.stateBackend`)
 * and a Kubernetes provider whose credentials come from the environment (KUBE_CONFIG_PATH or
 * in-cluster config), never from the synthesized file.
 */
export function configureStack(stack: TerraformStack, profile: CountryProfile, stackName: string): void {
  stateBackend(stack, profile.spec.stateBackend, stackName);
  new KubernetesProvider(stack, "kubernetes", {});
}
