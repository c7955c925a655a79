import { readdirSync } from "node:fs";
import { join } from "node:path";
import { InputError } from "@sovereign/diagnostics";
import {
  type Architecture,
  type CountryProfile,
  countriesDir,
  loadProfileFile,
  shippedProfilePath,
} from "@sovereign/profile";
import { describe, expect, it } from "vitest";
import {
  casesJson,
  caseWork,
  type KernelCase,
  parseCasesJson,
  planKernelCases,
  SHAPE_KEYS,
} from "../src/index.js";

function model(cc: string, name: string) {
  const profile: CountryProfile = loadProfileFile(shippedProfilePath(cc));
  const m = profile.spec.serving.models.find((x) => x.name === name);
  if (!m) throw new Error(`${cc} ships no model ${name}`);
  return m;
}

function byName(cases: KernelCase[]): Map<string, KernelCase> {
  return new Map(cases.map((c) => [c.name, c]));
}

function shapesOf(cases: KernelCase[], kernel: string) {
  return cases.filter((c) => c.kernel === kernel).map((c) => c.shape);
}

describe("planKernelCases on the shipped models", () => {
  it("GIVEN r1-distill-qwen-14b at tp=2 (kr) WHEN planned THEN the projections are the per-GPU split", () => {
    const m = model("kr", "r1-distill-qwen-14b");
    expect(m.tensorParallel).toBe(2);
    const cases = planKernelCases(m.architecture, m.tensorParallel);
    // QKV: (40 + 2·8) heads · 128 / 2 = 3584 outputs over k = 5120
    expect(shapesOf(cases, "gemm_qkv")).toEqual(
      [1, 8, 32, 512, 2048].map((mm) => ({ m: mm, n: 3584, k: 5120 })),
    );
    // O: 40·128/2 = 2560 inputs back to 5120
    expect(shapesOf(cases, "gemm_o")[0]).toEqual({ m: 1, n: 5120, k: 2560 });
    // gate+up: 2·13824/2 = 13824; down: 13824/2 = 6912 inputs
    expect(shapesOf(cases, "gemm_gate_up")[0]).toEqual({ m: 1, n: 13824, k: 5120 });
    expect(shapesOf(cases, "gemm_down")[0]).toEqual({ m: 1, n: 5120, k: 6912 });
    expect(byName(cases).has("gemm_qkv/m=1,n=3584,k=5120")).toBe(true);
  });

  it("GIVEN r1-distill-qwen-14b at tp=2 WHEN planned THEN attention uses 20 query and 4 KV heads per GPU at 32k context", () => {
    const m = model("th", "r1-distill-qwen-14b");
    const cases = planKernelCases(m.architecture, m.tensorParallel);
    expect(shapesOf(cases, "attention_decode")).toEqual([
      { batch: 1, ctx: 32768, heads: 20, kv_heads: 4, head_dim: 128 },
      { batch: 8, ctx: 32768, heads: 20, kv_heads: 4, head_dim: 128 },
      { batch: 32, ctx: 32768, heads: 20, kv_heads: 4, head_dim: 128 },
    ]);
    expect(shapesOf(cases, "attention_prefill")).toEqual([
      { seq: 512, heads: 20, kv_heads: 4, head_dim: 128 },
      { seq: 2048, heads: 20, kv_heads: 4, head_dim: 128 },
    ]);
    expect(shapesOf(cases, "rope")[0]).toEqual({ tokens: 1, heads: 20, head_dim: 128 });
    expect(shapesOf(cases, "rmsnorm").map((s) => s.hidden)).toEqual([5120, 5120, 5120, 5120, 5120]);
    expect(shapesOf(cases, "softmax_vocab")).toEqual([1, 8, 32].map((b) => ({ batch: b, vocab: 152064 })));
  });

  it("GIVEN tp=2 WHEN planned THEN one all-reduce per token count of m × hidden × 2 bytes over 2 ranks", () => {
    const m = model("sa", "r1-distill-qwen-14b");
    const cases = planKernelCases(m.architecture, m.tensorParallel);
    expect(shapesOf(cases, "allreduce")).toEqual([
      { bytes: 10240, ranks: 2 }, // 1 · 5120 · 2
      { bytes: 81920, ranks: 2 }, // 8 · 5120 · 2
      { bytes: 327680, ranks: 2 }, // 32 · 5120 · 2
      { bytes: 5242880, ranks: 2 }, // 512 · 5120 · 2
      { bytes: 20971520, ranks: 2 }, // 2048 · 5120 · 2
    ]);
  });

  it("GIVEN a tp=1 model (exaone35-7-8b in kr) WHEN planned THEN full-width projections and no all-reduce", () => {
    const m = model("kr", "exaone35-7-8b");
    expect(m.tensorParallel).toBe(1);
    const cases = planKernelCases(m.architecture, 1);
    // (32 + 2·8) · 128 = 6144; gate+up 2·14336 = 28672
    expect(shapesOf(cases, "gemm_qkv")[0]).toEqual({ m: 1, n: 6144, k: 4096 });
    expect(shapesOf(cases, "gemm_gate_up")[0]).toEqual({ m: 1, n: 28672, k: 4096 });
    expect(shapesOf(cases, "gemm_down")[0]).toEqual({ m: 1, n: 4096, k: 14336 });
    expect(cases.some((c) => c.kernel === "allreduce")).toBe(false);
  });

  it("GIVEN the 1.5B model with 2 KV heads at tp=2 (sa) WHEN planned THEN each GPU holds 6 query heads and 1 KV head", () => {
    const profile = loadProfileFile(shippedProfilePath("sa"));
    const m = profile.spec.serving.models.find(
      (x) => x.architecture.hiddenSize === 1536 && x.tensorParallel === 2,
    );
    expect(m).toBeDefined();
    const cases = planKernelCases(m!.architecture, 2);
    // (12 + 2·2) · 128 / 2 = 1024; down k = 8960 / 2 = 4480
    expect(shapesOf(cases, "gemm_qkv")[0]).toEqual({ m: 1, n: 1024, k: 1536 });
    expect(shapesOf(cases, "gemm_down")[0]).toEqual({ m: 1, n: 1536, k: 4480 });
    expect(shapesOf(cases, "attention_decode")[0]).toMatchObject({ heads: 6, kv_heads: 1, head_dim: 128 });
    expect(shapesOf(cases, "allreduce")[0]).toEqual({ bytes: 3072, ranks: 2 });
  });

  it("GIVEN a model with maxContext 4096 (sa) WHEN planned THEN decode attention runs at 4096, not the 32k cap", () => {
    const profile = loadProfileFile(shippedProfilePath("sa"));
    const m = profile.spec.serving.models.find((x) => x.architecture.maxContext === 4096);
    expect(m).toBeDefined();
    const cases = planKernelCases(m!.architecture, m!.tensorParallel);
    expect(new Set(shapesOf(cases, "attention_decode").map((s) => s.ctx))).toEqual(new Set([4096]));
    // 32 query heads over 32 KV heads: (32 + 64) · 128 = 12288
    expect(shapesOf(cases, "gemm_qkv")[0]).toEqual({ m: 1, n: 12288, k: 4096 });
  });

  const profiles = readdirSync(countriesDir()).filter((f) => f.endsWith(".yaml"));
  it.each(profiles)(
    "GIVEN every model in %s WHEN planned THEN names are unique, canonical and all-reduce appears iff tp > 1",
    (f) => {
      const profile = loadProfileFile(join(countriesDir(), f));
      expect(profile.spec.serving.models.length).toBeGreaterThan(0);
      for (const m of profile.spec.serving.models) {
        const cases = planKernelCases(m.architecture, m.tensorParallel);
        expect(new Set(cases.map((c) => c.name)).size).toBe(cases.length);
        for (const c of cases) {
          expect(Object.keys(c.shape)).toEqual(SHAPE_KEYS[c.kernel]);
          expect(c.name).toBe(
            `${c.kernel}/${Object.entries(c.shape)
              .map(([k, v]) => `${k}=${v}`)
              .join(",")}`,
          );
          expect(c.scaledFrom).toBeUndefined();
        }
        expect(cases.some((c) => c.kernel === "allreduce")).toBe(m.tensorParallel > 1);
        const hd = m.architecture.headDim ?? m.architecture.hiddenSize / m.architecture.heads;
        const qkv = shapesOf(cases, "gemm_qkv")[0]!;
        expect(qkv.n! * m.tensorParallel).toBe((m.architecture.heads + 2 * m.architecture.kvHeads) * hd);
      }
    },
  );
});

