import { KubernetesProvider, stateBackend, type TerraformStack } from "@sovereign/constructs";
import type { CountryProfile } from "@sovereign/profile";

/**
 * What every stack of a country shares: its Terraform state in-country (from `spec.stateBackend`)
 * and a Kubernetes provider whose credentials come from the environment (KUBE_CONFIG_PATH or
 * in-cluster config), never from the synthesized file.
 */
export function configureStack(stack: TerraformStack, profile: CountryProfile, stackName: string): void {
  stateBackend(stack, profile.spec.stateBackend, stackName);
  // The S3 backend locks with a lock file (use_lockfile), which Terraform reads from 1.11 on.
  if (profile.spec.stateBackend.type === "s3") stack.addOverride("terraform.required_version", ">= 1.11.0");
  new KubernetesProvider(stack, "kubernetes", {});
}
