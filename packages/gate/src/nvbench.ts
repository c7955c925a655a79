import { type DocPath, InputError, type Issue } from "@sovereign/diagnostics";
import { caseKey, type KernelSamples, splitBenchmarkName } from "./samples.js";

/** Options of `parseNvbench`. */
export interface NvbenchOptions {
  /** File name as the user gave it; copied into every issue. */
  file?: string;
  /**
   * Reads a per-sample binary file nvbench wrote next to the JSON (`--jsonbin`), given the path
   * recorded in the JSON. Without it only the per-state means are used.
   */
  readBinary?: (path: string) => Uint8Array;
}

const SAMPLE_TIMES_TAG = "nv/json/bin:nv/cold/sample_times";
const MEAN_TAG = "nv/cold/time/gpu/mean";
const SAMPLE_SIZE_TAG = "nv/cold/sample_size";

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** nvbench writes every number as a string (int64 would not survive a JSON double). */
function dataValue(summary: Record<string, unknown>, name: string): unknown {
  if (!Array.isArray(summary.data)) return undefined;
  const d = summary.data.find((v: unknown) => isObject(v) && v.name === name) as
    | Record<string, unknown>
    | undefined;
  return d?.value;
}

function numberOf(v: unknown): number {
  if (typeof v === "number") return v;
  if (typeof v === "string" && v.trim() !== "") return Number(v);
  return Number.NaN;
}

/**
 * Reads nvbench JSON (`--json <file>`, file version 1.x): one case per benchmark state, kernel and
 * shape from the benchmark name (`<kernel>/<shape>`) and the state's axis values, which are
 * appended to the shape as `name=value`. Per-sample GPU times are read from the `--jsonbin`
 * binary file when `readBinary` is given; otherwise the state's mean cold GPU time becomes one
 * sample (so ten interleaved runs give ten samples). Skipped states are left out.
 */
export function parseNvbench(json: unknown, opts: NvbenchOptions = {}): KernelSamples[] {
  const issues: Issue[] = [];
  const issue = (path: DocPath, code: string, message: string, hint?: string) =>
    issues.push({
      code,
      path,
      message,
      ...(hint ? { hint } : {}),
      ...(opts.file ? { file: opts.file } : {}),
    });
  if (!isObject(json) || !Array.isArray(json.benchmarks)) {
    issue(
      ["benchmarks"],
      "nvbench.benchmarks",
      "expected an object with a `benchmarks` array",
      "pass the file written by `--json <file>`",
    );
    throw new InputError(issues);
  }
  const byKey = new Map<string, KernelSamples>();
  json.benchmarks.forEach((bench: unknown, b: number) => {
    if (!isObject(bench) || typeof bench.name !== "string" || bench.name.trim() === "") {
      issue(["benchmarks", b, "name"], "nvbench.name", "expected a benchmark object with a name");
      return;
    }
    if (!Array.isArray(bench.states)) {
      issue(
        ["benchmarks", b, "states"],
        "nvbench.states",
        `expected an array of states, got ${JSON.stringify(bench.states)}`,
      );
      return;
    }
    const named = splitBenchmarkName(bench.name);
    const multiDevice = Array.isArray(bench.devices) && bench.devices.length > 1;
    bench.states.forEach((state: unknown, s: number) => {
      const at: DocPath = ["benchmarks", b, "states", s];
      if (!isObject(state)) {
        issue(at, "nvbench.state", "expected a state object");
        return;
      }
      if (state.is_skipped === true) return;
      const axes: string[] = [];
      if (multiDevice && state.device !== undefined) axes.push(`device=${String(state.device)}`);
      if (Array.isArray(state.axis_values)) {
        state.axis_values.forEach((av: unknown, a: number) => {
          if (!isObject(av) || typeof av.name !== "string") {
            issue([...at, "axis_values", a], "nvbench.axis_value", "expected {name, type, value}");
            return;
          }
          axes.push(`${av.name}=${String(av.value)}`);
        });
      }
      const shape = [named.shape, axes.join(",")].filter((p) => p !== "").join(",");
      const summaries = Array.isArray(state.summaries) ? state.summaries.filter(isObject) : [];
      const tagged = (tag: string) => summaries.find((x) => x.tag === tag);

      const entry = byKey.get(caseKey({ kernel: named.kernel, shape })) ?? {
        kernel: named.kernel,
        shape,
        unit: "ns" as const,
        samples: [],
      };
      byKey.set(caseKey(entry), entry);

      const bin = tagged(SAMPLE_TIMES_TAG);
      if (bin && opts.readBinary) {
        const filename = dataValue(bin, "filename");
        const size = numberOf(dataValue(bin, "size"));
        const where = [...at, "summaries", summaries.indexOf(bin), "data"];
        if (typeof filename !== "string" || !Number.isInteger(size) || size < 0) {
          issue(where, "nvbench.sample_times", "sample-times summary lacks `filename` or `size`");
          return;
        }
        let bytes: Uint8Array;
        try {
          bytes = opts.readBinary(filename);
        } catch (e) {
          issue(
            where,
            "nvbench.sample_file",
            `cannot read sample times ${filename}: ${(e as Error).message}`,
            "keep the `<json>-bin/` folder next to the JSON file",
          );
          return;
        }
        if (bytes.byteLength !== size * 4) {
          issue(
            where,
            "nvbench.sample_file",
            `${filename} holds ${bytes.byteLength} bytes, expected ${size} float32 values`,
          );
          return;
        }
        const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
        for (let k = 0; k < size; k++) entry.samples.push(view.getFloat32(k * 4, true) * 1e9);
        return;
      }
      const mean = tagged(MEAN_TAG);
      if (!mean) {
        issue(
          [...at, "summaries"],
          "nvbench.mean",
          `state has no ${MEAN_TAG} summary`,
          "run the benchmark with cold measurements enabled",
        );
        return;
      }
      const seconds = numberOf(dataValue(mean, "value"));
      if (!Number.isFinite(seconds) || seconds <= 0) {
        issue(
          [...at, "summaries", summaries.indexOf(mean), "data"],
          "nvbench.mean",
          `expected a positive mean time, got ${JSON.stringify(dataValue(mean, "value"))}`,
        );
        return;
      }
      entry.samples.push(seconds * 1e9);
      const count = numberOf(dataValue(tagged(SAMPLE_SIZE_TAG) ?? {}, "value"));
      const note = `nvbench reported only a mean${Number.isFinite(count) ? ` of ${count} runs` : ""} per state; each file gives one sample`;
      if (!entry.notes?.some((n) => n.startsWith("nvbench reported only a mean"))) entry.notes = [note];
    });
  });
  if (issues.length > 0) throw new InputError(issues);
  return [...byKey.values()];
}
