export { addCountry, type CountryStacks, type Customize, createApp, STACK_KINDS } from "./app.js";
export { configureStack } from "./backend.js";
export {
  collectObjects,
  collectObjectsDetailed,
  collectTerraform,
  type SynthObject,
  type UnrenderedRelease,
} from "./collect.js";
export { CrdsStack } from "./crds.js";
export { GPU_NAMESPACE, GpuStack } from "./gpu.js";
export {
  countryEgressCidrs,
  namespaceOf,
  PlatformStack,
  SYSTEM_NAMESPACE,
  TIERS,
  type Tier,
} from "./platform.js";
export { Renderings } from "./render.js";
export { checkResidency, type ResidencyCheck } from "./residency.js";
export { SERVING_NAMESPACE, ServingStack } from "./serving.js";
export { purgeImage, StorageStack } from "./storage.js";
export { hasTraining, TRAINING_NAMESPACE, TrainingStack } from "./training.js";
export {
  defaultSynthWorkers,
  SYNTH_WORKER_ENTRY,
  PARALLEL_SYNTH_MIN_COUNTRIES,
  type SynthOptions,
  type SynthResult,
  type SynthStack,
  synthesizeCountries,
  synthesizeCountry,
} from "./synth.js";
export { runSynthWorker } from "./synth-worker-run.js";
