// Deploy-readiness cost. What `sovereign synth --country th` does in-process (synthesize the four
// stacks, render the charts with helm, run the residency packs) against the readiness check it now
// adds, alternated over 5 rounds; the row is the median check time over the median synth time.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { evaluate } from "@sovereign/policy";
import { loadProfileFile, shippedProfilePath } from "@sovereign/profile";
import { checkReadiness } from "@sovereign/readiness";
import { collectObjectsDetailed, collectTerraform, synthesizeCountry } from "@sovereign/stacks";
import type { BenchRow } from "./lib/types.js";

const ROUNDS = 5;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

export async function run(): Promise<BenchRow[]> {
  const profile = loadProfileFile(shippedProfilePath("th"));
  const work = mkdtempSync(join(tmpdir(), "sovereign-bench-readiness-"));
  const synth: number[] = [];
  const check: number[] = [];
  let findings = 0;
  let objectCount = 0;
  try {
    for (let i = 0; i < ROUNDS; i++) {
      const out = join(work, `r${i}`);
      const t0 = performance.now();
      await synthesizeCountry(profile, out);
      const { objects, unrendered } = await collectObjectsDetailed(out);
      evaluate({ profile, objects, terraform: await collectTerraform(out) });
      const t1 = performance.now();
      findings = checkReadiness({ profile, objects, unrendered }).length;
      const t2 = performance.now();
      synth.push(t1 - t0);
      check.push(t2 - t1);
      objectCount = objects.length;
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const ratio = median(check) / median(synth);
  return [
    {
      benchmark: "readiness",
      metric: `th synth + charts + residency, in-process (median of ${ROUNDS})`,
      value: median(synth),
      unit: "ms",
    },
    {
      benchmark: "readiness",
      metric: `readiness check over ${objectCount} objects (${findings} findings), median of ${ROUNDS}`,
      value: median(check),
      unit: "ms",
    },
    {
      benchmark: "readiness",
      metric: "readiness check added to one country's synth",
      value: ratio * 100,
      unit: "%",
      target: "<= 20 %",
      ok: ratio <= 0.2,
    },
  ];
}
