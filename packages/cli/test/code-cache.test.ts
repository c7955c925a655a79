// The bin's code cache: used only when its record matches the bundle exactly, and a missing,
// stale or corrupt cache changes nothing but start-up time.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { repoRoot } from "@sovereign/profile";
import { afterAll, describe, expect, it } from "vitest";
// @ts-expect-error plain JavaScript module of the bin, without type declarations
import { cacheKey, cachePaths, loadBundle } from "../bin/load-bundle.js";

const work = mkdtempSync(join(tmpdir(), "sovereign-code-cache-test-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const loader = join(repoRoot(), "packages", "cli", "bin", "load-bundle.js");

/**
 * Loads `file` as the bin does, in a fresh node process (V8 keeps what it compiled in its own
 * in-process cache, which would hide what the code cache does), and calls its main.
 */
function loadFresh(file: string): { cache: string; value: unknown } {
  const script = `
    import { loadBundle } from ${JSON.stringify(pathToFileURL(loader).href)};
    const r = loadBundle(new URL(${JSON.stringify(pathToFileURL(file).href)}));
    process.stdout.write(JSON.stringify({ cache: r.cache, value: typeof r.exports.main === "function" && r.exports.main.length === 0 ? r.exports.main() : null }));`;
  return JSON.parse(execFileSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" })) as {
    cache: string;
    value: unknown;
  };
}

/** A tiny CommonJS "bundle" and a valid cache for it, made the way scripts/code-cache.mjs does. */
function bundleWithCache(name: string, answer: number): string {
  const file = join(work, `${name}.cjs`);
  const source = `function f(){ return ${answer}; } module.exports.main = () => f();`;
  writeFileSync(file, source);
  const { script } = loadBundle(pathToFileURL(file), { useCache: false });
  const { data, meta } = cachePaths(file);
  writeFileSync(data, script.createCachedData());
  writeFileSync(meta, JSON.stringify(cacheKey(source)));
  return file;
}

describe("the CLI bundle's code cache", () => {
  it("GIVEN a cache made for the bundle WHEN loaded THEN V8 accepts it and the bundle runs", () => {
    const file = bundleWithCache("ok", 41);
    expect(loadFresh(file)).toEqual({ cache: "accepted", value: 41 });
  });

  it("GIVEN the bundle changed to a same-length source WHEN loaded THEN the stale cache is not offered (V8 checks only the length) and the new code runs", () => {
    const file = bundleWithCache("stale", 41);
    writeFileSync(file, readFileSync(file, "utf8").replace("41", "42"));
    expect(loadFresh(file)).toEqual({ cache: "none", value: 42 });
  });

  it("GIVEN a corrupt cache with a matching record WHEN loaded THEN V8 rejects it and the bundle still runs from source", () => {
    const file = bundleWithCache("corrupt", 7);
    writeFileSync(cachePaths(file).data, Buffer.alloc(4096, 1));
    expect(loadFresh(file)).toEqual({ cache: "rejected", value: 7 });
  });

  it("GIVEN no cache WHEN loaded THEN it compiles from source", () => {
    const file = bundleWithCache("none", 3);
    rmSync(cachePaths(file).data);
    expect(loadFresh(file)).toEqual({ cache: "none", value: 3 });
  });

  it("GIVEN the test run's build THEN the built CLI bundle has a cache recorded for exactly its bytes, which V8 accepts", () => {
    const bundle = join(repoRoot(), "packages", "cli", "dist", "sovereign.cjs");
    expect(existsSync(cachePaths(bundle).data)).toBe(true);
    const recorded = JSON.parse(readFileSync(cachePaths(bundle).meta, "utf8")) as { sha256: string };
    expect(recorded).toEqual(cacheKey(readFileSync(bundle, "utf8")));
    expect(loadFresh(bundle).cache).toBe("accepted");
  });
});
