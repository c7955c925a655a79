import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { checkOutput, ExitCode, UsageError } from "@sovereign/diagnostics";
import {
  baselineGpus,
  DEFAULT_DECIDE_OPTIONS,
  decide,
  formatGateResult,
  type GateFormat,
  type KernelSamples,
  loadBaselines,
  lookupBaselines,
  mergeSamples,
  readBenchmarkFile,
  recordBaselines,
  writeBaselines,
} from "@sovereign/gate";
import { type Command, formatOf, inputLimitOf, parseCommandArgs } from "../context.js";

const options = {
  baseline: { type: "string", multiple: true },
  candidate: { type: "string", multiple: true },
  baselines: { type: "string" },
  gpu: { type: "string" },
  "record-baseline": { type: "string" },
  image: { type: "string" },
  format: { type: "string", default: "text" },
  alpha: { type: "string" },
  "min-effect": { type: "string" },
  "max-baseline-cv": { type: "string" },
  "max-input-size": { type: "string" },
} as const;

const EXIT: Record<string, number> = {
  PASS: ExitCode.Ok,
  FAIL: ExitCode.Findings,
  INCONCLUSIVE: ExitCode.Inconclusive,
};

/** A number flag within (lo, hi), with an optional trailing `%` when `percent`. */
function numberFlag(
  flag: string,
  raw: string | undefined,
  lo: number,
  hi: number,
  percent: boolean,
): number | undefined {
  if (raw === undefined) return undefined;
  const text = percent ? raw.replace(/%$/, "") : raw;
  const v = Number(text);
  if (text.trim() === "" || !Number.isFinite(v) || v <= lo || v >= hi) {
    throw new UsageError(
      `--${flag} ${JSON.stringify(raw)} is not a number between ${lo} and ${hi}${percent ? " (percent)" : ""}`,
      flag === "alpha"
        ? "e.g. --alpha 0.01"
        : flag === "max-baseline-cv"
          ? "e.g. --max-baseline-cv 10 (percent)"
          : "e.g. --min-effect 3 (percent of the baseline median)",
    );
  }
  return v;
}

