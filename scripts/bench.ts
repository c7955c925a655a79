// `npm run bench`: runs every benchmark module in scripts/bench/ (or those named on the command line:
// synth, policy, bundle, gate, kernel-suite, readiness) and prints one table. Figures are recorded by hand in docs/benchmarks.md with the machine they came from.
import { readdirSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import type { BenchModule, BenchRow } from "./bench/lib/types.js";

const dir = new URL("./bench/", import.meta.url);
const wanted = process.argv.slice(2);
const modules = readdirSync(dir)
  .filter((f) => f.endsWith(".ts"))
  .map((f) => f.replace(/\.ts$/, ""))
  .filter((name) => wanted.length === 0 || wanted.includes(name))
  .sort();

function fmt(v: number): string {
  if (Number.isInteger(v)) return String(v);
  return Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(2) : v.toPrecision(3);
}

const rows: BenchRow[] = [];
let failed = false;
for (const name of modules) {
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

const header = ["benchmark", "metric", "value", "unit", "target", "met"];
const table = rows.map((r) => [
  r.benchmark,
  r.metric,
  fmt(r.value),
  r.unit,
  r.target ?? "",
  r.ok === undefined ? "" : r.ok ? "yes" : "NO",
]);
const widths = header.map((h, i) => Math.max(h.length, ...table.map((r) => r[i]!.length)));
const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`;
const cpu = cpus()[0]?.model ?? "unknown CPU";
process.stdout.write(
  `machine: ${cpus().length} x ${cpu}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}\n\n`,
);
process.stdout.write(`${line(header)}\n|${widths.map((w) => "-".repeat(w + 2)).join("|")}|\n`);
for (const r of table) process.stdout.write(`${line(r)}\n`);
if (failed) process.exitCode = 1;
