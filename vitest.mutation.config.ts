// Vitest for mutation runs: the repository's config, restricted to the tests named in
// MUTATION_TESTS (comma-separated) and without the CLI build of the global setup.
import { defineConfig } from "vitest/config";
import base from "./vitest.config.js";

const tests = (process.env.MUTATION_TESTS ?? "").split(",").filter(Boolean);

export default defineConfig({ ...base, test: { ...base.test, include: tests, globalSetup: [] } });
