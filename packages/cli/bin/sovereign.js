#!/usr/bin/env node
// Launcher. `npm ci` (the root `prepare` script) and `npm run build` compile the CLI to dist/ and
// bundle it into one CommonJS file, dist/sovereign.cjs, which starts faster than hundreds of
// modules, plus V8's code cache for it (see load-bundle.js; SOVEREIGN_CODE_CACHE=off skips it). The bundle runs only while every file
// of the kit it was built from is unchanged (size and mtime, listed in dist/sovereign.inputs.json);
// otherwise, e.g. after a bare `tsc -b`, dist/index.js runs.
import { existsSync } from "node:fs";
import { bundleIsCurrent, loadBundle, useBundleForSynthWorkers } from "./load-bundle.js";

const dist = new URL("../dist/", import.meta.url);
const bundle = new URL("sovereign.cjs", dist);

let main;
if (bundleIsCurrent(dist)) {
  // SOVEREIGN_CODE_CACHE=off compiles from source (to measure or rule out the cache).
  ({ main } = loadBundle(bundle).exports);
  useBundleForSynthWorkers();
} else {
  const entry = new URL("index.js", dist);
  if (!existsSync(entry)) {
    process.stderr.write(
      "sovereign: the CLI is not built yet.\n  fix: run `npm ci` (or `npm run build`) in the repository root\n",
    );
    process.exit(2);
  }
  ({ main } = await import(entry.href));
}
process.exitCode = await main(process.argv.slice(2));
