import { isDnsSubdomain } from "@sovereign/diagnostics";
import { Construct, type ITerraformDependable } from "./cdktf.js";
import { KubernetesManifest } from "./providers.js";
import { PropChecks } from "./validate.js";

/** A raw Kubernetes object as the API server takes it. */
export interface KubernetesObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  [field: string]: unknown;
}

/** Labels every object of the kit carries, so operators and policies can find its owner. */
export const MANAGED_BY = { "app.kubernetes.io/managed-by": "sovereign-ai-kit" } as const;

/**
 * Any Kubernetes object, as one `kubernetes_manifest` resource. Every object of the kit goes
 * through this construct: the synthesized Terraform then holds the object verbatim, so the
 * residency policies can read back exactly what will be applied.
 */
export class K8sObject extends Construct {
  /** The object as it will be applied (with the kit's managed-by label added). */
  readonly object: KubernetesObject;
  /** The underlying Terraform resource (for dependencies). */
  readonly resource: KubernetesManifest;

  constructor(
    scope: Construct,
    id: string,
    object: KubernetesObject,
    options: { dependsOn?: ITerraformDependable[] } = {},
  ) {
    super(scope, id);
    const checks = new PropChecks();
    const name = object.metadata?.name ?? "";
    checks.require(
      typeof object.apiVersion === "string" && object.apiVersion.length > 0,
      ["apiVersion"],
      `apiVersion is missing on ${object.kind ?? "object"} ${JSON.stringify(name)}`,
      "set apiVersion, e.g. v1 or apps/v1",
    );
    checks.require(
      typeof object.kind === "string" && object.kind.length > 0,
      ["kind"],
      `kind is missing on object ${JSON.stringify(name)}`,
      "set kind, e.g. ConfigMap",
    );
    checks.require(
      isDnsSubdomain(name),
      ["metadata", "name"],
      `${JSON.stringify(name)} is not a valid object name`,
      "use lowercase letters, digits, '-' and '.', at most 253 characters",
    );
    if (object.metadata?.namespace !== undefined) {
      checks.label(object.metadata.namespace, ["metadata", "namespace"], "namespace");
    }
    checks.throwIfAny(this, "K8sObject");
    this.object = {
      ...object,
      metadata: { ...object.metadata, labels: { ...MANAGED_BY, ...object.metadata.labels } },
    };
    this.resource = new KubernetesManifest(this, "manifest", {
      manifest: this.object,
      ...(options.dependsOn?.length ? { dependsOn: options.dependsOn } : {}),
    });
  }
}
