import { type ModelPlan, planProfile } from "@sovereign/capacity";
import { InputError, type Issue } from "@sovereign/diagnostics";
import { type EngineLaunch, vllmEngine } from "@sovereign/inference-core";
import {
  type CountryProfile,
  type GpuPool,
  type ModelSpec,
  placements,
  storageClassAt,
  weightsLocation,
} from "@sovereign/profile";
import { PRIORITY_SERVING } from "../priority-classes.js";
import { loadUpstream, type UpstreamRecord } from "../training/upstream.js";

/**
 * KEDA v2.20.2 (upstream/keda-v2.20.2.json, written by scripts/record-upstream-keda.ts): the
 * ScaledObject schema and the prometheus trigger's metadata keys. KEDA is not installed by the
 * kit; a cluster choosing the keda provider runs it (docs/serving.md).
 */
export const KEDA: Omit<UpstreamRecord, "chart"> = loadUpstream("keda-v2.20.2.json");

/** Chart directory name under the repository's `charts/`. */
export const INFERENCE_CORE_CHART = "inference-core";

/** Where the chart mounts the verified weights and the engine's writable caches. */
export const WEIGHTS_MOUNT = "/cache";
export const ENGINE_CACHE_MOUNT = "/var/cache/engine";
export const ENGINE_LOGGING_CONFIG = "/etc/sovereign/engine/logging.json";
/** Port of the engine's OpenAI-compatible API inside the pod. */
export const ENGINE_PORT = 8000;

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
    /** The only form the engine loads (validation refuses `file`). */
    format: "directory";
    endpoint: string;
    bucket: string;
    prefix: string;
    sha256: string;
    s3Region?: string;
    credentialsSecret?: string;
    caBundle?: { configMap: string; key: string };
    cache: { size: string; storageClassName?: string; existingClaim?: string };
  };
  engine: EngineValues;
  autoscaling: {
    enabled: boolean;
    /** Who scales: the Prometheus adapter (HorizontalPodAutoscaler) or KEDA (ScaledObject). */
    provider: "prometheus-adapter" | "keda";
    /** Average waiting requests per pod above which the HPA adds pods. */
    queueTarget: number;
    /** Average running requests per pod above which the HPA adds pods (from the capacity plan). */
    runningTarget: number;
    /** The engine's series of waiting and running requests (the KEDA queries sum them per model). */
    queueSeries: string;
    runningSeries: string;
    keda?: { serverAddress: string };
  };
  interactionLogs: { enabled: boolean; claimName?: string; retentionDays?: number };
  dataClass?: string;
  /** PriorityClass of the serving pods. */
  priorityClassName?: string;
  resources?: { cpu: string; memory: string };
  route?: {
    enabled: boolean;
    gateway?: { name: string; namespace: string };
    hostname?: string;
    pathPrefix?: string;
  };
}

/** The engine part of the values: what {@link EngineLaunch} says, plus its identity. */
export interface EngineValues {
  name: string;
  version: string;
  command: string[];
  args: string[];
  env: { name: string; value: string }[];
  port: number;
  startupPath: string;
  readinessPath: string;
  livenessPath: string;
  metricsPath: string;
  modelsPath: string;
}

/** Options of {@link inferenceCoreValues}; each default is what a shipped profile needs. */
export interface ChartValueOptions {
  /**
   * Secret (name only) holding AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY for the object store.
   * @default `weights.credentialsSecret` of the profile, else none — anonymous reads from an
   *   endpoint reachable only on the in-country network.
   */
  weightsCredentialsSecret?: string;
  /**
   * Per-pod weights cache size.
   * @default 1.25 × `weights.sizeBytes` rounded up to GiB (at least 10Gi), or 100Gi when the
   *   profile gives no size — room for the files plus a partial download during a re-fetch.
   */
  cacheSize?: string;
  /**
   * CPU and memory for the server container.
   * @default chart default (4 CPU, 32Gi): tokenisation, the HTTP front end and weight loading.
   */
  resources?: { cpu: string; memory: string };
  /**
   * Average waiting requests per pod the autoscaler aims for.
   * @default 2 — a queue forms only when every running slot is taken; two waiting per pod is
   *   the first sign the replica count is short.
   */
  queueTarget?: number;
}

const GIB = 1024 ** 3;

/** Cache size for weights of `sizeBytes` (see ChartValueOptions.cacheSize). */
export function defaultCacheSize(sizeBytes: number | undefined): string {
  if (sizeBytes === undefined) return "100Gi";
  return `${Math.max(10, Math.ceil((sizeBytes * 1.25) / GIB))}Gi`;
}

/** Directory the engine loads: the verified copy under the manifest's digest. */
export function weightsPath(model: ModelSpec): string {
  return `${WEIGHTS_MOUNT}/${model.weights.sha256}/model`;
}

