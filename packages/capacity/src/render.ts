import type { CapacityReport, ModelPlan } from "./plan.js";

const GIB = 1024 ** 3;
const KIB = 1024;
const gib = (b: number) => (b / GIB).toFixed(1);
const billions = (n: number) => (n / 1e9).toFixed(2);

/** Columns of the plan table: header, then the cell of a plan. One list for text and Markdown. */
const COLUMNS: readonly [string, (p: ModelPlan) => string][] = [
  ["model", (p) => p.model],
  ["device", (p) => p.device],
  ["TP", (p) => String(p.tensorParallel)],
  ["dtype", (p) => `${p.settings.dtype}/kv ${p.settings.kvCacheDtype}`],
  ["params B (active)", (p) => `${billions(p.params.total)} (${billions(p.params.active)})`],
  ["weights GiB/GPU", (p) => gib(p.weightBytesPerGpu)],
  ["encoders GiB/GPU", (p) => gib(p.encoderBytesPerGpu)],
  ["util", (p) => String(p.effectiveUtilization)],
  ["KV KiB/token/GPU", (p) => (p.kvBytesPerTokenPerGpu / KIB).toFixed(1)],
  ["KV budget GiB/GPU", (p) => gib(p.kvBudgetBytesPerGpu)],
  ["max-model-len", (p) => String(p.settings.maxModelLen)],
  ["max sequences", (p) => String(p.maxConcurrentSequences)],
];

function rows(report: CapacityReport): string[][] {
  return report.plans.map((p) => COLUMNS.map(([, cell]) => cell(p)));
}

/** Aligned text table, then one line per warning or error. */
export function capacityText(report: CapacityReport): string {
  const head = COLUMNS.map(([h]) => h);
  const body = rows(report);
  const width = head.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(width[i]!)).join("  ").trimEnd();
  const notes = [...report.errors.map((e) => `error ${e.code}: ${e.message}\n  fix: ${e.hint ?? ""}`),
    ...report.warnings.map((w) => `warning ${w.code}: ${w.message}\n  fix: ${w.hint ?? ""}`)];
  return [line(head), ...body.map(line), ...notes].join("\n") + "\n";
}

/** GitHub-flavoured Markdown table (docs/serving.md embeds it). */
export function capacityMarkdown(report: CapacityReport): string {
  const head = COLUMNS.map(([h]) => h);
  const out = [`| ${head.join(" | ")} |`, `| ${head.map(() => "---").join(" | ")} |`];
  for (const r of rows(report)) out.push(`| ${r.join(" | ")} |`);
  return out.join("\n") + "\n";
}

/** Machine form: every figure in bytes and counts, issues as data. */
export function capacityJson(report: CapacityReport): object {
  return {
    ok: report.errors.length === 0,
    plans: report.plans,
    errors: report.errors,
    warnings: report.warnings,
  };
}
