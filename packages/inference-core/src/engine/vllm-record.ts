/**
 * What the kit relies on of the pinned inference engine, recorded as data: the CLI flags the chart
 * may pass, the HTTP endpoints the probes and the chart test call, the environment variables the
 * pod sets and the metrics the autoscaler reads. A test refuses any flag, endpoint or variable the
 * kit uses outside this record, and every entry names the upstream file it lives in at the pinned
 * commit and what was actually read to establish it (docs/serving.md, "What was read").
 */

/** How a flag takes its value. */
export type FlagValue = "int" | "float" | "string" | "json" | "choice" | "switch" | "names";

/**
 * How close to the pinned release a fact was read:
 * - `pin`: read in the pinned release's own files (or, for a library, at its tag).
 * - `bracketed`: read in a release before and in a release or commit after the pin, unchanged.
 * - `before`: read only in an earlier release or commit; the pin is assumed to keep it.
 * - `after`: read only in a later commit; the pin is assumed to have it already.
 * - `unread`: relied on from the engine's public API surface, not read in any source here (listed
 *   in docs/serving.md as a check for the first GPU-side run).
 */
export type ReadAt = "pin" | "bracketed" | "before" | "after" | "unread";

/** One thing read to establish facts: a versioned documentation page or a file at a commit. */
export interface Evidence {
  /** URL of the page, or `<repository>@<commit>:<path>` of the file. */
  ref: string;
  /** Release the page or commit belongs to, or where it sits relative to the pin. */
  version: string;
  /** What it shows, in the kit's words. */
  shows: string;
}

/** Where a fact lives upstream at the pin, and what was read to establish it. */
export interface Provenance {
  /** File in the upstream repository at {@link EngineRecord.commit} (or the library named). */
  file: string;
  /** Class, argument group or function in that file. */
  symbol?: string;
  readAt: ReadAt;
  /** Keys of {@link EngineRecord.evidence}. */
  evidence: readonly string[];
}

export interface FlagRecord extends Provenance {
  takes: FlagValue;
  /** Allowed values of a `choice` flag (the subset the kit may pass). */
  choices?: readonly string[];
}

export interface EngineRecord {
  engine: string;
  /** Release tag of the pinned engine. */
  version: string;
  repository: string;
  /** Commit the release tag points at. */
  commit: string;
  /** How {@link commit} was tied to {@link version}: independent sources naming both. */
  commitTiedBy: readonly string[];
  /** Upstream image the in-country mirror copies (pinned by digest at mirror time). */
  image: string;
  /** The server's command; its first positional argument is the model directory. */
  command: readonly string[];
  flags: Readonly<Record<string, FlagRecord>>;
  endpoints: Readonly<Record<string, Provenance & { method: "GET"; meaning: string }>>;
  env: Readonly<Record<string, Provenance & { meaning: string }>>;
  metrics: Readonly<Record<string, Provenance & { type: "gauge" | "counter"; labels: readonly string[] }>>;
  evidence: Readonly<Record<string, Evidence>>;
}

const ARGS = "vllm/engine/arg_utils.py";
const FRONTEND = "vllm/entrypoints/openai/cli_args.py";
const SERVER = "vllm/entrypoints/openai/api_server.py";
const ENVS = "vllm/envs.py";
const METRICS = "vllm/v1/metrics/loggers.py";
const HUB = "huggingface_hub src/huggingface_hub/constants.py";

