import type { DocPath, Issue } from "@sovereign/diagnostics";
import type { CountryProfile, GpuPool, ModelSpec } from "@sovereign/profile";
import { deviceMemory, GPU_PRODUCTS } from "./gpus.js";
import {
  DTYPE_BYTES,
  type EngineSettings,
  engineSettings,
  kvBytesPerTokenPerGpu,
  type ParamCount,
  paramCount,
} from "./model-size.js";

const GIB = 1024 ** 3;

/** The capacity of one model on its pool: every figure per GPU (tensor-parallel rank). */
export interface ModelPlan {
  model: string;
  pool: string;
  /** The device one rank runs on (GPU, or MIG slice). */
  device: string;
  deviceBytes: number;
  tensorParallel: number;
  settings: EngineSettings;
  /** Utilization passed to the engine: the setting, divided by the time-slicing replicas. */
  effectiveUtilization: number;
  params: ParamCount;
  encoderParams: number;
  weightBytesPerGpu: number;
  encoderBytesPerGpu: number;
  overheadBytesPerGpu: number;
  kvBytesPerTokenPerGpu: number;
  /** Device memory × effective utilization − weights − encoders − overhead (may be negative). */
  kvBudgetBytesPerGpu: number;
  /** KV cache of one sequence of maxModelLen tokens. */
  kvBytesPerSequence: number;
  /** Sequences of maxModelLen tokens the KV budget holds at once. */
  maxConcurrentSequences: number;
}

/** The plan of every model, plus what refuses a placement (errors) or should be looked at (warnings). */
export interface CapacityReport {
  plans: ModelPlan[];
  errors: Issue[];
  warnings: Issue[];
}

/** Utilization one pod may claim: time-sliced pods share a GPU's memory equally. */
export function effectiveUtilization(pool: GpuPool, utilization: number): number {
  const share = pool.sharing.strategy === "time-slicing" ? (pool.sharing.replicas ?? 1) : 1;
  return Math.floor((utilization / share) * 1000) / 1000;
}

/** Sizes one model at a given TP and device; pure arithmetic, no checks. */
export function sizeModel(
  model: ModelSpec,
  pool: GpuPool,
  deviceBytes: number,
  device: string,
  tp = model.tensorParallel,
): ModelPlan {
  const settings = engineSettings(model);
  const bytes = DTYPE_BYTES[settings.dtype];
  const kvBytes = settings.kvCacheDtype === "fp8" ? 1 : bytes;
  const params = paramCount(model.architecture);
  // Encoders are counted whole on every rank: an upper bound, since engines shard some of them.
  const encoderParams = (model.encoders?.image?.params ?? 0) + (model.encoders?.audio?.params ?? 0);
  const util = effectiveUtilization(pool, settings.gpuMemoryUtilization);
  const weightBytesPerGpu = Math.ceil((params.total * bytes) / tp);
  const encoderBytesPerGpu = encoderParams * bytes;
  const overheadBytesPerGpu = Math.round(settings.overheadGiB * GIB);
  const kvPerToken = kvBytesPerTokenPerGpu(model.architecture, tp, kvBytes);
  const kvBudget = Math.floor(deviceBytes * util) - weightBytesPerGpu - encoderBytesPerGpu - overheadBytesPerGpu;
  const perSequence = kvPerToken * settings.maxModelLen;
  return {
    model: model.name,
    pool: pool.name,
    device,
    deviceBytes,
    tensorParallel: tp,
    settings,
    effectiveUtilization: util,
    params,
    encoderParams,
    weightBytesPerGpu,
    encoderBytesPerGpu,
    overheadBytesPerGpu,
    kvBytesPerTokenPerGpu: kvPerToken,
    kvBudgetBytesPerGpu: kvBudget,
    kvBytesPerSequence: perSequence,
    maxConcurrentSequences: kvBudget > 0 ? Math.floor(kvBudget / perSequence) : 0,
  };
}

/** Tensor-parallel degrees the engine accepts for the model on the pool, smallest first. */
export function legalTensorParallel(model: ModelSpec, pool: GpuPool): number[] {
  const a = model.architecture;
  if (pool.sharing.strategy === "mig") return [1];
  return [1, 2, 4, 8, 16].filter(
    (tp) =>
      tp <= pool.gpusPerNode && a.heads % tp === 0 && (a.kvHeads % tp === 0 || tp % a.kvHeads === 0),
  );
}

const gib = (b: number) => `${(b / GIB).toFixed(1)} GiB`;

