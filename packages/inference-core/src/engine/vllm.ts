import type { EngineInput, EngineLaunch, InferenceEngine } from "./engine.js";
import { VLLM_RECORD } from "./vllm-record.js";

/** The engine's writable directories under the pod's cache emptyDir. */
function cacheEnv(dir: string): { name: string; value: string }[] {
  return [
    { name: "HOME", value: `${dir}/home` },
    { name: "XDG_CACHE_HOME", value: `${dir}/xdg` },
    { name: "VLLM_CACHE_ROOT", value: `${dir}/vllm` },
    { name: "VLLM_CONFIG_ROOT", value: `${dir}/config` },
    { name: "HF_HOME", value: `${dir}/huggingface` },
  ];
}

/** No call leaves the pod: no hub downloads, no usage reports. */
const OFFLINE_ENV = [
  { name: "HF_HUB_OFFLINE", value: "1" },
  { name: "TRANSFORMERS_OFFLINE", value: "1" },
  { name: "VLLM_NO_USAGE_STATS", value: "1" },
  { name: "DO_NOT_TRACK", value: "1" },
];

function vllmArgs(i: EngineInput): string[] {
  const args = [
    i.weightsDir,
    "--served-model-name", i.servedName,
    "--tensor-parallel-size", String(i.tensorParallel),
    "--max-model-len", String(i.maxModelLen),
    "--gpu-memory-utilization", String(i.gpuMemoryUtilization),
    "--dtype", i.dtype,
    "--kv-cache-dtype", i.kvCacheDtype,
    // Only safetensors: a pickled checkpoint would run code while loading.
    "--load-format", "safetensors",
    "--host", "0.0.0.0",
    "--port", String(i.port),
  ];
  const media = Object.entries(i.mediaPerPrompt).filter(([, n]) => n !== undefined);
  if (media.length > 0) args.push("--limit-mm-per-prompt", JSON.stringify(Object.fromEntries(media)));
  if (i.logInteractions) args.push("--enable-log-requests", "--enable-log-outputs");
  return args;
}

/** vLLM's OpenAI-compatible server (`vllm serve`), the engine the kit ships. */
export const vllmEngine: InferenceEngine = {
  record: VLLM_RECORD,
  launch(i: EngineInput): EngineLaunch {
    const health = { path: "/health", port: i.port };
    return {
      command: [...VLLM_RECORD.command],
      args: vllmArgs(i),
      env: [
        ...OFFLINE_ENV,
        ...cacheEnv(i.cacheDir),
        ...(i.loggingConfigPath ? [{ name: "VLLM_LOGGING_CONFIG_PATH", value: i.loggingConfigPath }] : []),
      ],
      // The port opens only once the weights are loaded and the KV cache is allocated, so one
      // endpoint serves all three probes; startup allows for the load time.
      probes: { startup: health, readiness: health, liveness: health },
      metrics: {
        path: "/metrics",
        port: i.port,
        queue: "vllm:num_requests_waiting",
        running: "vllm:num_requests_running",
      },
      modelsPath: "/v1/models",
    };
  },
};
