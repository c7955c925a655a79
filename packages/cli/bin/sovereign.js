#!/usr/bin/env node
// Thin launcher: the CLI is compiled to dist/ by `npm ci` (the root `prepare` script runs `tsc -b`).
import { existsSync } from "node:fs";

const entry = new URL("../dist/index.js", import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write(
    "sovereign: the CLI is not built yet.\n  fix: run `npm ci` (or `npm run build`) in the repository root\n",
  );
  process.exit(2);
}
const { main } = await import(entry.href);
process.exitCode = await main(process.argv.slice(2));