/** Where each fact was read (this session's reading, kept as data). */
const EVIDENCE: Record<string, Evidence> = {
  "docs-0.11.0-api-index": {
    ref: "https://docs.vllm.ai/en/v0.11.0/api/vllm/index.html",
    version: "v0.11.0",
    shows: "module layout at the pin: EngineArgs and AsyncEngineArgs in vllm.engine.arg_utils; entrypoints, envs, usage and v1 packages",
  },
  "docs-0.10.1.1-arg-utils": {
    ref: "https://docs.vllm.ai/en/v0.10.1.1/api/vllm/engine/arg_utils.html",
    version: "v0.10.1.1",
    shows: "AsyncEngineArgs.enable_log_requests (off by default); disable_log_requests deprecated, to be removed in v0.12.0",
  },
  "docs-0.10.2-engine-args": {
    ref: "https://docs.vllm.ai/en/v0.10.2/configuration/engine_args.html",
    version: "v0.10.2",
    shows: "JSON-valued arguments take one JSON object (or dotted keys); ModelConfig argument group",
  },
  "docs-0.12.0-serve": {
    ref: "https://docs.vllm.ai/en/v0.12.0/cli/serve/",
    version: "v0.12.0",
    shows: "vllm serve: JSON arguments as one JSON object; --enable-log-requests / --no-enable-log-requests (off by default), --disable-log-requests deprecated; Frontend --host, --port (default 8000)",
  },
  "docs-0.14.0-arg-utils": {
    ref: "https://docs.vllm.ai/en/v0.14.0/api/vllm/engine/arg_utils/",
    version: "v0.14.0",
    shows: "AsyncEngineArgs.add_cli_args registers --enable-log-requests as a boolean switch",
  },
  "issue-24578": {
    ref: "https://github.com/vllm-project/vllm/issues/24578",
    version: "v0.10.1 (vllm/vllm-openai:v0.10.1)",
    shows: "a server started with --served-model-name, --gpu-memory-utilization, --max-model-len, --kv-cache-dtype fp8, --enable-log-requests, --enable-log-outputs",
  },
  "src-envs-before": {
    ref: "https://github.com/vllm-project/vllm@001f69f8b52e0803c910525974d17010814947ad:vllm/envs.py",
    version: "before v0.11.0 (still carries VLLM_USE_V1 and V0 switches, removed by v0.11.0)",
    shows: "VLLM_NO_USAGE_STATS=1 and VLLM_DO_NOT_TRACK (or DO_NOT_TRACK)=1 turn usage stats off; VLLM_CACHE_ROOT and VLLM_CONFIG_ROOT default under XDG_CACHE_HOME / XDG_CONFIG_HOME; VLLM_LOGGING_CONFIG_PATH",
  },
  "src-cli-args-after": {
    ref: "https://github.com/vllm-project/vllm@005223338608bc94fd165a4f976c102a57bd1fc4:vllm/entrypoints/openai/cli_args.py",
    version: "after v0.11.0 (main)",
    shows: "FrontendArgs host and port (8000); enable_log_outputs (needs --enable-log-requests); log_config_file defaults to VLLM_LOGGING_CONFIG_PATH",
  },
  "code-index-api-server": {
    ref: "public code index, content hit: a copy of vllm/entrypoints/openai/api_server.py (68 769 characters; the index names no repository or commit)",
    version: "V1 server before the routes moved out of api_server.py (later releases define /health in vllm/entrypoints/serve/instrumentator/health.py)",
    shows: "GET /health awaits the engine client's check_health and answers 200; the same file serves /load and the OpenAI routes",
  },
  "src-api-server-after": {
    ref: "https://github.com/vllm-project/vllm@0001948bc76939369ca855c90b36d81256477e85:vllm/entrypoints/openai/api_server.py",
    version: "after v0.11.0 (main)",
    shows: "the request logger exists only with --enable-log-requests; served model names come from --served-model-name; the socket is bound before the engine starts and served by uvicorn once the engine client is up",
  },
  "docs-0.9.1-metrics": {
    ref: "https://docs.vllm.ai/en/v0.9.1/usage/metrics.html",
    version: "v0.9.1",
    shows: "/metrics on the OpenAI-compatible server; gauges vllm:num_requests_running and vllm:num_requests_waiting",
  },
  "docs-main-design-metrics": {
    ref: "https://raw.githubusercontent.com/vllm-project/vllm/main/docs/design/metrics.md",
    version: "after v0.11.0 (main)",
    shows: "V1 metrics on /metrics with the vllm: prefix: vllm:num_requests_running and vllm:kv_cache_usage_perc gauges",
  },
  "hub-v0.34.0": {
    ref: "https://github.com/huggingface/huggingface_hub@32023c8816068d42507ed03d8ab390aff5d8b4a5:src/huggingface_hub/constants.py",
    version: "huggingface_hub v0.34.0",
    shows: "HF_HUB_OFFLINE is true when HF_HUB_OFFLINE or TRANSFORMERS_OFFLINE is set; HF_HOME is the hub's home directory",
  },
  "hub-v0.35.3": {
    ref: "https://github.com/huggingface/huggingface_hub@8a07be4b332e7b0f3339257b79dc96f04014096d:src/huggingface_hub/constants.py",
    version: "huggingface_hub v0.35.3",
    shows: "same lines as v0.34.0",
  },
  "hub-v0.36.2": {
    ref: "https://github.com/huggingface/huggingface_hub@664c484e261175deeb80c2aa3b525457a1f6fa5c:src/huggingface_hub/constants.py",
    version: "huggingface_hub v0.36.2",
    shows: "same lines as v0.34.0",
  },
};

