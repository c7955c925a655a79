// The threaded synth writes the same bytes as one cdktf app. Worker threads run the compiled
// worker (stacks/dist), so this test runs the compiled kit in a child node process, as the bin does.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { repoRoot } from "@sovereign/profile";
import { execa } from "execa";
import cdktfStackTrace from "cdktf/lib/tokens/private/stack-trace.js";
import { afterAll, describe, expect, it } from "vitest";
import { CREATION_STACK_NOTICE } from "@sovereign/constructs";
import { createApp, defaultSynthWorkers, PARALLEL_SYNTH_MIN_COUNTRIES } from "../index.js";
import { cleanup, SHIPPED, shipped, tempDir } from "./helpers.js";

afterAll(cleanup);

const root = repoRoot();

function tree(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else files.set(relative(dir, p), readFileSync(p, "utf8"));
    }
  };
  walk(dir);
  return files;
}

/** Synthesizes the shipped countries with the compiled kit and `workers` threads; returns the threads used. */
async function synthCompiled(out: string, workers: number): Promise<number> {
  const script = `
    const { synthesizeCountries } = await import(${JSON.stringify(join(root, "stacks", "dist", "index.js"))});
    const { loadProfileFile } = await import(${JSON.stringify(join(root, "packages", "profile", "dist", "index.js"))});
    const files = ${JSON.stringify(SHIPPED.map((cc) => join(root, "stacks", "countries", `${cc}.yaml`)))};
    const r = await synthesizeCountries(files.map((f) => loadProfileFile(f)), ${JSON.stringify(out)}, { workers: ${workers}, residencyCheck: false });
    process.stdout.write(String(r.threads));`;
  const r = await execa("node", ["--input-type=module", "-e", script], { cwd: root, env: { SOVEREIGN_RENDER_CACHE: "off" } });
  return Number(r.stdout.trim());
}

/** The residency check of a compiled synth of the shipped countries with `workers` threads (render cache off). */
async function checkedCompiled(out: string, workers: number) {
  const script = `
    const { synthesizeCountries, Renderings } = await import(${JSON.stringify(join(root, "stacks", "dist", "index.js"))});
    const { loadProfileFile } = await import(${JSON.stringify(join(root, "packages", "profile", "dist", "index.js"))});
    const files = ${JSON.stringify(SHIPPED.map((cc) => join(root, "stacks", "countries", `${cc}.yaml`)))};
    const renderings = new Renderings();
    const r = await synthesizeCountries(files.map((f) => loadProfileFile(f)), ${JSON.stringify(out)}, { workers: ${workers}, renderings });
    const { objects, findings, unrendered, detached } = r.residency;
    process.stdout.write(JSON.stringify({ threads: r.threads, started: renderings.started, usedHeld: renderings.usedHeld, objects, findings, unrendered, detached }));`;
  const r = await execa("node", ["--input-type=module", "-e", script], { cwd: root, env: { SOVEREIGN_RENDER_CACHE: "off" } });
  return JSON.parse(r.stdout) as {
    threads: number;
    started: number;
    usedHeld: number;
    objects: { source: string }[];
    findings: unknown[];
    unrendered: unknown[];
    detached: unknown[];
  };
}

/**
 * The deploy-readiness findings of a compiled synth of the shipped countries with `workers`
 * threads asked to check readiness, and those of checkCountries over the one tree's objects.
 */
async function readinessCompiled(out: string, workers: number) {
  const script = `
    const { synthesizeCountries } = await import(${JSON.stringify(join(root, "stacks", "dist", "index.js"))});
    const { checkCountries } = await import(${JSON.stringify(join(root, "packages", "readiness", "dist", "index.js"))});
    const { loadProfileFile } = await import(${JSON.stringify(join(root, "packages", "profile", "dist", "index.js"))});
    const files = ${JSON.stringify(SHIPPED.map((cc) => join(root, "stacks", "countries", `${cc}.yaml`)))};
    const profiles = files.map((f) => loadProfileFile(f));
    const r = await synthesizeCountries(profiles, ${JSON.stringify(out)}, { workers: ${workers}, readinessInThreads: true });
    const tree = checkCountries(profiles, r.residency);
    process.stdout.write(JSON.stringify({ threads: r.threads, threaded: r.readiness && [...r.readiness], tree: [...tree] }));`;
  const r = await execa("node", ["--input-type=module", "-e", script], { cwd: root, env: { SOVEREIGN_RENDER_CACHE: "off" } });
  return JSON.parse(r.stdout) as { threads: number; threaded?: [string, unknown[]][]; tree: [string, unknown[]][] };
}

