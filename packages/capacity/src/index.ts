export { type DeviceMemory, deviceMemory, GPU_PRODUCTS, type GpuProduct, gpuProduct } from "./gpus.js";
export {
  DTYPE_BYTES,
  type EngineSettings,
  engineSettings,
  headDim,
  kvBytesPerTokenPerGpu,
  kvHeadsPerGpu,
  type ParamCount,
  paramCount,
} from "./model-size.js";
export {
  type CapacityReport,
  effectiveUtilization,
  fitHint,
  legalTensorParallel,
  type ModelPlan,
  planProfile,
  sizeModel,
} from "./plan.js";
export { capacityJson, capacityMarkdown, capacityText } from "./render.js";
