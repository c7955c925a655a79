// Build step: bundles the compiled CLI (packages/cli/dist) and the kit's packages it loads into one
// ES module, packages/cli/dist/sovereign.mjs, which the bin prefers. One file instead of hundreds
// saves the module resolution and loading that dominate a cold start. Files that find their own
// location through import.meta.url (repository root, chart and tool paths) keep their original
// location: each use is rewritten to the URL the file had before bundling.
import { statSync, writeFileSync } from "node:fs";
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
const outfile = `${root}packages/cli/dist/sovereign.mjs`;

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
      // __kitBundleUrl (banner), not import.meta: import.meta would make esbuild treat a CommonJS
      // file as an ES module.
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
  entryPoints: [`${root}packages/cli/dist/index.js`],
  outfile,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  // playwright-core: loaded only for PDF reports, and it ships its own browser protocol files.
  // libxmljs2, xmlbuilder2: optional plug-ins of the SBOM library, tried inside try/catch and not
  // installed; left as requires so that library falls back as it does unbundled.
  external: ["playwright-core", "libxmljs2", "xmlbuilder2"],
  // CommonJS modules in an ES bundle need a real `require` for Node built-ins.
  banner: {
    js: [
      'import { createRequire as __kitCreateRequire } from "node:module";',
      'import { dirname as __kitDirname } from "node:path";',
      'import { fileURLToPath as __kitFileURLToPath } from "node:url";',
      "const __kitBundleUrl = import.meta.url;",
      "const require = __kitCreateRequire(import.meta.url); const __kitRequire = require;",
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
