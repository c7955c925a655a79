export type { EngineInput, EngineLaunch, HttpCheck, InferenceEngine } from "./engine.js";
export { type ParsedEngineArgs, parseEngineArgs } from "./parse-args.js";
export { vllmEngine } from "./vllm.js";
export { type EngineRecord, type FlagRecord, type FlagValue, VLLM_RECORD } from "./vllm-record.js";
