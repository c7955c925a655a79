import type { GpuPool as GpuPoolSpec } from "@sovereign/profile";
import { Construct, type ITerraformDependable, TerraformOutput } from "./cdktf.js";
import { K8sObject } from "./k8s-object.js";
import { ZONE_LABEL } from "./storage.js";
import { DATA_CLASS_LABEL, SITE_LABEL } from "./tenant-namespace.js";
import { isPinnedImage, PropChecks } from "./validate.js";

/** Node label and taint key that bind workloads to a pool (the inference-core chart uses the same). */
export const GPU_POOL_LABEL = "sovereign.ai/gpu-pool";
/** Node label the GPU Operator's device plugin reads to pick its per-pool config. */
export const DEVICE_PLUGIN_CONFIG_LABEL = "nvidia.com/device-plugin.config";
/** Node label the MIG manager reads to partition GPUs. */
export const MIG_CONFIG_LABEL = "nvidia.com/mig.config";

/** A node taint. */
export interface Taint {
  key: string;
  value: string;
  effect: "NoSchedule" | "PreferNoSchedule" | "NoExecute";
}

/** Labels the pool's nodes must carry (set by the cluster's node-pool tooling, not by Terraform). */
export function poolNodeLabels(pool: GpuPoolSpec): Record<string, string> {
  const labels: Record<string, string> = {
    [GPU_POOL_LABEL]: pool.name,
    [SITE_LABEL]: pool.site,
    "sovereign.ai/gpu-purpose": pool.purpose,
    [DEVICE_PLUGIN_CONFIG_LABEL]: pool.name,
  };
  if (pool.sharing.strategy === "mig" && pool.sharing.migProfile)
    labels[MIG_CONFIG_LABEL] = pool.sharing.migProfile;
  return labels;
}

/** Taints of the pool's nodes: only pods that tolerate this pool land there. */
export function poolTaints(pool: GpuPoolSpec): Taint[] {
  return [{ key: GPU_POOL_LABEL, value: pool.name, effect: "NoSchedule" }];
}

/** NVIDIA device-plugin config (v1) for a pool's sharing strategy. */
export function devicePluginConfig(pool: GpuPoolSpec): object {
  switch (pool.sharing.strategy) {
    case "mig":
      return { version: "v1", flags: { migStrategy: "single" } };
    case "time-slicing":
      return {
        version: "v1",
        flags: { migStrategy: "none" },
        sharing: {
          timeSlicing: {
            renameByDefault: false,
            failRequestsGreaterThanOne: true,
            resources: [{ name: "nvidia.com/gpu", replicas: pool.sharing.replicas ?? 2 }],
          },
        },
      };
    default:
      return { version: "v1", flags: { migStrategy: "none" } };
  }
}

/** Schedulable `nvidia.com/gpu` units of a pool (time-slicing multiplies, MIG is counted per GPU). */
export function poolGpuUnits(pool: GpuPoolSpec): number {
  const physical = pool.nodes * pool.gpusPerNode;
  return pool.sharing.strategy === "time-slicing" ? physical * (pool.sharing.replicas ?? 2) : physical;
}

/** Props of {@link GpuPool}. */
export interface GpuPoolProps {
  /** The pool as the profile declares it. */
  readonly pool: GpuPoolSpec;
  /** Namespace of the GPU Operator (the pool's config objects live there). */
  readonly namespace: string;
  /**
   * Image that applies the pool's power cap with `nvidia-smi -pl` (only used when the pool sets
   * `powerLimitWatts`). Must come from the in-country registry, pinned by digest.
   * @default undefined — required only with a power cap; the GPU stack passes the operator's
   * driver image, which carries nvidia-smi.
   */
  readonly powerCapImage?: string;
  /** In-country registry prefix the power-cap image must start with. */
  readonly registry: string;
  /**
   * Zones the pool's nodes are in. Each node must carry its zone as `topology.kubernetes.io/zone`:
   * the storage classes only provision in their site's zones, and pods of the pool claim there.
   * @default [] — zones unknown; the node-pool config then states no zone requirement.
   */
  readonly zones?: string[];
  /** Objects that must exist first (the operator namespace). */
  readonly dependsOn?: ITerraformDependable[];
}

