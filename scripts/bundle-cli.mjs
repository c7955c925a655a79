// Build step: bundles the compiled CLI entry (packages/cli/dist/main.js) and the kit's packages it
// loads into one CommonJS file, packages/cli/dist/sovereign.cjs, which the bin prefers, and makes
// V8's code cache for it (scripts/code-cache.mjs). One file instead of hundreds saves the module
// resolution and loading that dominate a cold start; CommonJS because Node 20 can hand V8 a code
// cache only for a script (vm.Script), not for an ES module. Files that find their own
// location through import.meta.url (repository root, chart and tool paths) keep their original
// location: each use is rewritten to the URL the file had before bundling.
import { execFileSync } from "node:child_process";
import { rmSync, statSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname, relative } from "node:path";
import { fileURLToPath } from "node:url";

let build;
try {
  ({ build } = await import("esbuild"));
} catch {
  // Installed without dev dependencies: the bin runs the compiled dist/index.js instead.
  process.stdout.write("esbuild is not installed: the CLI runs unbundled (slower start)\n");
  process.exit(0);
}

const root = fileURLToPath(new URL("..", import.meta.url));
const outfile = `${root}packages/cli/dist/sovereign.cjs`;

/**
 * A bundled file keeps its own location: `import.meta.url` (ES modules) and `__dirname` /
 * `__filename` (CommonJS, e.g. libraries reading their own schema files) are rewritten to the
 * path the file had on disk, found relative to the bundle.
 */
const keepOwnLocation = {
  name: "keep-own-location",
  setup(b) {
    b.onLoad({ filter: /\.[cm]?js$/ }, async (args) => {
      let text = await readFile(args.path, "utf8");
      const usesUrl = text.includes("import.meta.url");
      const usesDirname = /\b__(dirname|filename)\b/.test(text) && !/\b(const|let|var)\s+__(dirname|filename)\b/.test(text);
      if (!usesUrl && !usesDirname) return undefined;
      const rel = JSON.stringify(relative(dirname(outfile), args.path).split("\\").join("/"));
      // __kitBundleUrl (banner): the bundle's own URL.
      const ownUrl = `new URL(${rel}, __kitBundleUrl)`;
      text = text.replaceAll("import.meta.url", `${ownUrl}.href`);
      if (usesDirname) {
        text = `var __filename = __kitFileURLToPath(${ownUrl}); var __dirname = __kitDirname(__filename);\n${text}`;
      }
      return { contents: text, loader: "js" };
    });
  },
};

/**
 * cdktf requires `archiver` at load time but calls it only for TerraformAsset zips, which the kit
 * never makes; archiver and its dependencies are ~30% of loading cdktf. In the bundle it becomes a
 * function that requires the real archiver on first call, so behaviour is unchanged.
 */
const lazyArchiver = {
  name: "lazy-archiver",
  setup(b) {
    b.onResolve({ filter: /^archiver$/ }, (args) =>
      args.importer.includes("/node_modules/cdktf/") ? { path: "archiver", namespace: "lazy-archiver" } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: "lazy-archiver" }, () => ({
      // __kitRequire (see banner) is invisible to esbuild, so archiver stays out of the bundle.
      // It is resolved from cdktf's own folder, where npm installs it.
      contents: 'module.exports = (...args) => __kitCreateRequire(__kitRequire.resolve("cdktf"))("archiver")(...args);',
      loader: "js",
    }));
  },
};

const result = await build({
  absWorkingDir: root,
  metafile: true,
  entryPoints: [`${root}packages/cli/dist/main.js`],
  outfile,
  bundle: true,
  platform: "node",
  format: "cjs",
  target: "node20",
  // import() of the externals becomes require(): a vm.Script has no module loader for import().
  supported: { "dynamic-import": false },
  // playwright-core: loaded only for PDF reports, and it ships its own browser protocol files.
  // libxmljs2, xmlbuilder2: optional plug-ins of the SBOM library, tried inside try/catch and not
  // installed; left as requires so that library falls back as it does unbundled.
  external: ["playwright-core", "libxmljs2", "xmlbuilder2"],
  // The bundle runs with the CommonJS wrapper's `require` and `__filename` (bin/load-bundle.js).
  banner: {
    js: [
      'const { createRequire: __kitCreateRequire } = require("node:module");',
      'const { dirname: __kitDirname } = require("node:path");',
      'const { fileURLToPath: __kitFileURLToPath, pathToFileURL: __kitPathToFileURL } = require("node:url");',
      "const __kitBundleUrl = __kitPathToFileURL(__filename).href; const __kitRequire = require;",
    ].join(" "),
  },
  plugins: [keepOwnLocation, lazyArchiver],
  logLevel: "warning",
  legalComments: "none",
});
// The bin uses the bundle only while the kit's own files it was built from (and the lockfile) are
// unchanged: after a bare `tsc -b` or an edit, it runs dist/index.js instead of stale code.
const own = Object.keys(result.metafile.inputs).filter((f) => !f.includes("node_modules/") && !f.includes(":"));
const files = [...own, "package-lock.json"].map((f) => {
  const s = statSync(`${root}${f}`);
  return [relative(dirname(outfile), `${root}${f}`), s.size, s.mtimeMs];
});
writeFileSync(`${root}packages/cli/dist/sovereign.inputs.json`, `${JSON.stringify({ files })}\n`);
process.stdout.write(`bundled the CLI into ${relative(root, outfile)}\n`);

// The code cache: a separate process runs a representative command on the fresh bundle and saves
// the bytecode V8 compiled for it. Without it the bundle still runs, compiling from source.
rmSync(`${root}packages/cli/dist/sovereign.mjs`, { force: true }); // the ES bundle of earlier builds
try {
  process.stdout.write(execFileSync(process.execPath, [`${root}scripts/code-cache.mjs`], { cwd: root, encoding: "utf8" }));
} catch (e) {
  process.stdout.write(`no code cache made (the CLI starts without it): ${String(e.stderr ?? e.message).trim().split("\n").at(-1)}\n`);
}
