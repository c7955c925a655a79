// `npm run bench`: runs every benchmark module in scripts/bench/ (or those named on the command line:
// synth, policy, bundle, gate, kernel-suite, readiness) and prints one table, headed by the machine,
// the date and the load average (1/5/15 min) at the start and at the end of the run; every row
// states its target and whether it was met. Figures are recorded by hand in docs/benchmarks.md
// with the machine and load they came from.
import { readdirSync } from "node:fs";
import { runHeader, stampLine, stampNow, targetCells } from "./bench/lib/header.js";
import type { BenchModule, BenchRow } from "./bench/lib/types.js";

const dir = new URL("./bench/", import.meta.url);
const wanted = process.argv.slice(2);
/**
 * Modules to run, printed in name order. They run in another order: first those whose wall-time
 * targets are set for an idle machine (policy, readiness, synth), while it still is; then the
 * gate simulation and the kernel suite, which keep both cores busy for minutes (a policy row run
 * right after them measured the load they leave); `bundle` last, since it writes and reads tens
 * of GiB and the guest then spends minutes reclaiming page cache.
 */
const RUN_LAST = ["gate", "kernel-suite", "bundle"];
const modules = readdirSync(dir)
  .filter((f) => f.endsWith(".ts"))
  .map((f) => f.replace(/\.ts$/, ""))
  .filter((name) => wanted.length === 0 || wanted.includes(name))
  .sort();
const runOrder = [...modules.filter((m) => !RUN_LAST.includes(m)), ...RUN_LAST.filter((m) => modules.includes(m))];

function fmt(v: number): string {
  if (Number.isInteger(v)) return String(v);
  return Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(2) : v.toPrecision(3);
}

const start = stampNow();
process.stderr.write(`bench: ${stampLine("start", start)}\n`);
const rowsOf = new Map<string, BenchRow[]>();
let failed = false;
for (const name of runOrder) {
  const rows: BenchRow[] = [];
  rowsOf.set(name, rows);
  process.stderr.write(`bench: ${name} ...\n`);
  const started = performance.now();
  try {
    const mod = (await import(new URL(`${name}.ts`, dir).href)) as BenchModule;
    rows.push(...(await mod.run()));
  } catch (e) {
    failed = true;
    rows.push({
      benchmark: name,
      metric: "error",
      value: Number.NaN,
      unit: "",
      target: String((e as Error).message).slice(0, 60),
      ok: false,
    });
  }
  process.stderr.write(`bench: ${name} done in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
}
const rows = modules.flatMap((m) => rowsOf.get(m) ?? []);

const header = ["benchmark", "metric", "value", "unit", "target", "met"];
const table = rows.map((r) => [r.benchmark, r.metric, fmt(r.value), r.unit, ...targetCells(r)]);
const widths = header.map((h, i) => Math.max(h.length, ...table.map((r) => r[i]!.length)));
const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`;
process.stdout.write(`${runHeader(start, stampNow()).join("\n")}\n\n`);
process.stdout.write(`${line(header)}\n|${widths.map((w) => "-".repeat(w + 2)).join("|")}|\n`);
for (const r of table) process.stdout.write(`${line(r)}\n`);
if (failed) process.exitCode = 1;
