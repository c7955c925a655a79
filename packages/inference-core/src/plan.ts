import { InputError, type Issue } from "@sovereign/diagnostics";
import type { Architecture } from "@sovereign/profile";
import {
  caseWork,
  KERNELS,
  type KernelCase,
  type KernelName,
  makeCase,
  SCALABLE_KEYS,
} from "./kernel-case.js";

/** Knobs of the planner. Every default is what a rollout gate on the target GPU pool runs. */
export interface PlanOptions {
  /**
   * Tokens per forward pass in decode (the batch of sequences each generating one token).
   * @default [1, 8, 32] — single-stream latency, a light and a busy continuous batch.
   */
  decodeTokens?: readonly number[];
  /**
   * Tokens per forward pass in prefill (prompt processing). Values above the model's
   * `maxContext` are dropped; if all are, `maxContext` itself is used.
   * @default [512, 2048] — a short chat prompt and a long document chunk.
   */
  prefillTokens?: readonly number[];
  /**
   * Upper bound on the KV-cache length of the decode-attention cases; the model's `maxContext`
   * is used when it is smaller. Decode attention time grows linearly with context, so beyond
   * 32k tokens a longer cache adds runtime to every rollout without revealing another code path.
   * The suite's fp32 cache is 2 · batch · ctx · kvHeads/tp · headDim · 4 bytes: at most 8 GiB for
   * the shipped models at batch 32 × 32k, which fits any serving GPU or 40 GB MIG slice.
   * @default 32768
   */
  decodeContextCap?: number;
  /**
   * Upper bound on the sequence length of the prefill-attention cases (each prefill token count
   * up to this bound is measured). Prefill attention is quadratic in the sequence; 4096 covers
   * both default prefill sizes while keeping one case well under a second on a GPU.
   * @default 4096
   */
  prefillSequenceCap?: number;
  /**
   * Cap on each case's work (multiply-accumulates for GEMM and attention, elements touched
   * otherwise). Cases above it are shrunk by halving their largest scalable dimension, and keep
   * the full shape in `scaledFrom`. For CPU runs in CI only: a gate on a GPU measures full size.
   * @default undefined — no scaling.
   */
  maxWork?: number;
  /**
   * Only plan these kernels (e.g. a quick CPU run of the memory-bound kernels).
   * @default every kernel in `KERNELS`.
   */
  kernels?: readonly KernelName[];
}

/** Per-GPU numbers derived from the architecture and the tensor-parallel degree. */
export interface ShardedArchitecture {
  hidden: number;
  headDim: number;
  /** Query heads on one GPU. */
  heads: number;
  /**
   * KV heads on one GPU. When there are fewer KV heads than GPUs each GPU holds one replica
   * (the usual tensor-parallel treatment of grouped-query attention).
   */
  kvHeads: number;
  /** Intermediate (MLP) width on one GPU. */
  intermediate: number;
  vocab: number;
  maxContext: number;
  tensorParallel: number;
}

/**
 * Splits the architecture across `tensorParallel` GPUs. Reports every divisibility problem at
 * once, naming the field, its value and a fix.
 */
export function shardArchitecture(arch: Architecture, tensorParallel: number): ShardedArchitecture {
  const issues: Issue[] = [];
  const bad = (path: string, message: string, hint: string) =>
    issues.push({ code: "plan.tensor_parallel", path: ["architecture", path], message, hint });
  const tp = tensorParallel;
  if (!Number.isInteger(tp) || tp < 1) {
    throw new InputError([
      {
        code: "plan.tensor_parallel",
        path: ["tensorParallel"],
        message: `tensorParallel must be a positive integer, got ${tp}`,
        hint: "use 1 for a single GPU, or the number of GPUs one replica spans",
      },
    ]);
  }
  const headDim = arch.headDim ?? arch.hiddenSize / arch.heads;
  if (!Number.isInteger(headDim)) {
    bad(
      "headDim",
      `hiddenSize ${arch.hiddenSize} is not divisible by heads ${arch.heads}, so headDim cannot be derived`,
      "set architecture.headDim to the model's published head dimension",
    );
  }
  if (arch.heads % tp !== 0) {
    bad(
      "heads",
      `heads ${arch.heads} is not divisible by tensorParallel ${tp}`,
      `choose a tensorParallel that divides ${arch.heads}`,
    );
  }
  if (arch.heads % arch.kvHeads !== 0) {
    bad(
      "kvHeads",
      `heads ${arch.heads} is not a multiple of kvHeads ${arch.kvHeads}`,
      "check the model's num_key_value_heads",
    );
  }
  if (arch.kvHeads % tp !== 0 && tp % arch.kvHeads !== 0) {
    bad(
      "kvHeads",
      `kvHeads ${arch.kvHeads} and tensorParallel ${tp} do not divide one another, so KV heads cannot be split or replicated evenly`,
      `choose a tensorParallel that divides ${arch.kvHeads} or is a multiple of it`,
    );
  }
  if (arch.intermediateSize % tp !== 0) {
    bad(
      "intermediateSize",
      `intermediateSize ${arch.intermediateSize} is not divisible by tensorParallel ${tp}`,
      `choose a tensorParallel that divides ${arch.intermediateSize}`,
    );
  }
  if (issues.length > 0) throw new InputError(issues);
  return {
    hidden: arch.hiddenSize,
    headDim,
    heads: arch.heads / tp,
    kvHeads: Math.max(1, arch.kvHeads / tp),
    intermediate: arch.intermediateSize / tp,
    vocab: arch.vocabSize,
    maxContext: arch.maxContext,
    tensorParallel: tp,
  };
}

