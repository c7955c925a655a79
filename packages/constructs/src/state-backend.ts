import type { StateBackendSpec } from "@sovereign/profile";
import {
  type Construct,
  LocalBackend,
  PgBackend,
  type PgBackendConfig,
  S3Backend,
  type S3BackendConfig,
  TerraformBackend,
  TerraformRemoteState,
} from "./cdktf.js";

/** Reads another stack's outputs from its kubernetes-backend state. */
class KubernetesRemoteState extends TerraformRemoteState {
  constructor(scope: Construct, id: string, config: { namespace: string; secret_suffix: string }) {
    super(scope, id, "kubernetes", config as never);
  }
}

/**
 * Terraform's `kubernetes` backend: state in a Secret of an in-country cluster namespace.
 * (cdktf ships no class for it.) Cluster credentials come from KUBE_CONFIG_PATH or in-cluster
 * config at `terraform init`, never from the synthesized file.
 */
export class KubernetesBackend extends TerraformBackend {
  constructor(
    scope: Construct,
    private readonly props: { namespace: string; secretSuffix: string; baseSuffix: string },
  ) {
    super(scope, "backend", "kubernetes");
  }
  protected override synthesizeAttributes(): { [name: string]: unknown } {
    return { namespace: this.props.namespace, secret_suffix: this.props.secretSuffix };
  }
  protected override synthesizeHclAttributes(): { [name: string]: unknown } {
    return this.synthesizeAttributes();
  }
  override getRemoteStateDataSource(scope: Construct, name: string, fromStack: string): TerraformRemoteState {
    return new KubernetesRemoteState(scope, name, {
      namespace: this.props.namespace,
      secret_suffix: `${this.props.baseSuffix}-${fromStack}`,
    });
  }
}

/**
 * Configures where a stack keeps its Terraform state, from the profile. No secret is ever
 * written: the pg connection string comes from PG_CONN_STR, S3 credentials from
 * AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (or a shared credentials file) at `terraform init`.
 * Each stack gets its own state (key, secret suffix or schema) so stacks lock independently.
 */
export function stateBackend(stack: Construct, spec: StateBackendSpec, stackName: string): TerraformBackend {
  switch (spec.type) {
    case "kubernetes":
      return new KubernetesBackend(stack, {
        namespace: spec.namespace,
        secretSuffix: `${spec.secretSuffix}-${stackName}`,
        baseSuffix: spec.secretSuffix,
      });
    case "pg":
      // conn_str is left out on purpose: Terraform reads PG_CONN_STR from the environment.
      return new PgBackend(stack, {
        schemaName: `${spec.schemaName}_${stackName.replace(/-/g, "_")}`,
      } as PgBackendConfig);
    case "s3": {
      const key = spec.key.endsWith(".tfstate")
        ? spec.key.replace(/\.tfstate$/, `-${stackName}.tfstate`)
        : `${spec.key}/${stackName}.tfstate`;
      // State locking with a lock object next to the state (Terraform >= 1.11): an in-country
      // S3-compatible store has no DynamoDB for the older lock table.
      const locking = { useLockfile: true } as Partial<S3BackendConfig>;
      return new S3Backend(stack, {
        ...locking,
        bucket: spec.bucket,
        key,
        region: spec.region,
        endpoints: { s3: spec.endpoint },
        usePathStyle: true,
        // An in-country S3-compatible store has no AWS account, STS or region list to check against.
        skipCredentialsValidation: true,
        skipRegionValidation: true,
        skipRequestingAccountId: true,
        skipMetadataApiCheck: true,
        skipS3Checksum: true,
      });
    }
    case "local":
      // Relative to the stack's working directory, so the synthesized file holds no absolute path.
      return new LocalBackend(stack, { path: spec.path ?? `terraform.${stackName}.tfstate` });
  }
}
