import { type DocPath, InputError, type Issue } from "@sovereign/diagnostics";
import { caseKey, type KernelSamples, splitBenchmarkName } from "./samples.js";

/** Nanoseconds per Google Benchmark `time_unit`. */
const NS_PER_UNIT: Record<string, number> = { ns: 1, us: 1e3, ms: 1e6, s: 1e9 };

/** Where the parsed document came from, for error locations. */
export interface ParseOptions {
  /** File name as the user gave it; copied into every issue. */
  file?: string;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Reads Google Benchmark JSON (`--benchmark_out_format=json`, library 1.5 and later): one
 * sample per `run_type: "iteration"` entry (one per repetition), its `real_time` (time per
 * iteration of that repetition) converted to ns. Aggregates (`mean`, `median`, `stddev`, `cv`,
 * or user-defined) are summaries of those same repetitions and are never used as samples.
 * Throws InputError listing every malformed entry by its JSON path.
 */
export function parseGoogleBenchmark(json: unknown, opts: ParseOptions = {}): KernelSamples[] {
  const issues: Issue[] = [];
  const issue = (path: DocPath, code: string, message: string, hint?: string) =>
    issues.push({
      code,
      path,
      message,
      ...(hint ? { hint } : {}),
      ...(opts.file ? { file: opts.file } : {}),
    });

  if (!isObject(json)) {
    issue(
      [],
      "gbench.root",
      "expected a JSON object with `context` and `benchmarks`",
      "pass the file written by --benchmark_out=<file> --benchmark_out_format=json",
    );
    throw new InputError(issues);
  }
  if (!isObject(json.context)) {
    issue(
      ["context"],
      "gbench.context",
      "missing the `context` object every Google Benchmark JSON file has",
      "pass the file written by --benchmark_out=<file> --benchmark_out_format=json",
    );
  }
  if (!Array.isArray(json.benchmarks)) {
    issue(
      ["benchmarks"],
      "gbench.benchmarks",
      `expected an array of runs, got ${JSON.stringify(json.benchmarks) ?? "nothing"}`,
    );
    throw new InputError(issues);
  }

  const byKey = new Map<string, KernelSamples>();
  const aggregatesSeen = new Set<string>();
  const entryFor = (name: string): KernelSamples => {
    const { kernel, shape } = splitBenchmarkName(name);
    const key = caseKey({ kernel, shape });
    let e = byKey.get(key);
    if (!e) {
      e = { kernel, shape, unit: "ns", samples: [] };
      byKey.set(key, e);
    }
    return e;
  };

  json.benchmarks.forEach((run: unknown, i: number) => {
    const at = (k: string): DocPath => ["benchmarks", i, k];
    if (!isObject(run)) {
      issue(["benchmarks", i], "gbench.run", "expected an object per benchmark run");
      return;
    }
    const name = typeof run.run_name === "string" && run.run_name !== "" ? run.run_name : run.name;
    if (typeof name !== "string" || name.trim() === "" || name.startsWith("/")) {
      issue(at("name"), "gbench.name", `expected a name "<kernel>/<shape>", got ${JSON.stringify(name)}`);
      return;
    }
    const runType = run.run_type;
    if (runType !== undefined && runType !== "iteration" && runType !== "aggregate") {
      issue(
        at("run_type"),
        "gbench.run_type",
        `unknown run_type ${JSON.stringify(runType)}`,
        'expected "iteration" or "aggregate"',
      );
      return;
    }
    if (runType === "aggregate" || run.aggregate_name !== undefined) {
      aggregatesSeen.add(name);
      return;
    }
    const entry = entryFor(name);
    if (run.error_occurred === true) {
      const msg = typeof run.error_message === "string" ? run.error_message : "error_occurred";
      entry.errors = [...(entry.errors ?? []), msg];
      return;
    }
    const unit = run.time_unit;
    if (typeof unit !== "string" || !(unit in NS_PER_UNIT)) {
      issue(
        at("time_unit"),
        "gbench.time_unit",
        `unsupported time_unit ${JSON.stringify(unit)}`,
        "expected one of ns, us, ms, s",
      );
      return;
    }
    const t = run.real_time;
    if (typeof t !== "number" || !Number.isFinite(t) || t <= 0) {
      issue(at("real_time"), "gbench.real_time", `expected a positive time, got ${JSON.stringify(t)}`);
      return;
    }
    entry.samples.push(t * NS_PER_UNIT[unit]!);
  });

  for (const name of aggregatesSeen) {
    const entry = entryFor(name);
    if (entry.samples.length === 0 && !entry.errors) {
      entry.notes = [
        "only aggregates (mean/median/stddev/cv) were reported, which are not samples; rerun without --benchmark_report_aggregates_only",
      ];
    }
  }
  if (issues.length > 0) throw new InputError(issues);
  return [...byKey.values()];
}
