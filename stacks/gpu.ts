import {
  type Construct,
  GpuOperator,
  GpuPool,
  HelmProvider,
  K8sObject,
  NetworkLockdown,
  TerraformStack,
} from "@sovereign/constructs";
import { type CountryProfile, poolZones } from "@sovereign/profile";
import { configureStack } from "./backend.js";
import { apiServerEndpoint, clusterDns, countryEgressCidrs } from "./platform.js";

/** Namespace of the GPU Operator and the pools' configuration. */
export const GPU_NAMESPACE = "gpu-operator";

/**
 * `<cc>-gpu`: the GPU Operator from the in-country registry, one GpuPool per profile pool
 * (node-pool labels and taints, device-plugin sharing config, optional power cap) and the DCGM
 * exporter; the operator itself creates the `nvidia` RuntimeClass.
 */
export class GpuStack extends TerraformStack {
  constructor(scope: Construct, id: string, profile: CountryProfile) {
    super(scope, id);
    configureStack(this, profile, id);
    new HelmProvider(this, "helm", {});
    const s = profile.spec;
    // The operator's driver and toolkit pods need host access, so this namespace is privileged
    // and holds nothing but the operator; tenant workloads never run here.
    const ns = new K8sObject(this, "namespace", {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: {
        name: GPU_NAMESPACE,
        labels: {
          "sovereign.ai/country": profile.metadata.name,
          "sovereign.ai/site": s.sites[0]!.name,
          "sovereign.ai/data-class": "none",
          "pod-security.kubernetes.io/enforce": "privileged",
          "pod-security.kubernetes.io/warn": "privileged",
        },
      },
    });
    // Same lockdown as the tenants, plus the API server: the operator, NFD, the device plugin's
    // config manager and the validators all watch or label nodes. The `nvidia` RuntimeClass is
    // created and owned by the operator (operator.runtimeClass), so the kit does not create it.
    new NetworkLockdown(this, "network", {
      namespace: GPU_NAMESPACE,
      egressCidrs: countryEgressCidrs(profile),
      dns: clusterDns(profile),
      apiServer: apiServerEndpoint(profile),
      dependsOn: [ns.resource],
    });
    for (const pool of s.gpuPools) {
      new GpuPool(this, `pool-${pool.name}`, {
        pool,
        namespace: GPU_NAMESPACE,
        registry: s.registry,
        zones: poolZones(s, pool),
        powerCapImage: s.gpuOperator?.images.driver,
        dependsOn: [ns.resource],
      });
    }
    if (s.gpuOperator) {
      new GpuOperator(this, "gpu-operator", {
        registry: s.registry,
        chartVersion: s.gpuOperator.chartVersion,
        images: s.gpuOperator.images,
        pools: s.gpuPools,
        namespace: GPU_NAMESPACE,
        dependsOn: [ns.resource],
      });
    }
  }
}
