/**
 * Provider classes, each imported by its deep path. The providers' root index loads every
 * resource class of the provider (about 3 s and 380 MB); the four classes below cost a fraction.
 */

export { HelmProvider } from "@cdktf/provider-helm/lib/provider/index.js";
export {
  Release as HelmRelease,
  type ReleaseConfig as HelmReleaseConfig,
} from "@cdktf/provider-helm/lib/release/index.js";
export { Manifest as KubernetesManifest } from "@cdktf/provider-kubernetes/lib/manifest/index.js";
export { KubernetesProvider } from "@cdktf/provider-kubernetes/lib/provider/index.js";
