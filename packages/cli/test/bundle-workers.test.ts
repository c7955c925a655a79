// A parallel synth run from the CLI bundle starts its worker threads from the bundle
// (bin/synth-worker.js) and writes the same tree as one run on the compiled modules.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { repoRoot } from "@sovereign/profile";
import { SYNTH_WORKER_ENTRY } from "@sovereign/stacks";
import { afterAll, describe, expect, it } from "vitest";
// @ts-expect-error plain JavaScript module of the bin, without type declarations
import { useBundleForSynthWorkers } from "../bin/load-bundle.js";
import { snapshot } from "../../../test/cli-harness.js";
import { sampleProfiles } from "../../../test/generated-profiles.js";

const work = mkdtempSync(join(tmpdir(), "sovereign-bundle-workers-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const bin = join(repoRoot(), "packages", "cli", "bin");
const dist = join(repoRoot(), "packages", "cli", "dist");

describe("worker threads of a synth run from the CLI bundle", () => {
  it("GIVEN the bin's switch WHEN called THEN it sets the entry stacks' synth reads, to bin/synth-worker.js", () => {
    const g = globalThis as Record<symbol, unknown>;
    const before = g[SYNTH_WORKER_ENTRY];
    try {
      (useBundleForSynthWorkers as () => void)();
      expect(g[SYNTH_WORKER_ENTRY]).toEqual(pathToFileURL(join(bin, "synth-worker.js")));
    } finally {
      g[SYNTH_WORKER_ENTRY] = before;
    }
  });

  it("GIVEN 8 generated countries (the threaded size) WHEN synthesized from the bundle THEN its workers start from bin/synth-worker.js and the tree equals the compiled modules' one", () => {
    const profiles = join(work, "profiles");
    mkdirSync(profiles);
    for (const p of sampleProfiles(8, 1515)) writeFileSync(join(profiles, `${p.cc}.yaml`), p.text);
    // A worker entry that marks each thread, then runs the bin's own.
    const wrap = join(work, "marked-worker.mjs");
    const marks = join(work, "marks");
    mkdirSync(marks);
    writeFileSync(
      wrap,
      `import { writeFileSync } from "node:fs";
       import { threadId } from "node:worker_threads";
       writeFileSync(${JSON.stringify(marks)} + "/" + process.pid + "-" + threadId, "");
       await import(${JSON.stringify(pathToFileURL(join(bin, "synth-worker.js")).href)});`,
    );
    const run = (out: string, viaBundle: boolean) => {
      const script = `
        import { readdirSync } from "node:fs";
        import { join } from "node:path";
        import { bundleIsCurrent, loadBundle } from ${JSON.stringify(pathToFileURL(join(bin, "load-bundle.js")).href)};
        const dir = ${JSON.stringify(profiles)};
        let api;
        if (${viaBundle}) {
          if (!bundleIsCurrent(new URL(${JSON.stringify(pathToFileURL(`${dist}/`).href)}))) throw new Error("the CLI bundle is not current: npm run build");
          api = await loadBundle(new URL(${JSON.stringify(pathToFileURL(join(dist, "sovereign.cjs")).href)})).exports.entries.fleet();
          globalThis[Symbol.for("sovereign.synthWorkerEntry")] = new URL(${JSON.stringify(pathToFileURL(wrap).href)});
        } else {
          api = {
            synthesizeChecked: (await import(${JSON.stringify(pathToFileURL(join(dist, "residency.js")).href)})).synthesizeChecked,
            loadProfileFile: (await import("@sovereign/profile")).loadProfileFile,
          };
        }
        const profiles = readdirSync(dir).sort().map((f) => api.loadProfileFile(join(dir, f)));
        const { result } = await api.synthesizeChecked(profiles, ${JSON.stringify(out)}, { workers: 2 });
        process.stdout.write(String(result.stacks.length));`;
      return execFileSync(process.execPath, ["--input-type=module", "-e", script], {
        cwd: repoRoot(),
        encoding: "utf8",
        env: { ...process.env, SOVEREIGN_RENDER_CACHE: join(work, `render-${viaBundle}`) },
      });
    };
    const bundled = join(work, "bundled");
    const compiled = join(work, "compiled");
    expect(Number(run(bundled, true))).toBeGreaterThanOrEqual(8 * 4);
    expect(Number(run(compiled, false))).toBeGreaterThanOrEqual(8 * 4);
    // Two threads, both started through the bundle's entry, in the bundled run only.
    expect(readdirSync(marks)).toHaveLength(2);
    const a = snapshot(bundled);
    expect(a.size).toBeGreaterThan(8 * 4);
    expect(a).toEqual(snapshot(compiled));
  });
});
