/**
 * The one module through which the kit reaches the cdktf core. cdktf 0.21 is its last release;
 * its successor keeps the same API under another package name, so switching is a change to the
 * import below (or a package alias) and nothing else.
 */
export {
  App,
  type AppConfig,
  Fn,
  type ITerraformDependable,
  LocalBackend,
  PgBackend,
  type PgBackendConfig,
  S3Backend,
  type S3BackendConfig,
  TerraformBackend,
  TerraformElement,
  TerraformOutput,
  TerraformRemoteState,
  TerraformResource,
  TerraformStack,
  Token,
} from "cdktf";
export { Construct, type IConstruct } from "constructs";
