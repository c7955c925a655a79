import {
  type Construct,
  GpuOperator,
  GpuPool,
  HelmProvider,
  K8sObject,
  NetworkLockdown,
  nvidiaRuntimeClass,
  TerraformStack,
} from "@sovereign/constructs";
import type { CountryProfile } from "@sovereign/profile";
import { configureStack } from "./backend.js";
import { countryEgressCidrs } from "./platform.js";

/** Namespace of the GPU Operator and the pools' configuration. */
export const GPU_NAMESPACE = "gpu-operator";

/**
 * `<cc>-gpu`: the GPU Operator from the in-country registry, one GpuPool per profile pool
 * (node-pool labels and taints, device-plugin sharing config, optional power cap), the `nvidia`
 * RuntimeClass and the DCGM exporter.
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
    // Same lockdown as the tenants: the operator pulls only from the in-country registry and talks
    // to the API server, which sits inside the country's networks.
    new NetworkLockdown(this, "network", {
      namespace: GPU_NAMESPACE,
      egressCidrs: countryEgressCidrs(profile),
      dependsOn: [ns.resource],
    });
    new K8sObject(this, "runtime-class", nvidiaRuntimeClass());
    for (const pool of s.gpuPools) {
      new GpuPool(this, `pool-${pool.name}`, {
        pool,
        namespace: GPU_NAMESPACE,
        registry: s.registry,
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