/** The capacity plan of one model, or an InputError with every reason it cannot be served. */
export function modelPlan(profile: CountryProfile, model: ModelSpec): ModelPlan {
  const report = planProfile(profile);
  const index = profile.spec.serving.models.indexOf(model);
  const mine = (i: Issue) => i.path[3] === index;
  const errors = report.errors.filter(mine);
  const plan = report.plans.find((p) => p.model === model.name);
  if (errors.length > 0 || !plan) throw new InputError(errors);
  return plan;
}

/**
 * Where the engine's request logger writes: the interaction-logs claim of the model's own site
 * (the storage stack names it `interaction-logs`, or `interaction-logs-<site>` away from the data
 * class's primary site). Not placed at that site: no request logging at all.
 */
function interactionLogs(profile: CountryProfile, pool: GpuPool): InferenceCoreValues["interactionLogs"] {
  const spec = profile.spec.storage.dataClasses["interaction-logs"];
  const place = placements(profile.spec, "interaction-logs").find((p) => p.site === pool.site);
  if (!spec || !place) return { enabled: false };
  return {
    enabled: true,
    claimName: place.primary ? "interaction-logs" : `interaction-logs-${place.site}`,
    ...(spec.retentionDays ? { retentionDays: spec.retentionDays } : {}),
  };
}

function engineLaunch(model: ModelSpec, plan: ModelPlan, logsToFile: boolean): EngineLaunch {
  return vllmEngine.launch({
    servedName: model.name,
    weightsDir: weightsPath(model),
    tensorParallel: model.tensorParallel,
    maxModelLen: plan.settings.maxModelLen,
    gpuMemoryUtilization: plan.effectiveUtilization,
    dtype: plan.settings.dtype,
    kvCacheDtype: plan.settings.kvCacheDtype,
    port: ENGINE_PORT,
    mediaPerPrompt: {
      ...(model.encoders?.image ? { image: model.encoders.image.perPrompt ?? 1 } : {}),
      ...(model.encoders?.audio ? { audio: model.encoders.audio.perPrompt ?? 1 } : {}),
    },
    logInteractions: logsToFile,
    cacheDir: ENGINE_CACHE_MOUNT,
    ...(logsToFile ? { loggingConfigPath: ENGINE_LOGGING_CONFIG } : {}),
  });
}

function engineValues(launch: EngineLaunch): EngineValues {
  return {
    name: vllmEngine.record.engine,
    version: vllmEngine.record.version,
    command: launch.command,
    args: launch.args,
    env: launch.env,
    port: ENGINE_PORT,
    startupPath: launch.probes.startup.path,
    readinessPath: launch.probes.readiness.path,
    livenessPath: launch.probes.liveness.path,
    metricsPath: launch.metrics.path,
    modelsPath: launch.modelsPath,
  };
}

/**
 * The chart values for one model of a profile, sized by its capacity plan. Throws an InputError
 * listing every profile gap that stops the model from being served (unknown pool, no
 * model-weights data class, a placement that cannot hold one sequence).
 */
export function inferenceCoreValues(
  profile: CountryProfile,
  model: ModelSpec,
  options: ChartValueOptions = {},
): InferenceCoreValues {
  const spec = profile.spec;
  const index = spec.serving.models.indexOf(model);
  const at = (...p: (string | number)[]) => ["spec", "serving", "models", index < 0 ? model.name : index, ...p];
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
  const plan = modelPlan(profile, model);
  const logs = interactionLogs(profile, pool);
  const launch = engineLaunch(model, plan, logs.enabled);
  const scaling = spec.serving.autoscaling;
  const location = weightsLocation(model.weights);
  const secret = options.weightsCredentialsSecret ?? model.weights.credentialsSecret;
  const ca = spec.serving.caBundle;
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
      format: "directory",
      ...location,
      sha256: model.weights.sha256,
      ...(secret ? { credentialsSecret: secret } : {}),
      ...(ca ? { caBundle: { configMap: ca.configMap, key: ca.key ?? "ca.crt" } } : {}),
      cache: {
        storageClassName: cacheClass,
        size: options.cacheSize ?? defaultCacheSize(model.weights.sizeBytes),
      },
    },
    engine: engineValues(launch),
    autoscaling: {
      enabled: true,
      provider: scaling?.provider ?? "prometheus-adapter",
      queueTarget: options.queueTarget ?? 2,
      // Scale out before the KV cache is full: 80% of the sequences one replica holds.
      runningTarget: Math.max(1, Math.floor(plan.maxConcurrentSequences * 0.8)),
      queueSeries: launch.metrics.queue,
      runningSeries: launch.metrics.running,
      ...(scaling?.provider === "keda" && scaling.prometheusUrl ? { keda: { serverAddress: scaling.prometheusUrl } } : {}),
    },
    interactionLogs: logs,
    dataClass: "model-weights",
    priorityClassName: PRIORITY_SERVING,
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

