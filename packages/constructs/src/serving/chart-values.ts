import { InputError, type Issue } from "@sovereign/diagnostics";
import { PRIORITY_SERVING } from "../priority-classes.js";
import { type CountryProfile, type ModelSpec, storageClassAt } from "@sovereign/profile";

/** Chart directory name under the repository's `charts/`. */
export const INFERENCE_CORE_CHART = "inference-core";

/** Values of `charts/inference-core` (mirrors its values.schema.json; optional keys keep chart defaults). */
export interface InferenceCoreValues {
  model: string;
  registry: string;
  image: string;
  site: string;
  pool: string;
  tensorParallel: number;
  replicas: { min: number; max: number };
  weights: {
    uri: string;
    sha256: string;
    format?: "file" | "tar";
    s3Region?: string;
    credentialsSecret?: string;
    cache: { size: string; storageClassName?: string; existingClaim?: string };
  };
  dataClass?: string;
  /** PriorityClass of the serving pods. */
  priorityClassName?: string;
  server?: ServerOptions;
  resources?: { cpu: string; memory: string };
  route?: {
    enabled: boolean;
    gateway?: { name: string; namespace: string };
    hostname?: string;
    pathPrefix?: string;
  };
}

/** How the chart talks to the server in the image (contract in docs/serving.md). */
export interface ServerOptions {
  /** Port of the OpenAI-compatible API. @default 8000 */
  port?: number;
  /** Extra arguments for the image's entrypoint. @default none */
  args?: string[];
  /** 200 only once the model is loaded on every GPU. @default "/health/ready" */
  readinessPath?: string;
  /** 200 while the process is healthy. @default "/health/live" */
  livenessPath?: string;
}

/** Options of {@link inferenceCoreValues}; each default is what a shipped profile needs. */
export interface ChartValueOptions {
  /**
   * Format of the weights object at `weights.uri`.
   * @default "file" — the bundle stores weights as one raw blob whose digest is the file's sha256.
   */
  weightsFormat?: "file" | "tar";
  /**
   * Secret (name only) holding AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY for the object store.
   * @default none — anonymous read from an endpoint reachable only on the in-country network.
   */
  weightsCredentialsSecret?: string;
  /**
   * Per-pod weights cache size.
   * @default 1.25 × `weights.sizeBytes` rounded up to GiB (at least 10Gi), or 100Gi when the
   *   profile gives no size — room for the file plus a partial download during a re-fetch.
   */
  cacheSize?: string;
  /**
   * CPU and memory for the server container.
   * @default chart default (4 CPU, 32Gi): enough for tokenisation and the HTTP front end.
   */
  resources?: { cpu: string; memory: string };
  /**
   * Server port, arguments and health paths, for a serving base whose server differs from the
   * inference-core contract.
   * @default chart defaults (port 8000, /health/ready, /health/live, no extra args).
   */
  server?: ServerOptions;
}

const GIB = 1024 ** 3;

/** Cache size for a weights file of `sizeBytes` (see ChartValueOptions.cacheSize). */
export function defaultCacheSize(sizeBytes: number | undefined): string {
  if (sizeBytes === undefined) return "100Gi";
  return `${Math.max(10, Math.ceil((sizeBytes * 1.25) / GIB))}Gi`;
}

/**
 * The chart values for one model of a profile. Throws an InputError listing every profile gap
 * that stops the model from being served (unknown pool, no model-weights data class).
 */
export function inferenceCoreValues(
  profile: CountryProfile,
  model: ModelSpec,
  options: ChartValueOptions = {},
): InferenceCoreValues {
  const spec = profile.spec;
  const index = spec.serving.models.indexOf(model);
  const at = (...p: (string | number)[]) => [
    "spec",
    "serving",
    "models",
    index < 0 ? model.name : index,
    ...p,
  ];
  const issues: Issue[] = [];
  const pool = spec.gpuPools.find((p) => p.name === model.pool);
  if (!pool) {
    issues.push({
      code: "serving.pool",
      path: at("pool"),
      message: `model ${model.name}: pool ${JSON.stringify(model.pool)} is not declared`,
      hint: `use one of ${spec.gpuPools.map((p) => p.name).join(", ")}`,
    });
  }
  const weightsClass = spec.storage.dataClasses["model-weights"];
  // Each replica caches the weights in a claim of its own site's class (never another site's).
  const cacheClass = pool ? storageClassAt(spec, "model-weights", pool.site) : undefined;
  if (weightsClass && pool && !cacheClass) {
    issues.push({
      code: "storage.weights_site",
      path: at("pool"),
      message: `model ${model.name}: model-weights has no storage class at site ${pool.site}`,
      hint: `add spec.storage.dataClasses.model-weights.sites.${pool.site}.storageClass`,
    });
  }
  if (!weightsClass) {
    issues.push({
      code: "serving.weights_class",
      path: ["spec", "storage", "dataClasses", "model-weights"],
      message: `model ${model.name}: no model-weights data class to cache weights in`,
      hint: "add spec.storage.dataClasses.model-weights with an encrypted in-country storage class",
    });
  }
  if (issues.length > 0 || !pool || !weightsClass || !cacheClass) throw new InputError(issues);

  const gateway = spec.serving.gateway;
  return {
    model: model.name,
    registry: spec.registry.replace(/\/$/, ""),
    image: model.image,
    site: pool.site,
    pool: pool.name,
    tensorParallel: model.tensorParallel,
    replicas: { min: model.replicas.min, max: model.replicas.max },
    weights: {
      uri: model.weights.uri,
      sha256: model.weights.sha256,
      format: options.weightsFormat ?? "file",
      ...(options.weightsCredentialsSecret ? { credentialsSecret: options.weightsCredentialsSecret } : {}),
      cache: {
        storageClassName: cacheClass,
        size: options.cacheSize ?? defaultCacheSize(model.weights.sizeBytes),
      },
    },
    dataClass: "model-weights",
    priorityClassName: PRIORITY_SERVING,
    ...(options.server ? { server: options.server } : {}),
    ...(options.resources ? { resources: options.resources } : {}),
    route: gateway
      ? {
          enabled: true,
          gateway: { name: gateway.name, namespace: gateway.namespace },
          hostname: gateway.hostname,
          pathPrefix: `/${model.name}`,
        }
      : { enabled: false },
  };
}
