export {
  type ChartValueOptions,
  defaultCacheSize,
  ENGINE_CACHE_MOUNT,
  ENGINE_LOGGING_CONFIG,
  ENGINE_PORT,
  type EngineValues,
  INFERENCE_CORE_CHART,
  type InferenceCoreValues,
  inferenceCoreValues,
  KEDA,
  modelPlan,
  WEIGHTS_MOUNT,
  weightsPath,
} from "./chart-values.js";
export {
  EXIT_INCONCLUSIVE,
  type GateJobSpec,
  type GateMode,
  gateCommand,
  gateHash,
  gateJobManifest,
  gateJobName,
  gateMode,
  imageDigest,
  KERNEL_SUITE_BIN,
  repetitionsPerRound,
  SOVEREIGN_BIN,
  suiteRuns,
} from "./gate-job.js";
export { DEFAULT_INFERENCE_CORE_CHART_PATH, ModelService, type ModelServiceProps } from "./model-service.js";
export { jobFromV1Body, jobV1Body, KubernetesJobV1, type KubernetesJobV1Props } from "./job-v1.js";