function checkCounts(name: string, values: readonly number[]): void {
  const bad = values.filter((v) => !Number.isInteger(v) || v < 1);
  if (values.length === 0 || bad.length > 0) {
    throw new InputError([
      {
        code: "plan.option",
        path: [name],
        message: `${name} must be a non-empty list of positive integers, got [${values.join(", ")}]`,
        hint: `e.g. ${name === "decodeTokens" ? "[1, 8, 32]" : "[512, 2048]"}`,
      },
    ]);
  }
}

/**
 * Turns a model's architecture and tensor-parallel degree into the kernel-suite cases: the exact
 * per-GPU shapes one replica runs in decode and prefill. The case list is deterministic (same
 * input → same names in the same order), which the gate relies on to pair baseline and candidate.
 */
export function planKernelCases(
  arch: Architecture,
  tensorParallel: number,
  opts: PlanOptions = {},
): KernelCase[] {
  const a = shardArchitecture(arch, tensorParallel);
  const decodeWanted = [...(opts.decodeTokens ?? [1, 8, 32])];
  checkCounts("decodeTokens", decodeWanted);
  const decode = unique(decodeWanted);
  const prefillWanted = [...(opts.prefillTokens ?? [512, 2048])];
  checkCounts("prefillTokens", prefillWanted);
  const prefill = prefillWanted.filter((m) => m <= a.maxContext);
  if (prefill.length === 0) prefill.push(a.maxContext);
  const decodeCtx = Math.min(a.maxContext, opts.decodeContextCap ?? 32768);
  const prefillSeqCap = Math.min(a.maxContext, opts.prefillSequenceCap ?? 4096);
  const tokens = unique([...decode, ...prefill]);
  const { hidden, headDim } = a;

  const cases: KernelCase[] = [];
  const add = (kernel: KernelName, shape: Record<string, number>) => cases.push(makeCase(kernel, shape));

  for (const m of tokens) {
    add("gemm_qkv", { m, n: (a.heads + 2 * a.kvHeads) * headDim, k: hidden });
  }
  for (const m of tokens) add("gemm_o", { m, n: hidden, k: a.heads * headDim });
  for (const m of tokens) add("gemm_gate_up", { m, n: 2 * a.intermediate, k: hidden });
  for (const m of tokens) add("gemm_down", { m, n: hidden, k: a.intermediate });
  for (const seq of unique(prefill.map((m) => Math.min(m, prefillSeqCap)))) {
    add("attention_prefill", { seq, heads: a.heads, kv_heads: a.kvHeads, head_dim: headDim });
  }
  for (const batch of decode) {
    add("attention_decode", {
      batch,
      ctx: decodeCtx,
      heads: a.heads,
      kv_heads: a.kvHeads,
      head_dim: headDim,
    });
  }
  for (const rows of tokens) add("rmsnorm", { rows, hidden });
  for (const t of tokens) add("rope", { tokens: t, heads: a.heads, head_dim: headDim });
  for (const batch of decode) add("softmax_vocab", { batch, vocab: a.vocab });
  if (a.tensorParallel > 1) {
    // bf16 activations after the O and down projections: m × hidden × 2 bytes per all-reduce.
    for (const m of tokens) add("allreduce", { bytes: m * hidden * 2, ranks: a.tensorParallel });
  }

  const only = opts.kernels ? new Set(opts.kernels) : undefined;
  if (only) {
    const unknown = [...only].filter((k) => !(KERNELS as readonly string[]).includes(k));
    if (unknown.length > 0) {
      throw new InputError([
        {
          code: "plan.option",
          path: ["kernels"],
          message: `unknown kernel(s) ${unknown.join(", ")}`,
          hint: `choose from ${KERNELS.join(", ")}`,
        },
      ]);
    }
  }
  const selected = only ? cases.filter((c) => only.has(c.kernel)) : cases;
  return opts.maxWork === undefined ? selected : scaleCases(selected, opts.maxWork);
}

/**
 * Shrinks every case whose work exceeds `maxWork` (see `PlanOptions.maxWork`) and drops cases
 * that collapse onto the same scaled shape as an earlier one, so names stay unique.
 */
export function scaleCases(cases: readonly KernelCase[], maxWork: number): KernelCase[] {
  if (!(maxWork >= 1)) {
    throw new InputError([
      {
        code: "plan.option",
        path: ["maxWork"],
        message: `maxWork must be at least 1, got ${maxWork}`,
        hint: "e.g. 4000000 for a CI run that finishes in seconds",
      },
    ]);
  }
  const out: KernelCase[] = [];
  const seen = new Set<string>();
  for (const c of cases) {
    const shape = { ...c.shape };
    const keys = SCALABLE_KEYS[c.kernel];
    while (caseWork(c.kernel, shape) > maxWork) {
      // Halve the largest scalable dimension (first in declared order on ties).
      let best: string | undefined;
      for (const k of keys)
        if ((shape[k] ?? 0) > 1 && (best === undefined || shape[k]! > shape[best]!)) best = k;
      if (best === undefined) break;
      // all-reduce payloads stay whole bf16 elements.
      shape[best] =
        best === "bytes" ? Math.max(2, Math.ceil(shape[best]! / 4) * 2) : Math.ceil(shape[best]! / 2);
      if (best === "bytes" && shape[best] === 2) break;
    }
    const scaled = makeCase(c.kernel, shape);
    if (scaled.name !== c.name) scaled.scaledFrom = { ...(c.scaledFrom ?? c.shape) };
    if (seen.has(scaled.name)) continue;
    seen.add(scaled.name);
    out.push(scaled);
  }
  return out;
}

function unique(xs: readonly number[]): number[] {
  return [...new Set(xs)];
}
