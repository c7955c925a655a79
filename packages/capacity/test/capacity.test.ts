import {
  type CountryProfile,
  type GpuPool,
  loadProfileFile,
  type ModelSpec,
  shippedProfilePath,
} from "@sovereign/profile";
import { describe, expect, it } from "vitest";
import {
  deviceMemory,
  GPU_PRODUCTS,
  gpuProduct,
  kvBytesPerTokenPerGpu,
  paramCount,
  planProfile,
  sizeModel,
} from "../src/index.js";

/**
 * Published models, their config.json numbers, and hand calculations of what the planner must
 * print. Every expected figure below is worked out in the comment above it, from the model card
 * and the GPU table, not read back from the planner.
 */
const MIB = 1024 * 1024;
const GIB = 1024 ** 3;

// Llama-2-7B: multi-head attention (kvHeads = heads), untied embeddings.
const LLAMA2_7B = { hiddenSize: 4096, layers: 32, heads: 32, kvHeads: 32, intermediateSize: 11008, vocabSize: 32000, maxContext: 4096 };
// Llama-3.1-8B: grouped-query attention, 8 KV heads.
const LLAMA31_8B = { hiddenSize: 4096, layers: 32, heads: 32, kvHeads: 8, intermediateSize: 14336, vocabSize: 128256, maxContext: 131072 };
// Mixtral-8x7B: 8 experts per layer, 2 per token, GQA with 8 KV heads.
const MIXTRAL = {
  hiddenSize: 4096, layers: 32, heads: 32, kvHeads: 8, intermediateSize: 14336, vocabSize: 32000, maxContext: 32768,
  experts: { count: 8, perToken: 2, intermediateSize: 14336 },
};
// Qwen2.5-14B: GQA, bias on Q/K/V.
const QWEN25_14B = { hiddenSize: 5120, layers: 48, heads: 40, kvHeads: 8, intermediateSize: 13824, vocabSize: 152064, maxContext: 32768, attentionBias: true };
// Qwen2.5-1.5B: GQA with 2 KV heads, bias, tied embeddings.
const QWEN25_1_5B = {
  hiddenSize: 1536, layers: 28, heads: 12, kvHeads: 2, intermediateSize: 8960, vocabSize: 151936, maxContext: 32768,
  attentionBias: true, tiedEmbeddings: true,
};

const base = loadProfileFile(shippedProfilePath("th"));

function pool(gpu: string, sharing: GpuPool["sharing"] = { strategy: "none" }): GpuPool {
  return { name: "p", site: "bkk1", gpu, nodes: 1, gpusPerNode: 8, sharing, purpose: "inference" };
}

function model(architecture: ModelSpec["architecture"], tp: number, engine?: ModelSpec["engine"]): ModelSpec {
  return {
    ...base.spec.serving.models[0]!,
    name: "m",
    pool: "p",
    architecture,
    tensorParallel: tp,
    ...(engine ? { engine } : {}),
  };
}

function profileWith(p: GpuPool, m: ModelSpec): CountryProfile {
  const out = structuredClone(base);
  out.spec.gpuPools = [p];
  out.spec.serving.models = [m];
  return out;
}

const h100 = gpuProduct("H100-SXM5-80GB")!.memoryMiB * MIB; // 81559 MiB = 85,520,809,984 bytes

