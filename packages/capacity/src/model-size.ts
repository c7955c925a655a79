import type { Architecture, EngineSpec, ModelSpec } from "@sovereign/profile";

/** Bytes per element of each dtype the engine settings name. */
export const DTYPE_BYTES = { bfloat16: 2, float16: 2, float32: 4, fp8: 1 } as const;

/** Parameter counts: all resident parameters, and those one token computes with (MoE). */
export interface ParamCount {
  total: number;
  active: number;
}

/** Width of one attention head. */
export function headDim(a: Architecture): number {
  return a.headDim ?? a.hiddenSize / a.heads;
}

/**
 * Parameters of a decoder-only transformer with gated (SwiGLU) feed-forward layers, the layout of
 * Llama, Qwen, Mistral/Mixtral, EXAONE and ALLaM: per layer Q/K/V/O projections (K and V at
 * kvHeads), feed-forward of three matrices (or `experts.count` of them plus a router), two norms;
 * embeddings and LM head (one matrix when tied), a final norm.
 */
export function paramCount(a: Architecture): ParamCount {
  const h = a.hiddenSize;
  const d = headDim(a);
  const q = a.heads * d;
  const kv = a.kvHeads * d;
  const attention = h * q + 2 * h * kv + q * h + (a.attentionBias ? q + 2 * kv : 0);
  const norms = 2 * h;
  const ffn = (width: number) => 3 * h * width;
  const e = a.experts;
  const shared = e ? (e.shared ?? 0) * ffn(e.intermediateSize) : 0;
  const ffnTotal = e ? e.count * ffn(e.intermediateSize) + h * e.count + shared : ffn(a.intermediateSize);
  const ffnActive = e ? e.perToken * ffn(e.intermediateSize) + h * e.count + shared : ffnTotal;
  const embeddings = a.vocabSize * h * (a.tiedEmbeddings ? 1 : 2) + h;
  return {
    total: a.layers * (attention + norms + ffnTotal) + embeddings,
    active: a.layers * (attention + norms + ffnActive) + embeddings,
  };
}

/** Engine settings with every default applied (defaults documented on the profile schema). */
export interface EngineSettings {
  dtype: "bfloat16" | "float16" | "float32";
  kvCacheDtype: "auto" | "fp8";
  gpuMemoryUtilization: number;
  maxModelLen: number;
  minConcurrency: number;
  overheadGiB: number;
}

export function engineSettings(m: ModelSpec): EngineSettings {
  const e: Partial<EngineSpec> = m.engine ?? {};
  return {
    dtype: e.dtype ?? "bfloat16",
    kvCacheDtype: e.kvCacheDtype ?? "auto",
    gpuMemoryUtilization: e.gpuMemoryUtilization ?? 0.9,
    maxModelLen: e.maxModelLen ?? m.architecture.maxContext,
    minConcurrency: e.minConcurrency ?? 4,
    overheadGiB: e.overheadGiB ?? 2,
  };
}

/** KV heads each tensor-parallel rank holds: a share of them, or one replica when TP > kvHeads. */
export function kvHeadsPerGpu(a: Architecture, tp: number): number {
  return a.kvHeads >= tp ? a.kvHeads / tp : 1;
}

/** K and V of one token over all layers, on one GPU. */
export function kvBytesPerTokenPerGpu(a: Architecture, tp: number, kvBytes: number): number {
  return 2 * a.layers * kvHeadsPerGpu(a, tp) * headDim(a) * kvBytes;
}
