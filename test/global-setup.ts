// Builds the CLI once before any test file runs: end-to-end tests execute the compiled bin the
// way users do, and two files building it side by side would race on dist/. The TypeScript step
// is skipped when the caller has just compiled it (SOVEREIGN_CLI_BUILT=1, set by `npm test`).
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

export default function setup(): void {
  const root = fileURLToPath(new URL("..", import.meta.url));
  // `npm test` has just compiled it in its type-check step: compiling again would only repeat work.
  if (process.env.SOVEREIGN_CLI_BUILT !== "1") {
    execFileSync(process.execPath, [`${root}node_modules/typescript/bin/tsc`, "-b", "packages/cli"], {
      cwd: root,
      stdio: "inherit",
    });
  }
  // The rest of `npm run build`: precompiled policy packs and the one-file CLI the bin prefers, so
  // end-to-end tests run what users run.
  for (const step of ["precompile-packs.mjs", "bundle-cli.mjs"]) {
    execFileSync(process.execPath, [`${root}scripts/${step}`], { cwd: root, stdio: ["ignore", "ignore", "inherit"] });
  }
}
