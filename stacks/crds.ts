import { BatchControllers, type Construct, HelmProvider, TerraformStack } from "@sovereign/constructs";
import type { CountryProfile } from "@sovereign/profile";
import { configureStack } from "./backend.js";
import { apiServerEndpoint, clusterDns, countryEgressCidrs } from "./platform.js";

/**
 * `<cc>-crds`: the controllers whose charts install custom resource definitions (Kueue and
 * JobSet). Terraform plans a `kubernetes_manifest` by asking the API server for its kind's
 * schema, so a stack planning a ResourceFlavor or a JobSet fails to plan until the CRD exists.
 * Every such stack therefore depends on this one, and this one plans no custom resource itself:
 * helm releases need no schema at plan time.
 */
export class CrdsStack extends TerraformStack {
  readonly controllers: BatchControllers;

  constructor(scope: Construct, id: string, profile: CountryProfile) {
    super(scope, id);
    configureStack(this, profile, id);
    new HelmProvider(this, "helm", {});
    const s = profile.spec;
    const training = s.training!;
    const pool = s.gpuPools.find((p) => p.purpose === "training")!;
    this.controllers = new BatchControllers(this, "batch", {
      registry: s.registry,
      kueue: training.kueue,
      jobset: training.jobset,
      country: profile.metadata.name,
      site: pool.site,
      egressCidrs: countryEgressCidrs(profile),
      dns: clusterDns(profile),
      apiServer: apiServerEndpoint(profile),
    });
  }
}
