export {
  type ChartValueOptions,
  defaultCacheSize,
  INFERENCE_CORE_CHART,
  type InferenceCoreValues,
  inferenceCoreValues,
} from "./chart-values.js";