const LOG_REQUESTS = ["docs-0.10.1.1-arg-utils", "docs-0.12.0-serve", "docs-0.14.0-arg-utils", "issue-24578"];
const ENGINE_ARG = ["docs-0.11.0-api-index", "docs-0.10.2-engine-args", "issue-24578"];
const HUB_ALL = ["hub-v0.34.0", "hub-v0.35.3", "hub-v0.36.2"];

/** vLLM's OpenAI-compatible server, as the kit pins it. */
export const VLLM_RECORD: EngineRecord = {
  engine: "vllm",
  version: "v0.11.0",
  repository: "https://github.com/vllm-project/vllm",
  commit: "b8b302cde434df8c9289a2b465406b47ebab1c2d",
  commitTiedBy: [
    "vLLM's own wheel index serves vllm-0.11.0+cu129 under wheels.vllm.ai/b8b302cde434df8c9289a2b465406b47ebab1c2d/",
    "Spack's py-vllm recipe: version 0.11.0 = commit b8b302cde434df8c9289a2b465406b47ebab1c2d",
    "third-party NOTICE files deriving from vLLM cite tag v0.11.0 at commit b8b302cde434df8c9289a2b465406b47ebab1c2d",
  ],
  image: "docker.io/vllm/vllm-openai:v0.11.0",
  command: ["vllm", "serve"],
  flags: {
    "--served-model-name": { takes: "names", file: ARGS, symbol: "EngineArgs.served_model_name (ModelConfig)", readAt: "bracketed", evidence: ENGINE_ARG },
    "--tensor-parallel-size": { takes: "int", file: ARGS, symbol: "EngineArgs.tensor_parallel_size (ParallelConfig)", readAt: "bracketed", evidence: ENGINE_ARG },
    "--max-model-len": { takes: "int", file: ARGS, symbol: "EngineArgs.max_model_len (ModelConfig)", readAt: "bracketed", evidence: ENGINE_ARG },
    "--gpu-memory-utilization": { takes: "float", file: ARGS, symbol: "EngineArgs.gpu_memory_utilization (CacheConfig)", readAt: "bracketed", evidence: ENGINE_ARG },
    "--dtype": {
      takes: "choice",
      choices: ["auto", "bfloat16", "float16", "float32"],
      file: ARGS,
      symbol: "EngineArgs.dtype (ModelConfig)",
      readAt: "bracketed",
      evidence: ["docs-0.11.0-api-index", "docs-0.10.2-engine-args"],
    },
    "--kv-cache-dtype": {
      takes: "choice",
      choices: ["auto", "fp8"],
      file: ARGS,
      symbol: "EngineArgs.kv_cache_dtype (CacheConfig)",
      readAt: "bracketed",
      evidence: ENGINE_ARG,
    },
    "--load-format": {
      takes: "choice",
      choices: ["safetensors"],
      file: ARGS,
      symbol: "EngineArgs.load_format (LoadConfig)",
      readAt: "bracketed",
      evidence: ["docs-0.11.0-api-index", "docs-0.10.2-engine-args"],
    },
    "--limit-mm-per-prompt": {
      takes: "json",
      file: ARGS,
      symbol: "EngineArgs.limit_mm_per_prompt (MultiModalConfig)",
      readAt: "bracketed",
      evidence: ["docs-0.10.2-engine-args", "docs-0.12.0-serve"],
    },
    "--enable-log-requests": {
      takes: "switch",
      file: ARGS,
      symbol: "AsyncEngineArgs.enable_log_requests",
      readAt: "bracketed",
      evidence: [...LOG_REQUESTS, "src-api-server-after"],
    },
    "--enable-log-outputs": {
      takes: "switch",
      file: FRONTEND,
      symbol: "FrontendArgs.enable_log_outputs",
      readAt: "bracketed",
      evidence: ["issue-24578", "src-cli-args-after"],
    },
    "--host": { takes: "string", file: FRONTEND, symbol: "FrontendArgs.host", readAt: "bracketed", evidence: ["docs-0.12.0-serve", "src-cli-args-after"] },
    "--port": { takes: "int", file: FRONTEND, symbol: "FrontendArgs.port", readAt: "bracketed", evidence: ["docs-0.12.0-serve", "src-cli-args-after"] },
  },
  endpoints: {
    "/health": {
      method: "GET",
      meaning: "200 once the engine is up (the port opens only after the weights are loaded); 5xx when the engine died",
      file: SERVER,
      symbol: "health route",
      readAt: "before",
      evidence: ["code-index-api-server"],
    },
    "/v1/models": {
      method: "GET",
      meaning: "lists the served model names",
      file: SERVER,
      symbol: "show_available_models route",
      readAt: "unread",
      evidence: [],
    },
    "/metrics": {
      method: "GET",
      meaning: "Prometheus exposition of the engine's metrics",
      file: SERVER,
      symbol: "Prometheus app mounted on the server",
      readAt: "bracketed",
      evidence: ["docs-0.9.1-metrics", "docs-main-design-metrics"],
    },
  },
  env: {
    VLLM_NO_USAGE_STATS: { meaning: "1: no usage report is sent", file: ENVS, readAt: "before", evidence: ["src-envs-before"] },
    DO_NOT_TRACK: { meaning: "1: read as VLLM_DO_NOT_TRACK, no usage report", file: ENVS, readAt: "before", evidence: ["src-envs-before"] },
    VLLM_CACHE_ROOT: { meaning: "compile and asset caches (writable)", file: ENVS, readAt: "before", evidence: ["src-envs-before"] },
    VLLM_CONFIG_ROOT: { meaning: "configuration files directory", file: ENVS, readAt: "before", evidence: ["src-envs-before"] },
    XDG_CACHE_HOME: { meaning: "default root of the cache directories", file: ENVS, symbol: "get_default_cache_root", readAt: "before", evidence: ["src-envs-before"] },
    VLLM_LOGGING_CONFIG_PATH: {
      meaning: "JSON logging dictConfig the server applies at start",
      file: ENVS,
      readAt: "bracketed",
      evidence: ["src-envs-before", "src-cli-args-after"],
    },
    HF_HUB_OFFLINE: { meaning: "1: the Hugging Face hub client makes no network call", file: HUB, symbol: "HF_HUB_OFFLINE", readAt: "pin", evidence: HUB_ALL },
    HF_HOME: { meaning: "hub cache directory (writable; unused offline)", file: HUB, symbol: "HF_HOME", readAt: "pin", evidence: HUB_ALL },
    TRANSFORMERS_OFFLINE: {
      meaning: "1: also read by the hub client as offline mode (transformers loads config and tokenizer from the local directory)",
      file: HUB,
      symbol: "HF_HUB_OFFLINE",
      readAt: "pin",
      evidence: HUB_ALL,
    },
    HOME: {
      meaning: "home of the non-root user: caches that default under ~ (Triton's kernel cache) land there",
      file: ENVS,
      symbol: "get_default_cache_root (expanduser ~)",
      readAt: "before",
      evidence: ["src-envs-before"],
    },
  },
  metrics: {
    "vllm:num_requests_running": { type: "gauge", labels: ["model_name", "engine"], file: METRICS, readAt: "bracketed", evidence: ["docs-0.9.1-metrics", "docs-main-design-metrics"] },
    "vllm:num_requests_waiting": { type: "gauge", labels: ["model_name", "engine"], file: METRICS, readAt: "before", evidence: ["docs-0.9.1-metrics"] },
    "vllm:kv_cache_usage_perc": { type: "gauge", labels: ["model_name", "engine"], file: METRICS, readAt: "after", evidence: ["docs-main-design-metrics"] },
  },
  evidence: EVIDENCE,
};