const small: Architecture = {
  hiddenSize: 2048,
  layers: 24,
  heads: 16,
  kvHeads: 4,
  intermediateSize: 5632,
  vocabSize: 32000,
  maxContext: 1024,
};

describe("planKernelCases caps and options", () => {
  it("GIVEN maxContext 1024 WHEN planned THEN the 2048 prefill is dropped and decode context is 1024", () => {
    const cases = planKernelCases(small, 1);
    expect(shapesOf(cases, "gemm_qkv").map((s) => s.m)).toEqual([1, 8, 32, 512]);
    expect(shapesOf(cases, "attention_prefill").map((s) => s.seq)).toEqual([512]);
    expect(shapesOf(cases, "attention_decode").map((s) => s.ctx)).toEqual([1024, 1024, 1024]);
  });

  it("GIVEN maxContext below every prefill size WHEN planned THEN prefill runs at maxContext itself", () => {
    const cases = planKernelCases({ ...small, maxContext: 256 }, 1);
    expect(shapesOf(cases, "attention_prefill").map((s) => s.seq)).toEqual([256]);
    expect(shapesOf(cases, "rmsnorm").map((s) => s.rows)).toEqual([1, 8, 32, 256]);
  });

  it("GIVEN decodeContextCap and prefillSequenceCap WHEN planned THEN attention shapes are capped", () => {
    const cases = planKernelCases({ ...small, maxContext: 131072 }, 2, {
      decodeContextCap: 8192,
      prefillSequenceCap: 1024,
      prefillTokens: [512, 4096],
    });
    expect(shapesOf(cases, "attention_decode").map((s) => s.ctx)).toEqual([8192, 8192, 8192]);
    expect(shapesOf(cases, "attention_prefill").map((s) => s.seq)).toEqual([512, 1024]);
    // GEMMs still run at the uncapped prefill token count
    expect(shapesOf(cases, "gemm_o").map((s) => s.m)).toEqual([1, 8, 32, 512, 4096]);
  });

  it("GIVEN fewer KV heads than GPUs WHEN planned THEN each GPU holds one replicated KV head", () => {
    const cases = planKernelCases(small, 8);
    // 16/8 = 2 query heads, 4 KV heads over 8 GPUs → 1 each: (2 + 2·1) · 128 = 512
    expect(shapesOf(cases, "gemm_qkv")[0]).toEqual({ m: 1, n: 512, k: 2048 });
    expect(shapesOf(cases, "attention_decode")[0]).toMatchObject({ heads: 2, kv_heads: 1 });
    expect(shapesOf(cases, "allreduce")[0]).toEqual({ bytes: 4096, ranks: 8 });
  });

  it("GIVEN an explicit headDim WHEN planned THEN it is used instead of hidden / heads", () => {
    const cases = planKernelCases({ ...small, headDim: 256 }, 1);
    expect(shapesOf(cases, "gemm_qkv")[0]).toEqual({ m: 1, n: (16 + 8) * 256, k: 2048 });
    expect(shapesOf(cases, "gemm_o")[0]).toEqual({ m: 1, n: 2048, k: 16 * 256 });
  });

  it("GIVEN a kernels filter WHEN planned THEN only those kernels are listed", () => {
    const cases = planKernelCases(small, 2, { kernels: ["rmsnorm", "allreduce"] });
    expect(new Set(cases.map((c) => c.kernel))).toEqual(new Set(["rmsnorm", "allreduce"]));
  });

  it("GIVEN a tp that does not divide the heads WHEN planned THEN InputError names every field and a fix", () => {
    let err: unknown;
    try {
      planKernelCases({ ...small, intermediateSize: 5633 }, 3);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InputError);
    const issues = (err as InputError).issues;
    expect(issues.map((i) => i.path.join("."))).toEqual([
      "architecture.heads",
      "architecture.kvHeads",
      "architecture.intermediateSize",
    ]);
    expect(issues[0]!.message).toBe("heads 16 is not divisible by tensorParallel 3");
    expect(issues[0]!.hint).toContain("divides 16");
  });

  it("GIVEN tp 0 or an empty token list WHEN planned THEN InputError", () => {
    expect(() => planKernelCases(small, 0)).toThrow(/tensorParallel must be a positive integer, got 0/);
    expect(() => planKernelCases(small, 1, { decodeTokens: [] })).toThrow(InputError);
    expect(() => planKernelCases(small, 1, { prefillTokens: [512, 0.5] })).toThrow(/positive integers/);
    expect(() => planKernelCases(small, 1, { kernels: ["gemm_fused" as never] })).toThrow(/unknown kernel/);
  });
});

