// Runs once before any test file, in vitest's main process:
// - builds the CLI: end-to-end tests execute the compiled bin the way users do, and two files
//   building it side by side would race on dist/. Each step is skipped when its output is current;
// - gives the run a private temporary directory (TMPDIR, inherited by every worker and every
//   process a test starts) and removes it at the end, so no run leaves anything in the system's
//   temp directory, whatever a test or an interrupted command forgot.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));

/**
 * Whether dist/sovereign.cjs exists and was bundled from the files on disk now: the same checks
 * (size and mtime of every input) the bin makes before it prefers the bundle
 * (packages/cli/bin/sovereign.js).
 */
function bundleIsCurrent(): boolean {
  const dist = join(root, "packages/cli/dist");
  try {
    const { files } = JSON.parse(readFileSync(join(dist, "sovereign.inputs.json"), "utf8")) as {
      files: [string, number, number][];
    };
    return existsSync(join(dist, "sovereign.cjs")) && files.every(([path, size, mtimeMs]) => {
      const s = statSync(join(dist, path));
      return s.size === size && s.mtimeMs === mtimeMs;
    });
  } catch {
    return false;
  }
}

function build(): void {
  // `npm test` has just compiled it in its type-check step: compiling again would only repeat work.
  if (process.env.SOVEREIGN_CLI_BUILT !== "1") {
    execFileSync(process.execPath, [`${root}node_modules/typescript/bin/tsc`, "-b", "packages/cli"], {
      cwd: root,
      stdio: "inherit",
    });
  }
  // The rest of `npm run build`: precompiled policy packs (a no-op for packs already stored under
  // their YAML's hash) and the one-file CLI the bin prefers with its code cache (which costs a
  // synth to make), so end-to-end tests run what users run.
  const steps = bundleIsCurrent() ? ["precompile-packs.mjs"] : ["precompile-packs.mjs", "bundle-cli.mjs"];
  for (const step of steps) {
    execFileSync(process.execPath, [`${root}scripts/${step}`], { cwd: root, stdio: ["ignore", "ignore", "inherit"] });
  }
}

export default function setup(): () => void {
  build();
  const previous = process.env.TMPDIR;
  const runTmp = mkdtempSync(join(tmpdir(), "sovereign-test-run-"));
  // tsx (the processes tests start with TypeScript sources) keeps its compile cache in
  // <tmpdir>/tsx-<uid>: a link to the system one keeps it warm across runs, as outside tests.
  // Removing the run's folder removes the link, not the cache.
  const tsxCache = `tsx-${process.geteuid?.() ?? "user"}`;
  mkdirSync(join(tmpdir(), tsxCache), { recursive: true, mode: 0o700 });
  symlinkSync(join(tmpdir(), tsxCache), join(runTmp, tsxCache));
  process.env.TMPDIR = runTmp;
  return () => {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    const left = readdirSync(runTmp).filter((n) => n !== tsxCache);
    rmSync(runTmp, { recursive: true, force: true });
    // Not a failure (a killed command may rightly leave its temp behind), but visible, by name
    // without mkdtemp's random suffix, so the test or command that forgot is easy to find.
    if (left.length > 0) {
      const kinds = [...new Set(left.map((n) => n.replace(/[-.][A-Za-z0-9]{6}$/, "-*")))].sort();
      console.log(`removed ${left.length} temporary entries tests left behind: ${kinds.join(" ")}`);
    }
  };
}
