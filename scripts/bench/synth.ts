// Synth speed. (1) Cold `sovereign synth --country th` through the built bin in a fresh process:
// wall time and peak RSS (median of 3 runs; RSS from /usr/bin/time -v when present, else from a
// wrapper reading process.resourceUsage()). It includes the residency policy check and the helm
// rendering of the serving charts, i.e. everything the command does. (2) N generated countries
// synthesized in this one process (SYNTH_BENCH_COUNTRIES, default 50).
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ISO_3166_ALPHA2, parseProfile, shippedProfilePath } from "@sovereign/profile";
import { synthesizeCountries } from "@sovereign/stacks";

type BenchRow = {
  benchmark: string;
  metric: string;
  value: number;
  unit: string;
  target?: string;
  ok?: boolean;
};

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const BIN = join(ROOT, "packages", "cli", "bin", "sovereign.js");

interface Run {
  seconds: number;
  rssMB: number;
  code: number;
}

function coldRun(out: string): Run {
  const args = [BIN, "synth", "--country", "th", "--out", out];
  const started = performance.now();
  if (existsSync("/usr/bin/time")) {
    const r = spawnSync("/usr/bin/time", ["-v", process.execPath, ...args], { encoding: "utf8" });
    const seconds = (performance.now() - started) / 1000;
    const kb = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr)?.[1] ?? Number.NaN);
    return { seconds, rssMB: kb / 1024, code: r.status ?? -1 };
  }
  // Fallback: a wrapper that runs the bin in-process and reports its own peak RSS (maxRSS, KiB).
  const wrapper = join(tmpdir(), `sovereign-bench-wrap-${process.pid}.mjs`);
  writeFileSync(
    wrapper,
    `process.argv.splice(1, 1);\nprocess.on("exit", () => process.stderr.write("MAXRSS " + process.resourceUsage().maxRSS + "\\n"));\nawait import(${JSON.stringify(`file://${BIN}`)});\n`,
  );
  const r = spawnSync(process.execPath, [wrapper, ...args], { encoding: "utf8" });
  const seconds = (performance.now() - started) / 1000;
  rmSync(wrapper, { force: true });
  const kb = Number(/MAXRSS (\d+)/.exec(r.stderr)?.[1] ?? Number.NaN);
  return { seconds, rssMB: kb / 1024, code: r.status ?? -1 };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function generatedProfiles(n: number) {
  const base = readFileSync(shippedProfilePath("th"), "utf8");
  const codes = [...ISO_3166_ALPHA2]
    .filter((c) => c !== "TH")
    .sort()
    .slice(0, n);
  return codes.map((cc) =>
    parseProfile(
      base
        .replace(/^ {2}name: th$/m, `  name: ${cc.toLowerCase()}`)
        .replace(/^ {2}country: TH$/m, `  country: ${cc}`)
        .replace(/^ {2}frameworks: \[TH-PDPA\]$/m, `  frameworks: [${cc}-DPA]`)
        .replace(/^ {2}policies: \[residency-core, th-pdpa\]$/m, "  policies: [residency-core]"),
      `${cc.toLowerCase()}.yaml`,
    ),
  );
}

export async function run(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const work = mkdtempSync(join(tmpdir(), "sovereign-bench-synth-"));
  try {
    if (!existsSync(join(ROOT, "packages", "cli", "dist", "index.js")))
      throw new Error("build first: npm run build");
    const runs = [0, 1, 2].map((i) => coldRun(join(work, `cold-${i}`)));
    const wall = median(runs.map((r) => r.seconds));
    const rss = median(runs.map((r) => r.rssMB));
    const codes = [...new Set(runs.map((r) => r.code))].join(",");
    rows.push({
      benchmark: "synth",
      metric: `cold sovereign synth th, wall (exit ${codes})`,
      value: wall,
      unit: "s",
      target: "<= 1.5 s",
      ok: wall <= 1.5,
    });
    rows.push({
      benchmark: "synth",
      metric: `cold sovereign synth th, peak RSS (exit ${codes})`,
      value: rss,
      unit: "MB",
      target: "<= 300 MB",
      ok: rss <= 300,
    });

    // The same app through cdktf-cli, side by side, only where cdktf-cli is installed (the kit
    // does not depend on it).
    const cdktf = (process.env.PATH ?? "")
      .split(":")
      .map((d) => join(d, "cdktf"))
      .find((p) => existsSync(p));
    if (cdktf) {
      const started = performance.now();
      const r = spawnSync(cdktf, ["synth", "--output", join(work, "cdktf-cli")], {
        cwd: ROOT,
        env: { ...process.env, SOVEREIGN_COUNTRY: "th", CHECKPOINT_DISABLE: "1" },
        encoding: "utf8",
      });
      const seconds = (performance.now() - started) / 1000;
      rows.push({
        benchmark: "synth",
        metric: `cdktf synth th via cdktf-cli (exit ${r.status})`,
        value: seconds,
        unit: "s",
      });
    } else {
      process.stderr.write(
        "bench synth: cdktf-cli not on PATH; the side-by-side cdktf synth row is skipped\n",
      );
    }

    const n = Number(process.env.SYNTH_BENCH_COUNTRIES ?? 50);
    const profiles = generatedProfiles(n);
    const started = performance.now();
    const result = await synthesizeCountries(profiles, join(work, "many"));
    const seconds = (performance.now() - started) / 1000;
    rows.push({
      benchmark: "synth",
      metric: `${n} generated countries in one process (${result.stacks.length} stacks)`,
      value: seconds,
      unit: "s",
      target: n === 50 ? "<= 15 s" : undefined,
      ok: n === 50 ? seconds <= 15 : undefined,
    });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return rows;
}
