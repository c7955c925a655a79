import {
  GPU_OPERATOR_COMPONENTS,
  type GpuPool as GpuPoolSpec,
  requiredGpuOperatorComponents,
} from "@sovereign/profile";
import { Construct, type ITerraformDependable } from "./cdktf.js";
import { devicePluginConfig, GPU_POOL_LABEL } from "./gpu-pool.js";
import { K8sObject } from "./k8s-object.js";
import { HelmRelease } from "./providers.js";
import { isPinnedImage, PropChecks } from "./validate.js";

/**
 * ClusterPolicy sections of the operator chart that take an operand image as
 * `repository` / `image` / `version`, keyed by the profile's component name. The operator joins
 * them as `<repository>/<image>@<version>` when version starts with `sha256:` (upstream record
 * `upstream/gpu-operator-v25.3.0.json`).
 */
const OPERAND_KEYS = {
  driver: "driver",
  toolkit: "toolkit",
  devicePlugin: "devicePlugin",
  dcgmExporter: "dcgmExporter",
  dcgm: "dcgm",
  gpuFeatureDiscovery: "gfd",
  migManager: "migManager",
  validator: "validator",
} as const;

/** Operand sections the kit switches off: sandbox, vGPU, confidential computing and GPUDirect. */
const DISABLED_SECTIONS = [
  "nodeStatusExporter",
  "vgpuManager",
  "vgpuDeviceManager",
  "vfioManager",
  "sandboxDevicePlugin",
  "kataManager",
  "ccManager",
  "gds",
  "gdrcopy",
] as const;

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

/** Name of the RuntimeClass the operator creates (and owns) for GPU pods; the kit only names it. */
export const NVIDIA_RUNTIME_CLASS = "nvidia";

/** A toleration as the pod spec takes it. */
export interface Toleration {
  key: string;
  operator: "Exists" | "Equal";
  value?: string;
  effect: "NoSchedule" | "PreferNoSchedule" | "NoExecute";
}

/**
 * Tolerations every GPU operand needs: the chart's own `nvidia.com/gpu` one (setting the list
 * replaces it) and the kit's pool taint with any value, so driver, toolkit, device plugin, DCGM,
 * validators, MIG manager and the NFD worker run on every pool's nodes.
 */
export function operandTolerations(): Toleration[] {
  return [
    { key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" },
    { key: GPU_POOL_LABEL, operator: "Exists", effect: "NoSchedule" },
  ];
}

/** Tolerations of the NFD worker: the NFD chart's control-plane ones, then the operands'. */
function nfdWorkerTolerations(): Toleration[] {
  return [
    { key: "node-role.kubernetes.io/master", operator: "Equal", value: "", effect: "NoSchedule" },
    { key: "node-role.kubernetes.io/control-plane", operator: "Equal", value: "", effect: "NoSchedule" },
    ...operandTolerations(),
  ];
}

/** `host/path/name@sha256:hex` split at the last `/` and at the digest. */
function splitRef(ref: string): { dir: string; base: string; hex: string } {
  const [path, digest] = ref.split("@") as [string, string];
  const slash = path.lastIndexOf("/");
  return { dir: path.slice(0, slash), base: path.slice(slash + 1), hex: digest.replace(/^sha256:/, "") };
}

/** An operand image for the operator's ClusterPolicy: version `sha256:<hex>` makes it join with `@`. */
export function operandImageFields(ref: string): { repository: string; image: string; version: string } {
  const { dir, base, hex } = splitRef(ref);
  return { repository: dir, image: base, version: `sha256:${hex}` };
}

/**
 * An image for a chart template that always joins `<repository>/<image>:<version>` (the operator
 * Deployment, and the driver manager, whose reference the operator also builds as an operand):
 * the image name carries `@sha256` and the version the hex, so both joins give `name@sha256:hex`.
 */
export function joinedImageFields(ref: string): { repository: string; image: string; version: string } {
  const { dir, base, hex } = splitRef(ref);
  return { repository: dir, image: `${base}@sha256`, version: hex };
}

/** The NFD chart joins `<image.repository>:<image.tag>`: the repository carries `@sha256`. */
export function nfdImageFields(ref: string): { repository: string; tag: string } {
  const { dir, base, hex } = splitRef(ref);
  return { repository: `${dir}/${base}@sha256`, tag: hex };
}

/** The operator chart values for the profile's images and pools (every key is in the upstream record). */
export function gpuOperatorValues(props: GpuOperatorProps): Record<string, unknown> {
  const img = props.images;
  const mig = props.pools.some((p) => p.sharing.strategy === "mig");
  const values: Record<string, unknown> = {
    operator: { ...joinedImageFields(img.operator!), runtimeClass: NVIDIA_RUNTIME_CLASS },
    daemonsets: { tolerations: operandTolerations() },
    cdi: { enabled: true },
    mig: { strategy: "single" },
    nfd: { enabled: true },
    "node-feature-discovery": {
      image: nfdImageFields(img.nodeFeatureDiscovery!),
      worker: { tolerations: nfdWorkerTolerations() },
    },
    sandboxWorkloads: { enabled: false },
  };
  for (const [component, key] of Object.entries(OPERAND_KEYS)) {
    const ref = img[component];
    values[key] = ref ? operandImageFields(ref) : {};
  }
  const section = (k: string) => values[k] as Record<string, unknown>;
  section("driver").manager = joinedImageFields(img.driverManager!);
  section("devicePlugin").config = { name: "device-plugin-config", create: false, default: "" };
  Object.assign(section("dcgmExporter"), {
    enabled: props.dcgmExporter ?? true,
    serviceMonitor: { enabled: false },
  });
  section("dcgm").enabled = false;
  section("migManager").enabled = mig;
  for (const k of DISABLED_SECTIONS) values[k] = { enabled: false };
  // Sections without an image (a component that does not run) would be empty maps: drop them.
  for (const [k, v] of Object.entries(values))
    if (v && typeof v === "object" && Object.keys(v).length === 0) delete values[k];
  return values;
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
        k in GPU_OPERATOR_COMPONENTS,
        ["images", k],
        `unknown GPU Operator component ${JSON.stringify(k)}`,
        `use one of: ${Object.keys(GPU_OPERATOR_COMPONENTS).join(", ")}`,
      );
    }
    const needed = requiredGpuOperatorComponents(props.pools).filter(
      (c) => c !== "dcgmExporter" || (props.dcgmExporter ?? true),
    );
    for (const k of needed) {
      checks.require(
        k in props.images,
        ["images", k],
        `no ${k} image given: the chart would pull its default from a foreign registry`,
        `add images.${k} (mirrored in-country, by digest)`,
      );
    }
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

    const values = gpuOperatorValues(props);
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
