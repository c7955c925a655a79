export {
  BASELINES_API_VERSION,
  BASELINES_KIND,
  type BaselineEntry,
  baselineGpus,
  type KernelBaselines,
  kernelBaselinesJsonSchema,
  loadBaselines,
  lookupBaselines,
  normalizeGpu,
  parseBaselines,
  type RecordMeta,
  recordBaselines,
  writeBaselines,
} from "./baselines.js";
export {
  DEFAULT_DECIDE_OPTIONS,
  type DecideOptions,
  decide,
  type GateResult,
  type KernelDecision,
  type Verdict,
} from "./decide.js";
export { type ParseOptions, parseGoogleBenchmark } from "./google-benchmark.js";
export {
  coefficientOfVariation,
  hodgesLehmann,
  intervalRank,
  medianOf,
  type ShiftEstimate,
} from "./hodges-lehmann.js";
export { holmAdjust } from "./holm.js";
export { EXACT_MAX_N, exactUpperTail, type MannWhitneyResult, mannWhitneyGreater } from "./mann-whitney.js";
export { erfc, normalCdf, normalIsf, normalSf } from "./normal.js";
export { type NvbenchOptions, parseNvbench } from "./nvbench.js";
export { detectFormat, readBenchmarkFile } from "./read.js";
export { formatGateResult, type GateFormat } from "./render.js";
export { caseKey, type KernelSamples, mergeSamples, splitBenchmarkName } from "./samples.js";
export {
  mulberry32,
  normalSource,
  type Scenario,
  type ScenarioOutcome,
  simulateScenario,
} from "./simulate.js";
