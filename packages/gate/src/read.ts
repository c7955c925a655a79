import { existsSync } from "node:fs";
import { basename, dirname, isAbsolute, resolve } from "node:path";
import { InputError, readInputFile } from "@sovereign/diagnostics";
import { parseGoogleBenchmark } from "./google-benchmark.js";
import { parseNvbench } from "./nvbench.js";
import type { KernelSamples } from "./samples.js";

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Which tool wrote a benchmark document, judged by its shape. */
export function detectFormat(json: unknown): "google-benchmark" | "nvbench" | undefined {
  if (!isObject(json) || !Array.isArray(json.benchmarks)) return undefined;
  if (isObject(json.context)) return "google-benchmark";
  const first = json.benchmarks[0];
  if (isObject(first) && Array.isArray(first.states)) return "nvbench";
  if (isObject(json.meta) || Array.isArray(json.devices)) return "nvbench";
  return undefined;
}

/**
 * nvbench records the sample file as `<json path as given to nvbench>-bin/<n>.bin`, relative to
 * where nvbench ran; look next to the JSON first (files are usually copied as a pair), then there.
 */
function sampleFilePath(recorded: string, jsonPath: string, cwd: string): string {
  if (isAbsolute(recorded)) return recorded;
  const candidates = [
    resolve(dirname(jsonPath), recorded),
    `${jsonPath}-bin/${basename(recorded)}`,
    resolve(cwd, recorded),
  ];
  return candidates.find((c) => existsSync(c)) ?? candidates[0]!;
}

/**
 * Reads one benchmark result file, Google Benchmark or nvbench JSON (detected from its shape).
 * `path` is resolved against `cwd`; issues name the file as given.
 */
export function readBenchmarkFile(
  path: string,
  cwd = process.cwd(),
  o: { /** @default DEFAULT_INPUT_LIMIT */ limit?: number } = {},
): KernelSamples[] {
  const full = isAbsolute(path) ? path : resolve(cwd, path);
  // Regular files only, bounded: a FIFO or device is refused at once, an oversized file unread.
  const text = readInputFile(full, { displayName: path, limit: o.limit, what: "benchmark result" }).bytes.toString("utf8");
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new InputError([
      {
        code: "json.parse",
        path: [],
        file: path,
        message: `not valid JSON: ${(e as Error).message}`,
        hint: "pass the JSON file the benchmark wrote (--benchmark_out_format=json or nvbench --json)",
      },
    ]);
  }
  switch (detectFormat(json)) {
    case "google-benchmark":
      return parseGoogleBenchmark(json, { file: path });
    case "nvbench":
      return parseNvbench(json, {
        file: path,
        readBinary: (p) =>
          readInputFile(sampleFilePath(p, full, cwd), { displayName: p, limit: o.limit, what: "nvbench sample file" }).bytes,
      });
    default:
      throw new InputError([
        {
          code: "bench.format",
          path: ["benchmarks"],
          file: path,
          message:
            "neither Google Benchmark JSON (`context` + `benchmarks`) nor nvbench JSON (`benchmarks[].states`)",
          hint: "pass the JSON file the benchmark wrote",
        },
      ]);
  }
}
