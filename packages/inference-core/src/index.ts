export { CASES_API_VERSION, CASES_KIND, casesJson, parseCasesJson } from "./cases-json.js";
export {
  caseName,
  caseWork,
  KERNELS,
  type KernelCase,
  type KernelName,
  makeCase,
  SCALABLE_KEYS,
  SHAPE_KEYS,
} from "./kernel-case.js";
export {
  type PlanOptions,
  planKernelCases,
  type ShardedArchitecture,
  scaleCases,
  shardArchitecture,
} from "./plan.js";
export {
  type Backend,
  buildCudaHostEmulation,
  buildKernelSuite,
  cpuBuildUnavailable,
  cudaHostEmulationUnavailable,
  cudaBuildUnavailable,
  defaultBuildDir,
  inferenceCoreDir,
  type RunOptions,
  runKernelSuite,
  suiteBinary,
} from "./suite.js";
export {
  type EngineInput,
  type EngineLaunch,
  type EngineRecord,
  type FlagRecord,
  type FlagValue,
  type HttpCheck,
  type InferenceEngine,
  type ParsedEngineArgs,
  parseEngineArgs,
  VLLM_RECORD,
  vllmEngine,
} from "./engine/index.js";