/**
 * The smallest change that makes `need` sequences fit: a larger TP on the same pool, else a larger
 * GPU from the table at the same TP, else a shorter maxModelLen.
 */
export function fitHint(model: ModelSpec, pool: GpuPool, plan: ModelPlan, need = 1): string {
  const what = need === 1 ? "one sequence" : `${need} sequences`;
  const tp = legalTensorParallel(model, pool).find(
    (t) => t > plan.tensorParallel && sizeModel(model, pool, plan.deviceBytes, plan.device, t).maxConcurrentSequences >= need,
  );
  if (tp !== undefined) return `set tensorParallel: ${tp} (the smallest that holds ${what} on ${plan.device})`;
  const gpu = [...GPU_PRODUCTS]
    .sort((x, y) => x.memoryMiB - y.memoryMiB)
    .find((g) => {
      const p = { ...pool, gpu: g.name, gpuMemoryMiB: undefined, sharing: { strategy: "none" as const } };
      return sizeModel(model, p, g.memoryMiB * 1024 * 1024, g.name).maxConcurrentSequences >= need;
    });
  if (gpu) return `place it on a pool of ${gpu.name} GPUs without sharing (the smallest that holds ${what} at tensorParallel ${plan.tensorParallel})`;
  const tokens = Math.floor(Math.max(0, plan.kvBudgetBytesPerGpu) / need / plan.kvBytesPerTokenPerGpu / 16) * 16;
  return tokens >= 16
    ? `lower engine.maxModelLen to at most ${tokens}`
    : "no listed GPU holds the weights at this tensorParallel: quantize the weights or use a larger pool";
}

function checkModel(profile: CountryProfile, model: ModelSpec, index: number, out: CapacityReport): void {
  const path: DocPath = ["spec", "serving", "models", index];
  const pool = profile.spec.gpuPools.find((p) => p.name === model.pool);
  if (!pool) return; // an unknown pool is the profile's own reference error
  const mem = deviceMemory(pool);
  if (!mem.ok) {
    out.errors.push({ code: "capacity.gpu_unknown", path: [...path, "pool"], message: `model ${model.name}: ${mem.reason}`, hint: mem.hint });
    return;
  }
  if (pool.sharing.strategy === "mig" && model.tensorParallel > 1) {
    out.errors.push({
      code: "capacity.mig_tensor_parallel",
      path: [...path, "tensorParallel"],
      message: `model ${model.name}: tensorParallel ${model.tensorParallel} on MIG pool ${pool.name}; ranks cannot communicate across MIG slices`,
      hint: "use tensorParallel: 1 on a MIG pool, or a pool without MIG",
    });
    return;
  }
  const plan = sizeModel(model, pool, mem.bytes, mem.device);
  out.plans.push(plan);
  if (plan.maxConcurrentSequences < 1) {
    out.errors.push({
      code: "capacity.does_not_fit",
      path: [...path, "tensorParallel"],
      message:
        `model ${model.name} cannot hold one sequence of ${plan.settings.maxModelLen} tokens on ${plan.device} at tensorParallel ${plan.tensorParallel}: ` +
        `${gib(plan.deviceBytes)} × ${plan.effectiveUtilization} = ${gib(plan.deviceBytes * plan.effectiveUtilization)} per GPU, ` +
        `weights ${gib(plan.weightBytesPerGpu)}, encoders ${gib(plan.encoderBytesPerGpu)}, overhead ${gib(plan.overheadBytesPerGpu)}, ` +
        `KV budget ${gib(plan.kvBudgetBytesPerGpu)} < ${gib(plan.kvBytesPerSequence)} for one sequence`,
      hint: fitHint(model, pool, plan, 1),
    });
  } else if (plan.maxConcurrentSequences < plan.settings.minConcurrency) {
    out.warnings.push({
      code: "capacity.low_concurrency",
      path: [...path, "tensorParallel"],
      message: `model ${model.name}: only ${plan.maxConcurrentSequences} sequence(s) of ${plan.settings.maxModelLen} tokens fit per replica (minConcurrency ${plan.settings.minConcurrency})`,
      hint: `${fitHint(model, pool, plan, plan.settings.minConcurrency)}, or lower engine.minConcurrency`,
    });
  }
}

/** Plans every served model of a profile. Errors refuse the profile (exit 2); warnings do not. */
export function planProfile(profile: CountryProfile): CapacityReport {
  const out: CapacityReport = { plans: [], errors: [], warnings: [] };
  profile.spec.serving.models.forEach((m, i) => checkModel(profile, m, i, out));
  return out;
}
