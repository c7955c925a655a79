// Synth as users run it. Every row is a separate process started the way a user starts it, timed
// from spawn to exit, with wall time, CPU time (user + system, children included: helm) and peak
// RSS, and the load average it ran under. Rows:
//  - floor: `node -e "import('cdktf')"`, what any cdktf program pays before doing anything;
//  - cold `sovereign synth --country th` through the built bin (module loading, policy packs,
//    cdktf synth, portability check, helm rendering of the local charts, residency evaluation,
//    atomic write), once with an empty helm render cache (a country's first synth) and once warm
//    (a repeated synth); the deploy-readiness check runs inside synth and so is in the row;
//  - the same through `npx sovereign`, to show what npx adds;
//  - the fleet: 50 generated countries that differ (1-3 sites, pools, models, every shipped pack;
//    the generator of test/generated-countries.test.ts) in one process through the same
//    synthesizeChecked as `sovereign synth --all`, on the built code, every chart rendered.
// SYNTH_BENCH_RUNS (default 5) cold runs, median reported; SYNTH_BENCH_COUNTRIES (default 50).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot } from "@sovereign/profile";
import { sampleProfiles } from "../../test/generated-profiles.js";
import { load, medianRuns, timedRun } from "./lib/process.js";
import type { BenchRow } from "./lib/types.js";

const ROOT = repoRoot();
const BIN = join(ROOT, "packages", "cli", "bin", "sovereign.js");
/** Seed of the fleet's countries: the same 50 on every run and machine. */
export const FLEET_SEED = 1515;

/** The fleet benchmark's countries as profile YAML texts (distinct codes and site sets). */
export function fleetProfiles(n = 50): { text: string; cc: string }[] {
  return sampleProfiles(n, FLEET_SEED);
}

export async function run(): Promise<BenchRow[]> {
  const runs = Number(process.env.SYNTH_BENCH_RUNS ?? 5);
  const rows: BenchRow[] = [];
  const work = mkdtempSync(join(tmpdir(), "sovereign-bench-synth-"));
  try {
    const floor = medianRuns(runs, () => timedRun(process.execPath, ["-e", "import('cdktf')"]));
    rows.push(
      { benchmark: "synth", metric: `floor: node -e "import('cdktf')", wall (${floor.loads})`, value: floor.wallS, unit: "s" },
      { benchmark: "synth", metric: `floor: node -e "import('cdktf')", CPU`, value: floor.cpuS, unit: "s" },
    );

    // Helm renderings are cached by chart and values: a first synth of a country renders (empty
    // cache, a fresh one per run), a repeated synth of the same country does not (warm cache).
    for (const cache of ["empty", "warm"] as const) {
      const warmDir = join(work, "render-cache-warm");
      const cold = medianRuns(runs, (i) =>
        timedRun(process.execPath, [BIN, "synth", "--country", "th", "--out", join(work, `cold-${cache}-${i}`)], {
          cwd: ROOT,
          env: { ...process.env, SOVEREIGN_RENDER_CACHE: cache === "empty" ? join(work, `render-cache-${i}`) : warmDir },
        }),
      );
      const what = `cold sovereign synth th, helm render cache ${cache} (bin; policies, charts, deploy-readiness check)`;
      rows.push(
        {
          benchmark: "synth",
          metric: `${what}, wall (${cold.loads}; the target is for an idle machine)`,
          value: cold.wallS,
          unit: "s",
          target: "<= 1.0 s idle",
          ok: cold.wallS <= 1.0,
        },
        {
          benchmark: "synth",
          metric: `${what}, CPU user+sys incl. helm (load-robust stand-in)`,
          value: cold.cpuS,
          unit: "s",
          target: "<= 1.0 s",
          ok: cold.cpuS <= 1.0,
        },
        { benchmark: "synth", metric: `${what}, peak RSS`, value: cold.rssMB, unit: "MB", target: "<= 300 MB", ok: cold.rssMB <= 300 },
      );
    }

    const npx = medianRuns(Math.min(runs, 3), (i) =>
      timedRun("npx", ["--no-install", "sovereign", "synth", "--country", "th", "--out", join(work, `npx-${i}`)], { cwd: ROOT }),
    );
    rows.push(
      { benchmark: "synth", metric: `same via npx sovereign, wall (${npx.loads})`, value: npx.wallS, unit: "s" },
      { benchmark: "synth", metric: "same via npx sovereign, CPU user+sys", value: npx.cpuS, unit: "s" },
    );

    const n = Number(process.env.SYNTH_BENCH_COUNTRIES ?? 50);
    const dir = join(work, "profiles");
    mkdirSync(dir);
    for (const p of fleetProfiles(n)) writeFileSync(join(dir, `${p.cc}.yaml`), p.text);
    const loadBefore = load();
    const fleet = timedRun(process.execPath, [join(ROOT, "scripts", "bench", "lib", "fleet-child.mjs"), dir, join(work, "fleet")], {
      cwd: ROOT,
      env: { ...process.env, SOVEREIGN_RENDER_CACHE: join(work, "render-cache-fleet") }, // every chart rendered
    });
    if (fleet.code !== 0) throw new Error(`fleet synth exited ${fleet.code}: ${fleet.stderr.trim().slice(-300)}`);
    const done = JSON.parse(fleet.stdout.trim().split("\n").at(-1)!) as {
      countries: number;
      stacks: number;
      objects: number;
      helmObjects: number;
      findings: number;
      errors: number;
      importS: number;
      synthS: number;
    };
    const label = `${done.countries} generated countries, one process, all checks (${done.stacks} stacks, ${done.objects} objects of which ${done.helmObjects} helm-rendered, ${done.findings} findings)`;
    rows.push(
      {
        benchmark: "synth",
        metric: `${label}, wall incl. start-up (${loadBefore}; target for an idle machine)`,
        value: fleet.wallS,
        unit: "s",
        target: n === 50 ? "<= 15 s" : undefined,
        ok: n === 50 ? fleet.wallS <= 15 : undefined,
      },
      { benchmark: "synth", metric: `${label}, CPU user+sys incl. helm`, value: fleet.cpuS, unit: "s" },
      { benchmark: "synth", metric: `${label}, peak RSS`, value: fleet.rssMB, unit: "MB" },
    );
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return rows;
}