describe("parameter counts of published models (hand calculations)", () => {
  it("GIVEN Llama-2-7B WHEN counted THEN 6,738,415,616 parameters, all active", () => {
    // per layer: attention 4·4096² = 67,108,864; FFN 3·4096·11008 = 135,266,304; norms 8,192
    //   = 202,383,360; × 32 = 6,476,267,520; embeddings + head 2·32000·4096 = 262,144,000;
    //   final norm 4,096 → 6,738,415,616 (the published 6.74B).
    expect(paramCount(LLAMA2_7B)).toEqual({ total: 6_738_415_616, active: 6_738_415_616 });
  });

  it("GIVEN Llama-3.1-8B WHEN counted THEN 8,030,261,248 parameters", () => {
    // attention q 4096² + k,v 2·4096·1024 + o 4096² = 41,943,040; FFN 3·4096·14336 = 176,160,768;
    // norms 8,192 → 218,112,000 × 32 = 6,979,584,000; embeddings 2·128256·4096 = 1,050,673,152;
    // final norm 4,096 → 8,030,261,248.
    expect(paramCount(LLAMA31_8B).total).toBe(8_030_261_248);
  });

  it("GIVEN Mixtral-8x7B WHEN counted THEN 46,702,792,704 resident and 12,879,925,248 active", () => {
    // per layer: attention 41,943,040; 8 experts · 176,160,768 = 1,409,286,144; router 4096·8 =
    // 32,768; norms 8,192 → 1,451,270,144 × 32 = 46,440,644,608; + embeddings 262,144,000 + 4,096
    // → 46,702,792,704. Active: 2 experts (352,321,536) instead of 8 → 394,305,536 × 32 =
    // 12,617,777,152 + 262,148,096 = 12,879,925,248.
    expect(paramCount(MIXTRAL)).toEqual({ total: 46_702_792_704, active: 12_879_925_248 });
  });

  it("GIVEN Qwen2.5-14B with Q/K/V bias WHEN counted THEN 14,770,033,664 parameters", () => {
    // attention 26,214,400 + 10,485,760 + 26,214,400 + bias 5120+2·1024 = 62,921,728; FFN
    // 212,336,640; norms 10,240 → 275,268,608 × 48 = 13,212,893,184; embeddings 2·152064·5120 =
    // 1,557,135,360; final norm 5,120 → 14,770,033,664.
    expect(paramCount(QWEN25_14B).total).toBe(14_770_033_664);
  });

  it("GIVEN Qwen2.5-1.5B with tied embeddings WHEN counted THEN 1,543,714,304 parameters", () => {
    // attention 2,359,296 + 786,432 + 2,359,296 + bias 2,048 = 5,507,072; FFN 41,287,680; norms
    // 3,072 → 46,797,824 × 28 = 1,310,339,072; one embedding 151936·1536 = 233,373,696 + 1,536.
    expect(paramCount(QWEN25_1_5B).total).toBe(1_543_714_304);
  });
});

describe("KV cache per token per GPU", () => {
  it("GIVEN MHA Llama-2-7B at TP 1 WHEN sized THEN 2·32 layers·32 heads·128·2 bytes = 512 KiB", () => {
    expect(kvBytesPerTokenPerGpu(LLAMA2_7B, 1, 2)).toBe(524_288);
  });

  it("GIVEN GQA Llama-3.1-8B WHEN split over TP 1 and 2 THEN 128 KiB, then 64 KiB per GPU", () => {
    expect(kvBytesPerTokenPerGpu(LLAMA31_8B, 1, 2)).toBe(131_072);
    expect(kvBytesPerTokenPerGpu(LLAMA31_8B, 2, 2)).toBe(65_536);
  });

  it("GIVEN 2 KV heads at TP 4 WHEN sized THEN each rank holds one replicated head, not half of one", () => {
    // 2 · 28 layers · 1 head · 128 · 2 bytes = 14,336
    expect(kvBytesPerTokenPerGpu(QWEN25_1_5B, 4, 2)).toBe(14_336);
  });
});

