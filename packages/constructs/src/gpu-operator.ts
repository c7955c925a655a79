import type { GpuPool as GpuPoolSpec } from "@sovereign/profile";
import { Construct, type ITerraformDependable } from "./cdktf.js";
import { devicePluginConfig } from "./gpu-pool.js";
import { K8sObject, type KubernetesObject } from "./k8s-object.js";
import { HelmRelease } from "./providers.js";
import { isPinnedImage, PropChecks } from "./validate.js";

/** Operator components whose image the chart lets us set, keyed as in the profile's `gpuOperator.images`. */
const COMPONENTS: Record<string, string> = {
  operator: "operator",
  driver: "driver",
  toolkit: "toolkit",
  devicePlugin: "devicePlugin",
  dcgmExporter: "dcgmExporter",
  dcgm: "dcgm",
  gpuFeatureDiscovery: "gfd",
  migManager: "migManager",
  validator: "validator",
  nodeFeatureDiscovery: "node-feature-discovery",
};

/** Props of {@link GpuOperator}. */
export interface GpuOperatorProps {
  /** In-country registry prefix; the chart is pulled from `oci://<registry>/charts`. */
  readonly registry: string;
  /** Chart version mirrored into the registry. */
  readonly chartVersion: string;
  /** Component images by digest, keyed by component (operator, driver, toolkit, ...). */
  readonly images: Record<string, string>;
  /** The pools; each contributes one key of the device-plugin config map. */
  readonly pools: GpuPoolSpec[];
  /**
   * Namespace the operator runs in. It needs privileged pods (driver, toolkit), so it is kept
   * apart from every tenant namespace.
   * @default "gpu-operator"
   */
  readonly namespace?: string;
  /**
   * Deploy the DCGM exporter (per-GPU metrics to the in-country Prometheus).
   * @default true — GPU health and throttling are invisible without it.
   */
  readonly dcgmExporter?: boolean;
  /** Objects that must exist first. */
  readonly dependsOn?: ITerraformDependable[];
}

/** The `nvidia` RuntimeClass GPU pods select (the operator's container toolkit installs the handler). */
export function nvidiaRuntimeClass(): KubernetesObject {
  return {
    apiVersion: "node.k8s.io/v1",
    kind: "RuntimeClass",
    metadata: { name: "nvidia" },
    handler: "nvidia",
  };
}

/** Splits `host/path/name@sha256:x` into the operator chart's repository / image / version fields. */
function imageFields(ref: string): { repository: string; image: string; version: string } {
  const [path, digest] = ref.split("@") as [string, string];
  const slash = path.lastIndexOf("/");
  // The operator builds `<repository>/<image>@<version>` when version starts with sha256:.
  return { repository: path.slice(0, slash), image: path.slice(slash + 1), version: digest };
}

/**
 * The NVIDIA GPU Operator as a helm_release pulled from the in-country OCI registry, every image
 * pinned by digest to the in-country mirror, and the device-plugin config of every pool.
 */
export class GpuOperator extends Construct {
  readonly release: HelmRelease;
  readonly namespace: string;
  readonly objects: K8sObject[] = [];

  constructor(scope: Construct, id: string, props: GpuOperatorProps) {
    super(scope, id);
    const checks = new PropChecks();
    const ns = props.namespace ?? "gpu-operator";
    for (const [k, ref] of Object.entries(props.images)) {
      checks.require(
        isPinnedImage(ref, props.registry),
        ["images", k],
        `${JSON.stringify(ref)} is not ${props.registry}/...@sha256:<digest>`,
        "mirror the image in-country and reference it by digest",
      );
      checks.require(
        k in COMPONENTS,
        ["images", k],
        `unknown GPU Operator component ${JSON.stringify(k)}`,
        `use one of: ${Object.keys(COMPONENTS).join(", ")}`,
      );
    }
    checks.require(
      "operator" in props.images,
      ["images", "operator"],
      "no operator image given",
      "add images.operator (the gpu-operator image by digest)",
    );
    checks.throwIfAny(this, "GpuOperator");
    this.namespace = ns;

    const deps = props.dependsOn ? { dependsOn: props.dependsOn } : {};
    const configMap = new K8sObject(
      this,
      "device-plugin-config",
      {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: "device-plugin-config", namespace: ns },
        data: Object.fromEntries(
          props.pools.map((p) => [p.name, JSON.stringify(devicePluginConfig(p), null, 2)]),
        ),
      },
      deps,
    );
    this.objects.push(configMap);

    const values: Record<string, unknown> = {
      cdi: { enabled: true },
      operator: { ...imageFields(props.images.operator!), defaultRuntime: "containerd" },
      dcgmExporter: { enabled: props.dcgmExporter ?? true, serviceMonitor: { enabled: false } },
      devicePlugin: { config: { name: "device-plugin-config", create: false, default: "" } },
      mig: { strategy: "single" },
      migManager: { enabled: props.pools.some((p) => p.sharing.strategy === "mig") },
    };
    for (const [k, ref] of Object.entries(props.images).sort(([a], [b]) => a.localeCompare(b))) {
      if (k === "operator") continue;
      const key = COMPONENTS[k]!;
      values[key] = { ...(values[key] as object | undefined), ...imageFields(ref) };
    }
    this.release = new HelmRelease(this, "release", {
      name: "gpu-operator",
      namespace: ns,
      createNamespace: false,
      repository: `oci://${props.registry}/charts`,
      chart: "gpu-operator",
      version: props.chartVersion,
      values: [JSON.stringify(values, null, 2)],
      wait: true,
      timeout: 900,
      dependsOn: [configMap.resource],
    });
  }
}