export const gateCommand: Command = {
  name: "gate",
  summary:
    "kernel-benchmark gate: is the candidate slower than the baseline? exit 0 PASS, 1 FAIL, 3 INCONCLUSIVE",
  usage:
    "sovereign gate (--baseline <file>... | --baselines <file> --gpu <model>) --candidate <file>... " +
    "[--record-baseline <file> --gpu <model> [--image <ref>]] [--format text|json|markdown] [--alpha 0.01] [--min-effect 3] [--max-baseline-cv 10] [--max-input-size <bytes>]",
  async run(ctx, argv) {
    const { values } = parseCommandArgs("gate", argv, options);
    const format = formatOf(values.format, ["text", "json", "markdown"]) as GateFormat;
    const alpha = numberFlag("alpha", values.alpha, 0, 1, false);
    const minEffectPct = numberFlag("min-effect", values["min-effect"], 0, 100, true);
    const maxBaselineCvPct = numberFlag("max-baseline-cv", values["max-baseline-cv"], 0, 1000, true);
    const baselineFiles = values.baseline ?? [];
    const candidateFiles = values.candidate ?? [];
    const record = values["record-baseline"];
    const abs = (p: string) => resolve(ctx.cwd, p);
    const limit = inputLimitOf(values);
    // The result files are never overwritten by --record-baseline (the baselines file may be: it is updated in place).
    const inputs = [...candidateFiles.map((f) => ({ path: abs(f), what: `--candidate ${f}` })), ...baselineFiles.map((f) => ({ path: abs(f), what: `--baseline ${f}` }))];
    if (record) checkOutput(abs(record), "file", { inputs, flag: "--record-baseline" });

    if (candidateFiles.length === 0) {
      throw new UsageError(
        "no candidate results given",
        "pass --candidate <file> (Google Benchmark or nvbench JSON); repeat it for interleaved rounds",
      );
    }
    if (baselineFiles.length > 0 && values.baselines) {
      throw new UsageError(
        "--baseline and --baselines are mutually exclusive",
        "compare against measured runs (--baseline) or a recorded baselines file (--baselines --gpu), not both",
      );
    }
    if ((values.baselines || record) && !values.gpu) {
      throw new UsageError(
        `${values.baselines ? "--baselines" : "--record-baseline"} needs --gpu <model>`,
        'e.g. --gpu "NVIDIA H100 80GB HBM3" (as nvidia-smi --query-gpu=name reports it)',
      );
    }
    if (values.gpu && !values.baselines && !record) {
      throw new UsageError(
        "--gpu is only used with --baselines or --record-baseline",
        "drop --gpu, or add --baselines <file>",
      );
    }
    if (!baselineFiles.length && !values.baselines && !record) {
      throw new UsageError(
        "nothing to compare the candidate with",
        "pass --baseline <file>, or --baselines <file> --gpu <model>, or record one with --record-baseline <file> --gpu <model>",
      );
    }

    const candidate = mergeSamples(...candidateFiles.map((f) => readBenchmarkFile(f, ctx.cwd, { limit })));
    let baseline: KernelSamples[] | undefined;
    if (baselineFiles.length > 0) {
      baseline = mergeSamples(...baselineFiles.map((f) => readBenchmarkFile(f, ctx.cwd, { limit })));
    } else if (values.baselines && !(record && !existsSync(abs(values.baselines)))) {
      const file = loadBaselines(abs(values.baselines), values.baselines, { limit });
      const found = lookupBaselines(file, values.gpu!);
      if (found.length > 0) baseline = found;
      else if (!record) {
        const have = baselineGpus(file);
        ctx.stderr(
          `sovereign gate: ${values.baselines} has no baseline for GPU ${JSON.stringify(values.gpu)}` +
            `${have.length ? ` (it has: ${have.join(", ")})` : ""}; record one on this hardware with --record-baseline\n`,
        );
        baseline = [];
      }
    }

    // Nothing to compare with and asked to record (first rollout on this GPU model): the run
    // becomes the baseline. Without --record-baseline an empty baseline is INCONCLUSIVE below.
    if (!baseline) {
      const existing = existsSync(abs(record!)) ? loadBaselines(abs(record!), record, { limit }) : undefined;
      const out = recordBaselines(existing, candidate, {
        gpu: values.gpu!,
        image: values.image ?? "unknown",
      });
      writeBaselines(abs(record!), out, { inputs });
      const n = candidate.filter((s) => s.samples.length > 0 && !s.errors?.length).length;
      const msg = { recorded: n, gpu: values.gpu, file: record };
      ctx.stdout(
        format === "json"
          ? `${JSON.stringify(msg, null, 2)}\n`
          : `recorded ${n} kernel case(s) for GPU ${values.gpu} in ${record}\n`,
      );
      return ExitCode.Ok;
    }

    const result = decide(baseline, candidate, {
      ...(alpha !== undefined ? { alpha } : {}),
      ...(minEffectPct !== undefined ? { minEffectPct } : {}),
      ...(maxBaselineCvPct !== undefined ? { maxBaselineCvPct } : {}),
    });
    ctx.stdout(formatGateResult(result, format));
    if (record) {
      // Only a passing run may become the new reference; a regression must not be baked in.
      if (result.verdict === "PASS") {
        const existing = existsSync(abs(record)) ? loadBaselines(abs(record), record, { limit }) : undefined;
        writeBaselines(
          abs(record),
          recordBaselines(existing, candidate, { gpu: values.gpu!, image: values.image ?? "unknown" }),
          { inputs },
        );
        ctx.stderr(
          `sovereign gate: recorded the candidate as the baseline for GPU ${values.gpu} in ${record}\n`,
        );
      } else {
        ctx.stderr(`sovereign gate: not recording a baseline: the gate is ${result.verdict}, not PASS\n`);
      }
    }
    return EXIT[result.verdict] ?? ExitCode.Inconclusive;
  },
};

/** The documented defaults, for `--help` text elsewhere. */
export const gateDefaults = DEFAULT_DECIDE_OPTIONS;
