import { InputError } from "@sovereign/diagnostics";

/**
 * One benchmark case of the kernel suite: a kernel at one exact shape. Both backends (CPU and
 * CUDA) read the same list and report each case under `name`, which the gate uses as its key.
 */
export interface KernelCase {
  /** Kernel family, e.g. `gemm_qkv`, `attention_decode`, `rmsnorm`, `allreduce`. */
  kernel: KernelName;
  /**
   * The shape that is measured, keys in the kernel's declared order (see `SHAPE_KEYS`).
   * Units: token/row/element counts, except `bytes` (all-reduce payload) and `ranks`.
   */
  shape: Record<string, number>;
  /** `<kernel>/<k=v,k=v>`: stable, shared with the gate's parser (`<kernel>/<shape-key>`). */
  name: string;
  /**
   * The model's full-size shape when `maxWork` scaled this case down (CPU runs in CI); absent
   * when the case is measured at full size. Scaled names differ from full-size names, so a
   * baseline recorded on scaled cases never matches a full-size run by accident.
   */
  scaledFrom?: Record<string, number>;
}

/** Every kernel the suite implements, in the order the planner emits them. */
export const KERNELS = [
  "gemm_qkv",
  "gemm_o",
  "gemm_gate_up",
  "gemm_down",
  "attention_prefill",
  "attention_decode",
  "rmsnorm",
  "rope",
  "softmax_vocab",
  "allreduce",
] as const;

export type KernelName = (typeof KERNELS)[number];

/**
 * Shape keys per kernel, in the order they appear in case names. The C++ backends look keys up
 * by name, so this order only fixes the names; changing it would orphan recorded baselines.
 */
export const SHAPE_KEYS: Record<KernelName, readonly string[]> = {
  gemm_qkv: ["m", "n", "k"],
  gemm_o: ["m", "n", "k"],
  gemm_gate_up: ["m", "n", "k"],
  gemm_down: ["m", "n", "k"],
  attention_prefill: ["seq", "heads", "kv_heads", "head_dim"],
  attention_decode: ["batch", "ctx", "heads", "kv_heads", "head_dim"],
  rmsnorm: ["rows", "hidden"],
  rope: ["tokens", "heads", "head_dim"],
  softmax_vocab: ["batch", "vocab"],
  allreduce: ["bytes", "ranks"],
};

/** `<kernel>/<k=v,...>` with keys in the kernel's declared order. */
export function caseName(kernel: KernelName, shape: Record<string, number>): string {
  const keys = SHAPE_KEYS[kernel];
  const missing = keys.filter((k) => shape[k] === undefined);
  const extra = Object.keys(shape).filter((k) => !keys.includes(k));
  if (missing.length > 0 || extra.length > 0) {
    throw new InputError([
      {
        code: "kernel_case.shape",
        path: ["shape"],
        message: `shape of ${kernel} must have exactly the keys ${keys.join(", ")} (missing: ${missing.join(", ") || "none"}; extra: ${extra.join(", ") || "none"})`,
        hint: `give ${kernel} the keys ${keys.join(", ")}`,
      },
    ]);
  }
  return `${kernel}/${keys.map((k) => `${k}=${shape[k]}`).join(",")}`;
}

/** Builds a case with its shape keys in declared order and its canonical name. */
export function makeCase(kernel: KernelName, shape: Record<string, number>): KernelCase {
  const ordered: Record<string, number> = {};
  for (const k of SHAPE_KEYS[kernel]) ordered[k] = shape[k] as number;
  return { kernel, shape: ordered, name: caseName(kernel, shape) };
}

/**
 * Work of one case, the quantity `maxWork` caps: multiply-accumulates for GEMM and attention,
 * elements touched for the memory-bound kernels.
 */
export function caseWork(kernel: KernelName, s: Record<string, number>): number {
  const v = (k: string) => s[k] ?? 1;
  switch (kernel) {
    case "gemm_qkv":
    case "gemm_o":
    case "gemm_gate_up":
    case "gemm_down":
      return v("m") * v("n") * v("k");
    case "attention_prefill":
      // Causal: each query attends to half the sequence on average; QK^T and PV each.
      return v("seq") * v("seq") * v("heads") * v("head_dim");
    case "attention_decode":
      return 2 * v("batch") * v("ctx") * v("heads") * v("head_dim");
    case "rmsnorm":
      return v("rows") * v("hidden");
    case "rope":
      return v("tokens") * v("heads") * v("head_dim");
    case "softmax_vocab":
      return v("batch") * v("vocab");
    case "allreduce":
      return (v("bytes") / 2) * v("ranks");
  }
}

/**
 * Dimensions `maxWork` may shrink, per kernel. Structural dimensions stay (head_dim, the
 * heads-to-kv-heads grouping, the number of ranks) so a scaled case still exercises the same
 * code path as the full-size one.
 */
export const SCALABLE_KEYS: Record<KernelName, readonly string[]> = {
  gemm_qkv: ["m", "n", "k"],
  gemm_o: ["m", "n", "k"],
  gemm_gate_up: ["m", "n", "k"],
  gemm_down: ["m", "n", "k"],
  attention_prefill: ["seq"],
  attention_decode: ["ctx", "batch"],
  rmsnorm: ["rows", "hidden"],
  rope: ["tokens"],
  softmax_vocab: ["vocab", "batch"],
  allreduce: ["bytes"],
};