describe("plans on real GPUs (hand calculations)", () => {
  it("GIVEN Llama-2-7B bf16 on one H100 80GB WHEN planned THEN 28 sequences of 4096 tokens fit", () => {
    // usable floor(85,520,809,984 · 0.9) = 76,968,728,985; weights 2 · 6,738,415,616 =
    // 13,476,831,232; overhead 2 GiB = 2,147,483,648 → KV budget 61,344,414,105;
    // one sequence 524,288 · 4096 = 2,147,483,648 → floor(28.57) = 28.
    const p = sizeModel(model(LLAMA2_7B, 1), pool("H100-SXM5-80GB"), h100, "H100");
    expect(p.weightBytesPerGpu).toBe(13_476_831_232);
    expect(p.kvBudgetBytesPerGpu).toBe(61_344_414_105);
    expect(p.kvBytesPerSequence).toBe(2_147_483_648);
    expect(p.maxConcurrentSequences).toBe(28);
  });

  it("GIVEN Llama-3.1-8B on an A100 40GB at maxModelLen 32768 WHEN planned THEN 4 sequences fit", () => {
    // usable 42,949,672,960 · 0.9 = 38,654,705,664; weights 16,060,522,496; overhead
    // 2,147,483,648 → 20,446,699,520; one sequence 131,072 · 32768 = 4 GiB → floor(4.76) = 4.
    const a100 = gpuProduct("A100-SXM4-40GB")!.memoryMiB * MIB;
    const p = sizeModel(model(LLAMA31_8B, 1, { maxModelLen: 32768 }), pool("A100-SXM4-40GB"), a100, "A100");
    expect(p.kvBudgetBytesPerGpu).toBe(20_446_699_520);
    expect(p.maxConcurrentSequences).toBe(4);
  });

  it("GIVEN MoE Mixtral-8x7B at TP 2 on H100 80GB WHEN planned THEN all experts are resident and 13 sequences fit", () => {
    // weights per GPU 2 · 46,702,792,704 / 2 = 46,702,792,704 (every expert, not the active 2);
    // budget 76,968,728,985 − 46,702,792,704 − 2,147,483,648 = 28,118,452,633; KV per token per
    // GPU 2·32·4·128·2 = 65,536; one sequence of 32768 = 2 GiB → floor(13.09) = 13.
    const p = sizeModel(model(MIXTRAL, 2), pool("H100-SXM5-80GB"), h100, "H100");
    expect(p.weightBytesPerGpu).toBe(46_702_792_704);
    expect(p.kvBudgetBytesPerGpu).toBe(28_118_452_633);
    expect(p.maxConcurrentSequences).toBe(13);
  });

  it("GIVEN a time-sliced L40S pool of 4 replicas WHEN planned THEN each pod may use 0.9 / 4 of the GPU", () => {
    // 46068 MiB = 48,305,799,168 bytes; · 0.225 = 10,868,804,812; Qwen2.5-1.5B weights
    // 3,087,428,608; overhead 2 GiB → budget 5,633,892,556; one sequence 28,672 · 32768 =
    // 939,524,096 → floor(5.99) = 5.
    const l40s = pool("L40S-48GB", { strategy: "time-slicing", replicas: 4 });
    const p = sizeModel(model(QWEN25_1_5B, 1), l40s, deviceMemoryBytes(l40s), "L40S");
    expect(p.effectiveUtilization).toBe(0.225);
    expect(p.weightBytesPerGpu).toBe(3_087_428_608);
    expect(p.kvBudgetBytesPerGpu).toBe(5_633_892_556);
    expect(p.maxConcurrentSequences).toBe(5);
  });

  it("GIVEN an image encoder WHEN planned THEN its weights come out of the KV budget on every rank", () => {
    const plain = sizeModel(model(LLAMA31_8B, 2, { maxModelLen: 8192 }), pool("H100-SXM5-80GB"), h100, "H100");
    const withImage = sizeModel(
      { ...model(LLAMA31_8B, 2, { maxModelLen: 8192 }), modalities: ["text", "image"], encoders: { image: { params: 675_000_000 } } },
      pool("H100-SXM5-80GB"),
      h100,
      "H100",
    );
    expect(withImage.encoderBytesPerGpu).toBe(1_350_000_000);
    expect(plain.kvBudgetBytesPerGpu - withImage.kvBudgetBytesPerGpu).toBe(1_350_000_000);
  });
});

function deviceMemoryBytes(p: GpuPool): number {
  const m = deviceMemory(p);
  if (!m.ok) throw new Error(m.reason);
  return m.bytes;
}

describe("device memory from the one GPU table", () => {
  it("GIVEN a MIG 3g.40gb profile on an A100 80GB WHEN sized THEN the slice is half the GPU", () => {
    expect(deviceMemoryBytes(pool("A100-SXM4-80GB", { strategy: "mig", migProfile: "all-3g.40gb" }))).toBe(40960 * MIB);
  });

  it("GIVEN a GPU the table lacks WHEN sized THEN the reason names the table, unless the pool gives its memory", () => {
    const unknown = deviceMemory(pool("MI300X-192GB"));
    expect(unknown.ok).toBe(false);
    expect(!unknown.ok && unknown.hint).toContain("gpuMemoryMiB");
    expect(deviceMemoryBytes({ ...pool("MI300X-192GB"), gpuMemoryMiB: 196_608 })).toBe(196_608 * MIB);
  });

  it("GIVEN the table WHEN read THEN names are unique and every MIG product's memory matches its name within 5%", () => {
    expect(new Set(GPU_PRODUCTS.map((g) => g.name)).size).toBe(GPU_PRODUCTS.length);
    for (const g of GPU_PRODUCTS.filter((x) => x.mig)) {
      const gb = (g.memoryMiB * MIB) / GIB;
      expect(Math.abs(gb - g.nominalGB) / g.nominalGB, g.name).toBeLessThan(0.05);
    }
  });
});

