// Loads the one-file CLI bundle (dist/sovereign.cjs) with V8's code cache. Node 20 compiles an ES
// module from source on every start and has no compile cache for it; a CommonJS bundle run through
// vm.Script can take the bytecode V8 produced on an earlier run (`cachedData`), which saves most of
// the parsing and compiling of the 4 MB bundle. The cache is made at build time
// (scripts/bundle-cli.mjs, after a representative synth so the functions a command runs are in
// it) and used only when its recorded sha256 of the bundle, node version and V8 version match; V8
// itself rejects a cache made under other flags. Any mismatch or a missing cache compiles from
// source, as a plain start would: the cache changes start-up time, never behaviour.
import { createHash } from "node:crypto";
import { existsSync, readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { Script } from "node:vm";

/**
 * True when dist/sovereign.cjs exists and every file of the kit it was built from is unchanged
 * (size and mtime, as listed in dist/sovereign.inputs.json); otherwise the compiled modules run.
 */
export function bundleIsCurrent(dist) {
  try {
    const { files } = JSON.parse(readFileSync(new URL("sovereign.inputs.json", dist), "utf8"));
    return (
      existsSync(new URL("sovereign.cjs", dist)) &&
      files.every(([path, size, mtimeMs]) => {
        const s = statSync(new URL(path, dist));
        return s.size === size && s.mtimeMs === mtimeMs;
      })
    );
  } catch {
    return false;
  }
}

/**
 * Makes a parallel synth in this process start its worker threads from the bundle too
 * (bin/synth-worker.js). The key is the one stacks' synth.ts reads (SYNTH_WORKER_ENTRY); a
 * global, so the bin sets it without loading the synth code.
 */
export function useBundleForSynthWorkers() {
  globalThis[Symbol.for("sovereign.synthWorkerEntry")] = new URL("./synth-worker.js", import.meta.url);
}

/** The cache's file and its metadata (sha256 of the bundle it was made from, node and V8 versions). */
export function cachePaths(bundle) {
  return { data: `${bundle}.v8cache`, meta: `${bundle}.v8cache.json` };
}

/**
 * What a cache made now, in this process, is valid for. `source` is the bundle's text or its bytes
 * (the same digest: the bin hashes the bytes it read, which skips re-encoding 4 MB of text).
 */
export function cacheKey(source) {
  return {
    sha256: createHash("sha256").update(source).digest("hex"),
    node: process.version,
    v8: process.versions.v8,
    arch: process.arch,
  };
}

function usableCache(bundle, bytes) {
  const { data, meta } = cachePaths(bundle);
  if (!existsSync(data) || !existsSync(meta)) return undefined;
  try {
    const want = cacheKey(bytes);
    const got = JSON.parse(readFileSync(meta, "utf8"));
    const same = Object.keys(want).every((k) => got[k] === want[k]);
    return same ? readFileSync(data) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Runs the CommonJS bundle at `bundleUrl` as Node's loader would (same wrapper arguments), with
 * the code cache when it is valid. Returns the bundle's exports, the compiled script (for
 * createCachedData) and whether a cache was offered and accepted.
 */
export function loadBundle(bundleUrl, { useCache = process.env.SOVEREIGN_CODE_CACHE !== "off" } = {}) {
  const file = fileURLToPath(bundleUrl);
  const bytes = readFileSync(file);
  const source = bytes.toString("utf8");
  const cachedData = useCache ? usableCache(file, bytes) : undefined;
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: file,
    cachedData,
  });
  const module = { exports: {} };
  script.runInThisContext().call(module.exports, module.exports, createRequire(file), module, file, dirname(file));
  return {
    exports: module.exports,
    script,
    source,
    cache: cachedData === undefined ? "none" : script.cachedDataRejected ? "rejected" : "accepted",
  };
}
