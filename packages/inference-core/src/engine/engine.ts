import type { EngineRecord } from "./vllm-record.js";

/** Everything an engine needs to start one model, already sized by the capacity plan. */
export interface EngineInput {
  /** Name clients send as `model` (and the metrics' model_name label). */
  servedName: string;
  /** Directory in the container holding the verified weights, config and tokenizer. */
  weightsDir: string;
  tensorParallel: number;
  maxModelLen: number;
  gpuMemoryUtilization: number;
  dtype: "bfloat16" | "float16" | "float32";
  kvCacheDtype: "auto" | "fp8";
  port: number;
  /** Most items per prompt for each non-text modality the model declares. */
  mediaPerPrompt: { image?: number; audio?: number };
  /** Log each request (and response) through the engine's request logger. */
  logInteractions: boolean;
  /** Writable directory (emptyDir) for every engine cache. */
  cacheDir: string;
  /** Path of the logging configuration file (mounted from a ConfigMap), when interactions are logged. */
  loggingConfigPath?: string;
}

/** An HTTP GET the kubelet or the chart test makes. */
export interface HttpCheck {
  path: string;
  port: number;
}

/** How the pod runs the engine: the seam between the kit and any engine. */
export interface EngineLaunch {
  command: string[];
  args: string[];
  env: { name: string; value: string }[];
  probes: { startup: HttpCheck; readiness: HttpCheck; liveness: HttpCheck };
  /** Where Prometheus scrapes, and the per-pod series the autoscaler follows. */
  metrics: { path: string; port: number; queue: string; running: string };
  /** Endpoint listing the served models (the chart test's check). */
  modelsPath: string;
}

/** An inference engine = the arguments it starts with, its probes and its metrics. */
export interface InferenceEngine {
  /** What the engine's pinned version offers, as read from its source. */
  readonly record: EngineRecord;
  launch(input: EngineInput): EngineLaunch;
}