describe("scaling for CPU runs", () => {
  it("GIVEN maxWork WHEN planned THEN every case fits, keeps its full shape in scaledFrom and names stay unique", () => {
    const m = model("kr", "r1-distill-qwen-14b");
    const full = planKernelCases(m.architecture, 2);
    const maxWork = 4_000_000;
    const scaled = planKernelCases(m.architecture, 2, { maxWork });
    expect(new Set(scaled.map((c) => c.name)).size).toBe(scaled.length);
    const fullNames = new Set(full.map((c) => c.name));
    for (const c of scaled) {
      expect(caseWork(c.kernel, c.shape)).toBeLessThanOrEqual(maxWork);
      if (c.scaledFrom) {
        expect(fullNames.has(c.name)).toBe(false);
        expect(
          fullNames.has(
            `${c.kernel}/${Object.entries(c.scaledFrom)
              .map(([k, v]) => `${k}=${v}`)
              .join(",")}`,
          ),
        ).toBe(true);
      } else {
        expect(fullNames.has(c.name)).toBe(true);
      }
    }
    // structural dimensions survive scaling
    for (const c of scaled.filter((x) => x.kernel.startsWith("attention"))) {
      expect(c.shape).toMatchObject({ heads: 20, kv_heads: 4, head_dim: 128 });
    }
    // a small case is left alone
    expect(scaled.find((c) => c.name === "rmsnorm/rows=1,hidden=5120")?.scaledFrom).toBeUndefined();
    expect(scaled.find((c) => c.kernel === "gemm_gate_up")?.scaledFrom).toEqual({ m: 1, n: 13824, k: 5120 });
  });

  it("GIVEN maxWork below 1 WHEN planned THEN InputError", () => {
    expect(() => planKernelCases(small, 1, { maxWork: 0 })).toThrow(/maxWork must be at least 1/);
  });
});

describe("casesJson", () => {
  it("GIVEN planned cases WHEN written and read back THEN they round-trip, one case per line", () => {
    const cases = planKernelCases(small, 2, { maxWork: 1_000_000 });
    const text = casesJson(cases);
    expect(JSON.parse(text)).toMatchObject({ apiVersion: "sovereign.ai/v1alpha1", kind: "KernelCases" });
    expect(text.split("\n").filter((l) => l.includes('"name"')).length).toBe(cases.length);
    expect(parseCasesJson(text)).toEqual(cases);
  });

  it("GIVEN a case whose name does not match its shape WHEN read THEN InputError with the expected name", () => {
    const text = casesJson(planKernelCases(small, 1, { kernels: ["rmsnorm"] })).replace(
      '"name":"rmsnorm/rows=1,hidden=2048"',
      '"name":"rmsnorm/rows=2,hidden=2048"',
    );
    expect(() => parseCasesJson(text, "cases.json")).toThrow(/expected rmsnorm\/rows=1,hidden=2048/);
    expect(() => parseCasesJson("{}", "cases.json")).toThrow(InputError);
  });
});
