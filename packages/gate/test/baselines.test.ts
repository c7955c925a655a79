import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { InputError } from "@sovereign/diagnostics";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { describe, expect, it } from "vitest";
import {
  type KernelBaselines,
  type KernelSamples,
  kernelBaselinesJsonSchema,
  loadBaselines,
  lookupBaselines,
  parseBaselines,
  recordBaselines,
  writeBaselines,
} from "../src/index.js";
import { scratchDirs } from "../../../test/scratch.js";

/** A fresh temp directory, removed once this file's tests have run. */
const scratch = scratchDirs();

const H100 = "NVIDIA H100 80GB HBM3";
const run = (kernel: string, shape: string, samples: number[]): KernelSamples => ({
  kernel,
  shape,
  unit: "ns",
  samples,
});

function sample(): KernelBaselines {
  return recordBaselines(
    undefined,
    [
      run("gemm_qkv", "m=1,n=1536,k=5120", [1700, 1710, 1705]),
      run("rmsnorm", "tokens=1,hidden=5120", [580, 582]),
    ],
    {
      gpu: H100,
      image: "registry.kr.example/inference@sha256:aaaa",
      recordedAt: new Date("2025-03-04T10:00:00.123Z"),
    },
  );
}

function inputError(f: () => unknown): InputError {
  try {
    f();
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
  throw new Error("expected an InputError");
}

describe("baselines file", () => {
  it("GIVEN a recorded run WHEN built THEN it is a versioned KernelBaselines document with one entry per case", () => {
    const b = sample();
    expect(b.apiVersion).toBe("sovereign.ai/v1alpha1");
    expect(b.kind).toBe("KernelBaselines");
    expect(b.entries[0]).toEqual({
      gpu: H100,
      kernel: "gemm_qkv",
      shape: "m=1,n=1536,k=5120",
      unit: "ns",
      samples: [1700, 1710, 1705],
      recordedAt: "2025-03-04T10:00:00Z",
      image: "registry.kr.example/inference@sha256:aaaa",
    });
  });

  it("GIVEN entries for two GPUs WHEN looked up THEN only the asked GPU's cases come back, matching its name case-insensitively", () => {
    const b = recordBaselines(sample(), [run("gemm_qkv", "m=1,n=1536,k=5120", [900])], {
      gpu: "NVIDIA L40S",
      image: "img",
    });
    expect(lookupBaselines(b, "nvidia  h100 80gb hbm3").map((s) => s.kernel)).toEqual([
      "gemm_qkv",
      "rmsnorm",
    ]);
    expect(lookupBaselines(b, "NVIDIA L40S")).toEqual([run("gemm_qkv", "m=1,n=1536,k=5120", [900])]);
    expect(lookupBaselines(b, "NVIDIA A100")).toEqual([]);
  });

  it("GIVEN an existing file WHEN a new run is recorded THEN same-GPU same-case entries are replaced, others kept, errors skipped", () => {
    const b = recordBaselines(
      sample(),
      [
        run("gemm_qkv", "m=1,n=1536,k=5120", [1800]),
        { ...run("allreduce", "bytes=1024", []), errors: ["no peer"] },
      ],
      { gpu: H100, image: "img2", recordedAt: new Date("2025-04-01T00:00:00Z") },
    );
    expect(b.entries.map((e) => [e.kernel, e.samples, e.image])).toEqual([
      ["gemm_qkv", [1800], "img2"],
      ["rmsnorm", [580, 582], "registry.kr.example/inference@sha256:aaaa"],
    ]);
  });

  it("GIVEN a baselines file WHEN written and loaded again THEN it round-trips and no temp file is left behind", () => {
    const dir = scratch("gate-bl-");
    const path = join(dir, "baselines.json");
    writeBaselines(path, sample());
    expect(loadBaselines(path)).toEqual(sample());
    expect(readdirSync(dir)).toEqual(["baselines.json"]);
  });

  it("GIVEN an invalid document WHEN it would be written THEN nothing is written", () => {
    const dir = scratch("gate-bl-");
    const bad = { ...sample(), entries: [{ ...sample().entries[0]!, samples: [] }] };
    expect(() => writeBaselines(join(dir, "b.json"), bad)).toThrow(InputError);
    expect(existsSync(join(dir, "b.json"))).toBe(false);
  });

  it("GIVEN a malformed file WHEN parsed THEN every problem is reported with its path", () => {
    const err = inputError(() =>
      parseBaselines(
        {
          apiVersion: "sovereign.ai/v2",
          kind: "KernelBaselines",
          entries: [
            {
              gpu: H100,
              kernel: "a",
              shape: "",
              unit: "us",
              samples: [1, -2],
              recordedAt: "yesterday",
              image: "i",
            },
            {
              gpu: H100,
              kernel: "b",
              shape: "",
              unit: "ns",
              samples: [1],
              recordedAt: "2025-01-01T00:00:00Z",
              image: "i",
              extra: 1,
            },
            {
              gpu: H100.toLowerCase(),
              kernel: "b",
              shape: "",
              unit: "ns",
              samples: [1],
              recordedAt: "2025-01-01T00:00:00Z",
              image: "i",
            },
          ],
        },
        "b.json",
      ),
    );
    expect(err.issues.map((i) => `${i.code}@${i.path.join(".")}`)).toEqual([
      "baselines.apiVersion@apiVersion",
      "baselines.unit@entries.0.unit",
      "baselines.recordedAt@entries.0.recordedAt",
      "baselines.sample@entries.0.samples.1",
      "baselines.unknown_key@entries.1.extra",
      "baselines.duplicate@entries.2",
    ]);
    expect(err.issues.every((i) => i.file === "b.json")).toBe(true);
  });

  it("GIVEN a missing baselines file WHEN loaded THEN InputError with a hint to record one", () => {
    const err = inputError(() => loadBaselines("/nonexistent/b.json", "b.json"));
    expect(err.issues[0]).toMatchObject({ code: "file.read", file: "b.json" });
    expect(err.issues[0]!.hint).toMatch(/--record-baseline/);
  });
});

describe("KernelBaselines JSON Schema", () => {
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  addFormats.default(ajv);
  const validate = ajv.compile(kernelBaselinesJsonSchema());

  it("GIVEN the committed schema file WHEN compared with the generated schema THEN they are identical (regenerate with `npm run gen:schemas`)", () => {
    const committed = JSON.parse(
      readFileSync(new URL("../kernel-baselines.schema.json", import.meta.url), "utf8"),
    );
    expect(committed).toEqual(kernelBaselinesJsonSchema());
  });

  it("GIVEN a recorded file WHEN validated by the schema THEN it is valid", () => {
    expect(validate(sample())).toBe(true);
  });

  it.each([
    ["wrong apiVersion", (b: KernelBaselines) => Object.assign(b, { apiVersion: "x" })],
    ["empty samples", (b: KernelBaselines) => Object.assign(b.entries[0]!, { samples: [] })],
    ["zero sample", (b: KernelBaselines) => Object.assign(b.entries[0]!, { samples: [0] })],
    ["bad date", (b: KernelBaselines) => Object.assign(b.entries[0]!, { recordedAt: "yesterday" })],
    ["extra field", (b: KernelBaselines) => Object.assign(b.entries[0]!, { note: "x" })],
  ])(
    "GIVEN a file with %s WHEN checked THEN both the schema and parseBaselines reject it",
    (_what, mutate) => {
      const b = sample();
      mutate(b);
      expect(validate(b)).toBe(false);
      expect(() => parseBaselines(JSON.parse(JSON.stringify(b)))).toThrow(InputError);
    },
  );
});