describe("synth in worker threads", () => {
  it("GIVEN the shipped countries WHEN synthesized and checked by two threads and by one THEN the check sees the same objects and findings, and the threads' renderings are used by key", async () => {
    const two = await checkedCompiled(join(tempDir(), "two"), 2);
    const one = await checkedCompiled(join(tempDir(), "one"), 1);
    expect([two.threads, one.threads]).toEqual([2, 1]);
    expect(two.objects).toEqual(one.objects);
    expect(two.findings).toEqual(one.findings);
    expect(two.unrendered).toEqual(one.unrendered);
    expect(two.detached).toEqual(one.detached);
    const helmReleases = one.usedHeld;
    expect(helmReleases).toBeGreaterThanOrEqual(SHIPPED.length);
    expect(one.objects.filter((o) => o.source === "helm").length).toBeGreaterThan(helmReleases);
    // One thread: every release started early and taken; two: the workers rendered, this thread started none.
    expect(one.started).toBe(helmReleases);
    expect(two.started).toBe(0);
    expect(two.usedHeld).toBe(helmReleases);
  });

  it("GIVEN readiness in threads WHEN two threads synthesize THEN each country's readiness findings equal the check over the whole tree; one thread leaves the check to the caller", async () => {
    const two = await readinessCompiled(join(tempDir(), "two"), 2);
    expect(two.threads).toBe(2);
    expect(two.threaded!.map(([cc]) => cc).sort()).toEqual([...SHIPPED].sort());
    expect(new Map(two.threaded)).toEqual(new Map(two.tree));
    const one = await readinessCompiled(join(tempDir(), "one"), 1);
    expect(one.threads).toBe(1);
    expect(one.threaded).toBeUndefined();
    expect(one.tree).toEqual(two.tree);
  });

  it("GIVEN the shipped countries WHEN synthesized by two threads and by one THEN both trees hold the same files, byte for byte", async () => {
    const two = join(tempDir(), "two");
    const one = join(tempDir(), "one");
    expect(await synthCompiled(two, 2)).toBe(2);
    expect(await synthCompiled(one, 1)).toBe(1);
    const a = tree(two);
    const b = tree(one);
    expect([...a.keys()].sort()).toEqual([...b.keys()].sort());
    expect(a.size).toBeGreaterThan(SHIPPED.length * 4);
    for (const [f, text] of a) expect(text, f).toBe(b.get(f));
  });

  it("GIVEN fewer countries than the threshold THEN the default is one thread; from the threshold on, more than one on a multi-core machine", () => {
    expect(defaultSynthWorkers(1)).toBe(1);
    expect(defaultSynthWorkers(PARALLEL_SYNTH_MIN_COUNTRIES - 1)).toBe(1);
    expect(defaultSynthWorkers(PARALLEL_SYNTH_MIN_COUNTRIES)).toBeGreaterThanOrEqual(1);
    expect(defaultSynthWorkers(PARALLEL_SYNTH_MIN_COUNTRIES)).toBeLessThanOrEqual(PARALLEL_SYNTH_MIN_COUNTRIES);
  });
});

describe("token creation stacks", () => {
  it("GIVEN an app made by createApp THEN cdktf records no creation stack for its tokens, only the notice", () => {
    createApp([shipped(SHIPPED[0]!)], join(tempDir(), "out"));
    const capture = (cdktfStackTrace as unknown as { captureStackTrace: () => string[] }).captureStackTrace;
    expect(capture()).toEqual([CREATION_STACK_NOTICE]);
  });
});
