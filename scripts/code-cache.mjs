// Build step (run by scripts/bundle-cli.mjs): makes V8's code cache for the one-file CLI bundle.
// It loads packages/cli/dist/sovereign.cjs the way the bin does, runs a representative command on
// it (a synth of a shipped country into a temporary folder, output discarded), so that the
// functions a command really runs are compiled, then saves the bytecode with the sha256 of the
// bundle, node and V8 versions it is valid for (bin/load-bundle.js checks them before use).
import { mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { cacheKey, cachePaths, loadBundle } from "../packages/cli/bin/load-bundle.js";

const bundle = new URL("../packages/cli/dist/sovereign.cjs", import.meta.url);
const work = mkdtempSync(join(tmpdir(), "sovereign-code-cache-"));
// A render cache of its own: the build must not leave charts rendered for the user's first synth.
process.env.SOVEREIGN_RENDER_CACHE = join(work, "render-cache");
try {
  const { exports, script, source } = loadBundle(bundle, { useCache: false });
  const quiet = { stdout: () => {}, stderr: () => {}, cwd: process.cwd(), env: process.env, isTTY: false };
  const code = await exports.main(["synth", "--country", "th", "--out", join(work, "out")], quiet);
  const data = script.createCachedData();
  const { data: dataFile, meta } = cachePaths(fileURLToPath(bundle));
  // Written beside and renamed: a reader never sees a half-written cache.
  writeFileSync(`${dataFile}.tmp`, data);
  writeFileSync(`${meta}.tmp`, `${JSON.stringify(cacheKey(source))}\n`);
  renameSync(`${dataFile}.tmp`, dataFile);
  renameSync(`${meta}.tmp`, meta);
  process.stdout.write(
    `made the CLI's code cache (${(data.length / 2 ** 20).toFixed(1)} MiB, after a synth that exited ${code})\n`,
  );
} finally {
  rmSync(work, { recursive: true, force: true });
}
