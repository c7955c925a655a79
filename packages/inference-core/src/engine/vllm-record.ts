/**
 * What the kit relies on of the pinned inference engine, read from the engine's source at the
 * pinned version and recorded here as data: the CLI flags the chart may pass, the HTTP endpoints
 * the probes and the chart test call, the environment variables the pod sets and the metrics the
 * autoscaler reads. A test refuses any flag, endpoint or variable the kit uses outside this record.
 */

/** How a flag takes its value. */
export type FlagValue = "int" | "float" | "string" | "json" | "choice" | "switch" | "names";

export interface FlagRecord {
  takes: FlagValue;
  /** Allowed values of a `choice` flag (the subset the kit may pass). */
  choices?: readonly string[];
  /** Upstream file (and the config class or argument group) the flag was read from. */
  source: string;
}

export interface EngineRecord {
  engine: string;
  /** Release tag of the pinned engine. */
  version: string;
  repository: string;
  /** Upstream image the in-country mirror copies (pinned by digest at mirror time). */
  image: string;
  /** The server's command; its first positional argument is the model directory. */
  command: readonly string[];
  flags: Readonly<Record<string, FlagRecord>>;
  endpoints: Readonly<Record<string, { method: "GET"; meaning: string; source: string }>>;
  env: Readonly<Record<string, { meaning: string; source: string }>>;
  metrics: Readonly<Record<string, { type: "gauge" | "counter"; labels: readonly string[]; source: string }>>;
}

const ARGS = "vllm/engine/arg_utils.py";
const FRONTEND = "vllm/entrypoints/openai/cli_args.py";
const SERVER = "vllm/entrypoints/openai/api_server.py";
const ENVS = "vllm/envs.py";
const METRICS = "vllm/v1/metrics/loggers.py";

/** vLLM's OpenAI-compatible server, as the kit pins it. */
export const VLLM_RECORD: EngineRecord = {
  engine: "vllm",
  version: "v0.11.0",
  repository: "https://github.com/vllm-project/vllm",
  image: "docker.io/vllm/vllm-openai:v0.11.0",
  command: ["vllm", "serve"],
  flags: {
    "--served-model-name": { takes: "names", source: `${ARGS} (ModelConfig.served_model_name)` },
    "--tensor-parallel-size": { takes: "int", source: `${ARGS} (ParallelConfig.tensor_parallel_size)` },
    "--max-model-len": { takes: "int", source: `${ARGS} (ModelConfig.max_model_len)` },
    "--gpu-memory-utilization": { takes: "float", source: `${ARGS} (CacheConfig.gpu_memory_utilization)` },
    "--dtype": {
      takes: "choice",
      choices: ["auto", "bfloat16", "float16", "float32"],
      source: `${ARGS} (ModelConfig.dtype)`,
    },
    "--kv-cache-dtype": { takes: "choice", choices: ["auto", "fp8"], source: `${ARGS} (CacheConfig.cache_dtype)` },
    "--load-format": { takes: "choice", choices: ["safetensors"], source: `${ARGS} (LoadConfig.load_format)` },
    "--limit-mm-per-prompt": { takes: "json", source: `${ARGS} (MultiModalConfig.limit_per_prompt)` },
    "--enable-log-requests": { takes: "switch", source: `${ARGS} (AsyncEngineArgs.enable_log_requests)` },
    "--enable-log-outputs": { takes: "switch", source: `${FRONTEND} (FrontendArgs.enable_log_outputs)` },
    "--host": { takes: "string", source: `${FRONTEND} (FrontendArgs.host)` },
    "--port": { takes: "int", source: `${FRONTEND} (FrontendArgs.port)` },
  },
  endpoints: {
    "/health": { method: "GET", meaning: "200 once the engine is up (the port opens only after the weights are loaded); 5xx when the engine died", source: SERVER },
    "/v1/models": { method: "GET", meaning: "lists the served model names", source: SERVER },
    "/metrics": { method: "GET", meaning: "Prometheus exposition of the engine's metrics", source: SERVER },
  },
  env: {
    VLLM_NO_USAGE_STATS: { meaning: "1: no usage report is sent", source: ENVS },
    DO_NOT_TRACK: { meaning: "1: read as VLLM_DO_NOT_TRACK, no usage report", source: ENVS },
    VLLM_CACHE_ROOT: { meaning: "compile and asset caches (writable)", source: ENVS },
    VLLM_CONFIG_ROOT: { meaning: "configuration files directory", source: ENVS },
    XDG_CACHE_HOME: { meaning: "default root of the cache directories", source: ENVS },
    VLLM_LOGGING_CONFIG_PATH: { meaning: "JSON logging dictConfig the server applies at start", source: ENVS },
    HF_HUB_OFFLINE: { meaning: "1: the Hugging Face hub client makes no network call", source: "huggingface_hub constants, read by vLLM's model loader" },
    HF_HOME: { meaning: "hub cache directory (writable; unused offline)", source: "huggingface_hub constants" },
    TRANSFORMERS_OFFLINE: { meaning: "1: transformers loads tokenizer and config from the local directory only", source: "transformers utils/hub.py" },
    HOME: { meaning: "home of the non-root user: Triton's kernel cache lands under it", source: "Triton runtime cache default (~/.triton)" },
  },
  metrics: {
    "vllm:num_requests_running": { type: "gauge", labels: ["model_name", "engine"], source: METRICS },
    "vllm:num_requests_waiting": { type: "gauge", labels: ["model_name", "engine"], source: METRICS },
    "vllm:kv_cache_usage_perc": { type: "gauge", labels: ["model_name", "engine"], source: METRICS },
  },
};
