import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { InputError } from "@sovereign/diagnostics";
import { describe, expect, it } from "vitest";
import { parseGoogleBenchmark, parseNvbench, readBenchmarkFile, splitBenchmarkName } from "../src/index.js";
import { scratchDirs } from "../../../test/scratch.js";

/** A fresh temp directory, removed once this file's tests have run. */
const scratch = scratchDirs();

const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`fixtures/${name}`, import.meta.url), "utf8"));

function inputError(f: () => unknown): InputError {
  try {
    f();
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
  throw new Error("expected an InputError");
}

describe("benchmark names", () => {
  it.each([
    ["gemm_qkv/m=1,n=1536,k=5120", "gemm_qkv", "m=1,n=1536,k=5120"],
    ["gemm_qkv/m=1,n=1536,k=5120/repeats:20/manual_time", "gemm_qkv", "m=1,n=1536,k=5120"],
    ["rmsnorm/tokens=1,hidden=5120/min_time:0.500/real_time", "rmsnorm", "tokens=1,hidden=5120"],
    ["allreduce/bytes=1024/threads:4", "allreduce", "bytes=1024/threads:4"],
    ["softmax", "softmax", ""],
  ])("GIVEN %s WHEN split THEN kernel %s and shape %s", (name, kernel, shape) => {
    expect(splitBenchmarkName(name)).toEqual({ kernel, shape });
  });
});

describe("Google Benchmark JSON", () => {
  const parsed = parseGoogleBenchmark(fixture("gbench-1.7.json"));
  const by = Object.fromEntries(parsed.map((s) => [s.kernel, s]));

  it("GIVEN a 1.7-shaped file with repetitions and aggregates WHEN parsed THEN only iteration entries become samples, in ns", () => {
    expect(by.gemm_qkv).toMatchObject({ shape: "m=1,n=1536,k=5120", unit: "ns" });
    // 3 repetitions in ms; mean/median/stddev/cv (1.7049, 1.7050, 0.0053, 0.0031 ms) are not samples.
    expect(by.gemm_qkv!.samples).toHaveLength(3);
    expect(by.gemm_qkv!.samples[0]).toBeCloseTo(1_699_500, 6);
    expect(by.gemm_qkv!.samples[1]).toBeCloseTo(1_710_200, 6);
    expect(by.rmsnorm!.samples).toEqual([582.13, 579.6]);
    expect(by.softmax!.samples[0]).toBeCloseTo(219_610, 6);
  });

  it("GIVEN an entry with error_occurred WHEN parsed THEN the case carries the error message instead of a zero sample", () => {
    expect(by.allreduce).toMatchObject({
      shape: "bytes=10485760,ranks=2",
      samples: [],
      errors: ["ranks=2 needs 2 devices, found 1"],
    });
  });

  it("GIVEN a run reported with aggregates only WHEN parsed THEN the case has no samples and a note saying why", () => {
    const json = fixture("gbench-1.7.json");
    json.benchmarks = json.benchmarks.filter(
      (b: { run_type: string; name: string }) => b.run_type === "aggregate",
    );
    const [only] = parseGoogleBenchmark(json);
    expect(only!.samples).toEqual([]);
    expect(only!.notes?.[0]).toMatch(/only aggregates/);
  });

  it("GIVEN 1.8-style extras (json_schema_version, library_version, per-run counters) WHEN parsed THEN they are ignored", () => {
    const json = fixture("gbench-1.7.json");
    json.context.json_schema_version = 1;
    json.context.library_version = "v1.8.3";
    json.benchmarks[0].bytes_per_second = 1.2e10;
    expect(parseGoogleBenchmark(json)[0]!.samples).toHaveLength(3);
  });

  it("GIVEN a bad time unit and a negative time WHEN parsed THEN one InputError lists both with their JSON paths", () => {
    const json = fixture("gbench-1.7.json");
    json.benchmarks[1].time_unit = "fortnights";
    json.benchmarks[7].real_time = -3;
    const err = inputError(() => parseGoogleBenchmark(json, { file: "c.json" }));
    expect(err.issues.map((i) => [i.code, i.path, i.file])).toEqual([
      ["gbench.time_unit", ["benchmarks", 1, "time_unit"], "c.json"],
      ["gbench.real_time", ["benchmarks", 7, "real_time"], "c.json"],
    ]);
    expect(err.issues[0]!.message).toContain('"fortnights"');
  });

  it("GIVEN a document without benchmarks or context WHEN parsed THEN the InputError names those fields", () => {
    const err = inputError(() => parseGoogleBenchmark({ results: [] }));
    expect(err.issues.map((i) => i.path)).toEqual([["context"], ["benchmarks"]]);
  });

  it("GIVEN an unknown run_type WHEN parsed THEN it is an InputError, not silently a sample", () => {
    const json = fixture("gbench-1.7.json");
    json.benchmarks[0].run_type = "summary";
    expect(inputError(() => parseGoogleBenchmark(json)).issues[0]!.path).toEqual([
      "benchmarks",
      0,
      "run_type",
    ]);
  });
});

describe("nvbench JSON", () => {
  it("GIVEN states with only summaries WHEN parsed without the sample files THEN each state gives its mean GPU time as one sample, with a note", () => {
    const parsed = parseNvbench(fixture("nvbench.json"));
    expect(parsed.map((s) => [s.kernel, s.shape])).toEqual([
      ["attention_decode", "batch=1,ctx=8192"],
      ["attention_decode", "batch=1,ctx=32768"],
      ["rope", "tokens=1,heads=40,dim=128"],
    ]);
    expect(parsed[0]!.samples).toEqual([38_125]);
    expect(parsed[0]!.notes?.[0]).toMatch(/only a mean of 2412 runs/);
    expect(parsed[2]!.samples[0]).toBeCloseTo(2250, 9); // skipped state left out
  });

  it("GIVEN a --jsonbin sample file WHEN parsed with a reader THEN every float32 sample is used, in ns", () => {
    const times = new Float32Array([1.5e-4, 1.52e-4, 1.49e-4, 1.51e-4]);
    const parsed = parseNvbench(fixture("nvbench.json"), {
      readBinary: (p) => {
        expect(p).toBe("out.json-bin/0.bin");
        return new Uint8Array(times.buffer);
      },
    });
    const long = parsed.find((s) => s.shape === "batch=1,ctx=32768")!;
    expect(long.samples).toHaveLength(4);
    expect(long.samples[1]).toBeCloseTo(152_000, 0);
  });

  it("GIVEN a sample file of the wrong length WHEN parsed THEN InputError at that state's summary", () => {
    const err = inputError(() =>
      parseNvbench(fixture("nvbench.json"), { readBinary: () => new Uint8Array(7) }),
    );
    expect(err.issues[0]!.path).toEqual(["benchmarks", 0, "states", 1, "summaries", 2, "data"]);
  });

  it("GIVEN a state without a GPU mean WHEN parsed THEN InputError naming the summaries path", () => {
    const json = fixture("nvbench.json");
    json.benchmarks[1].states[0].summaries = [];
    expect(inputError(() => parseNvbench(json)).issues[0]!.path).toEqual([
      "benchmarks",
      1,
      "states",
      0,
      "summaries",
    ]);
  });
});

describe("readBenchmarkFile", () => {
  const dir = scratch("gate-read-");

  it("GIVEN files of both formats WHEN read THEN the format is detected and nvbench sample files are found next to the JSON", () => {
    writeFileSync(join(dir, "g.json"), readFileSync(new URL("fixtures/gbench-1.7.json", import.meta.url)));
    expect(readBenchmarkFile("g.json", dir).map((s) => s.kernel)).toContain("gemm_qkv");
    writeFileSync(join(dir, "out.json"), readFileSync(new URL("fixtures/nvbench.json", import.meta.url)));
    mkdirSync(join(dir, "out.json-bin"), { recursive: true });
    writeFileSync(
      join(dir, "out.json-bin", "0.bin"),
      new Uint8Array(new Float32Array([1e-4, 1e-4, 1e-4, 1e-4]).buffer),
    );
    const long = readBenchmarkFile(join(dir, "out.json")).find((s) => s.shape === "batch=1,ctx=32768")!;
    expect(long.samples).toHaveLength(4);
  });

  it("GIVEN a missing file, broken JSON or an unknown document WHEN read THEN InputError with the file named", () => {
    // The kit's one bounded reader reports it (the code every unreadable input file has).
    expect(inputError(() => readBenchmarkFile("nope.json", dir)).issues[0]).toMatchObject({
      code: "file.unreadable",
      file: "nope.json",
    });
    writeFileSync(join(dir, "bad.json"), "{ not json");
    expect(inputError(() => readBenchmarkFile("bad.json", dir)).issues[0]).toMatchObject({
      code: "json.parse",
      file: "bad.json",
    });
    writeFileSync(join(dir, "other.json"), JSON.stringify({ benchmarks: [{ foo: 1 }] }));
    expect(inputError(() => readBenchmarkFile("other.json", dir)).issues[0]).toMatchObject({
      code: "bench.format",
    });
  });
});
