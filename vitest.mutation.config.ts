// Vitest for mutation runs: the repository's config, restricted to the tests named in
// MUTATION_TESTS (comma-separated), as one project (the split of vitest.config.ts would bring back
// every file) and without the CLI build of the global setup. The test files of one run share
// their imports (isolate: false); every mutant run still starts a fresh worker, so each mutant
// sees freshly loaded modules.
import { defineConfig } from "vitest/config";
import base from "./vitest.config.js";

const tests = (process.env.MUTATION_TESTS ?? "").split(",").filter(Boolean);
const { projects: _projects, ...shared } = base.test ?? {};

export default defineConfig({ ...base, test: { ...shared, include: tests, globalSetup: [], isolate: false } });