describe("where the GPU table's figures come from", () => {
  it("GIVEN the table WHEN read THEN every product names the page its memory size was read from, and MIG products cite NVIDIA's MIG guide", () => {
    for (const g of GPU_PRODUCTS) {
      expect(g.source, g.name).toMatch(/^https:\/\/\S+$/);
      if (g.mig) expect(g.source, g.name).toMatch(/^https:\/\/docs\.nvidia\.com\/datacenter\/tesla\/mig-user-guide\//);
      if (g.reportedSource !== undefined) expect(g.reportedSource, g.name).toMatch(/^https:\/\/\S+$/);
    }
  });

  it("GIVEN the L40S's recorded device memory (48305799168 bytes) WHEN converted THEN it is the table's MiB exactly", () => {
    const l40s = GPU_PRODUCTS.find((g) => g.name === "L40S-48GB")!;
    expect(l40s.reportedSource).toBeDefined();
    expect(48_305_799_168 / MIB).toBe(l40s.memoryMiB);
  });
});

describe("refusals and warnings", () => {
  it("GIVEN Mixtral-8x7B at TP 1 on one H100 WHEN the profile is planned THEN it is refused with the numbers and TP 2 as the fix", () => {
    const r = planProfile(profileWith(pool("H100-SXM5-80GB"), model(MIXTRAL, 1)));
    expect(r.errors).toHaveLength(1);
    const e = r.errors[0]!;
    expect(e.code).toBe("capacity.does_not_fit");
    expect(e.path).toEqual(["spec", "serving", "models", 0, "tensorParallel"]);
    // weights 93,405,585,408 bytes = 87.0 GiB against 71.7 GiB usable
    expect(e.message).toContain("weights 87.0 GiB");
    expect(e.message).toContain("79.6 GiB × 0.9 = 71.7 GiB");
    expect(e.hint).toBe("set tensorParallel: 2 (the smallest that holds one sequence on H100-SXM5-80GB)");
  });

  it("GIVEN a model too large for any TP on a MIG slice WHEN planned THEN the fix names a larger GPU", () => {
    const r = planProfile(
      profileWith(pool("A100-SXM4-80GB", { strategy: "mig", migProfile: "all-1g.10gb" }), model(LLAMA31_8B, 1, { maxModelLen: 8192 })),
    );
    expect(r.errors[0]!.hint).toBe(
      "place it on a pool of L4-24GB GPUs without sharing (the smallest that holds one sequence at tensorParallel 1)",
    );
  });

  it("GIVEN TP 2 on a MIG pool WHEN planned THEN it is refused: ranks cannot talk across MIG slices", () => {
    const r = planProfile(profileWith(pool("A100-SXM4-80GB", { strategy: "mig", migProfile: "all-3g.40gb" }), model(LLAMA2_7B, 2)));
    expect(r.errors.map((e) => e.code)).toEqual(["capacity.mig_tensor_parallel"]);
  });

  it("GIVEN fewer sequences fit than minConcurrency WHEN planned THEN a warning names the TP that reaches it", () => {
    // Llama-3.1-8B on A100 40GB at 32768 holds 4 (above); asking for 8 warns and proposes TP 2:
    // weights halve to 8,030,261,248 and KV per token to 65,536 → floor(13.26) = 13 sequences.
    const r = planProfile(
      profileWith(pool("A100-SXM4-40GB"), model(LLAMA31_8B, 1, { maxModelLen: 32768, minConcurrency: 8 })),
    );
    expect(r.errors).toEqual([]);
    expect(r.warnings.map((w) => w.code)).toEqual(["capacity.low_concurrency"]);
    expect(r.warnings[0]!.hint).toContain("set tensorParallel: 2 (the smallest that holds 8 sequences");
  });

  it("GIVEN every shipped profile WHEN planned THEN no model is refused", () => {
    for (const cc of ["kr", "th", "sa"]) {
      expect(planProfile(loadProfileFile(shippedProfilePath(cc))).errors, cc).toEqual([]);
    }
  });
});