/**
 * One GPU node pool. Kubernetes cannot label nodes it has not seen yet, so the pool's labels and
 * taints are published as node-pool configuration (a ConfigMap and a Terraform output) for the
 * cluster's node provisioning; its device-plugin config becomes one key of the operator's
 * config map (see {@link GpuOperator}). An optional power cap runs as a DaemonSet on the pool.
 */
export class GpuPool extends Construct {
  readonly pool: GpuPoolSpec;
  readonly objects: K8sObject[] = [];

  constructor(scope: Construct, id: string, props: GpuPoolProps) {
    super(scope, id);
    const p = props.pool;
    const checks = new PropChecks();
    checks.label(p.name, ["pool", "name"]);
    checks.require(
      p.sharing.strategy !== "mig" || Boolean(p.sharing.migProfile),
      ["pool", "sharing", "migProfile"],
      "strategy mig needs a migProfile",
      "set sharing.migProfile, e.g. all-1g.10gb",
    );
    if (p.powerLimitWatts !== undefined) {
      checks.require(
        props.powerCapImage !== undefined && isPinnedImage(props.powerCapImage, props.registry),
        ["powerCapImage"],
        `power cap of ${p.powerLimitWatts} W needs an image with nvidia-smi from ${props.registry}/ pinned by digest, got ${JSON.stringify(props.powerCapImage)}`,
        "set spec.gpuOperator.images.driver in the profile",
      );
    }
    checks.throwIfAny(this, "GpuPool");
    this.pool = p;
    const deps = props.dependsOn ? { dependsOn: props.dependsOn } : {};

    const nodePool = {
      labels: poolNodeLabels(p),
      taints: poolTaints(p),
      // Every node labels its own zone (one of these) under this key.
      zoneLabel: ZONE_LABEL,
      zones: props.zones ?? [],
      gpu: p.gpu,
      nodes: p.nodes,
      gpusPerNode: p.gpusPerNode,
    };
    this.objects.push(
      new K8sObject(
        this,
        "node-pool",
        {
          apiVersion: "v1",
          kind: "ConfigMap",
          metadata: {
            name: `gpu-pool-${p.name}`,
            namespace: props.namespace,
            labels: { [GPU_POOL_LABEL]: p.name },
          },
          data: { "node-pool.json": JSON.stringify(nodePool, null, 2) },
        },
        deps,
      ),
    );
    new TerraformOutput(this, "node-pool-config", {
      value: nodePool,
      description: `Labels, taints and zone label the nodes of GPU pool ${p.name} must carry`,
    });

    if (p.powerLimitWatts !== undefined && props.powerCapImage) {
      // The cap touches no user data; the residency labels say so explicitly.
      const capLabels = { [GPU_POOL_LABEL]: p.name, [SITE_LABEL]: p.site, [DATA_CLASS_LABEL]: "none" };
      this.objects.push(
        new K8sObject(
          this,
          "power-cap",
          {
            apiVersion: "apps/v1",
            kind: "DaemonSet",
            metadata: {
              name: `gpu-power-cap-${p.name}`,
              namespace: props.namespace,
              labels: capLabels,
            },
            spec: {
              selector: { matchLabels: { "app.kubernetes.io/name": `gpu-power-cap-${p.name}` } },
              template: {
                metadata: {
                  labels: { "app.kubernetes.io/name": `gpu-power-cap-${p.name}`, ...capLabels },
                },
                spec: {
                  runtimeClassName: "nvidia",
                  nodeSelector: { [GPU_POOL_LABEL]: p.name },
                  tolerations: poolTaints(p).map((t) => ({
                    key: t.key,
                    operator: "Equal",
                    value: t.value,
                    effect: t.effect,
                  })),
                  automountServiceAccountToken: false,
                  containers: [
                    {
                      name: "power-cap",
                      image: props.powerCapImage,
                      // Setting a power limit needs the GPU's management interface; the namespace is the
                      // operator's privileged one, never a tenant namespace.
                      command: [
                        "/bin/sh",
                        "-c",
                        `nvidia-smi -pl ${p.powerLimitWatts} && exec sleep infinity`,
                      ],
                      securityContext: { privileged: true },
                      resources: {
                        requests: { cpu: "10m", memory: "32Mi" },
                        limits: { cpu: "100m", memory: "64Mi" },
                      },
                    },
                  ],
                },
              },
            },
          },
          deps,
        ),
      );
    }
  }
}
