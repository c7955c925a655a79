// Mutation testing (`npm run mutation -- <module>`), not part of `npm test` or CI: it re-runs the
// selected tests once per mutant and takes minutes per module on a shared 2-core machine.
// Each module mutates its sources and runs only the tests written for them (MUTATION_TESTS is
// read by vitest.mutation.config.ts). Scores are recorded in docs/benchmarks.md.
const modules = {
  // Profile checks run as two modules, each with its own tests: the table of cross-field checks,
  // and the naming and reference rules it (and the constructs, gate and CEL) applies.
  "profile-checks": {
    mutate: ["packages/profile/src/checks.ts"],
    tests: [
      "packages/profile/test/boundaries.test.ts",
      "packages/profile/test/checks-table.test.ts",
      "packages/profile/test/checks-branches.test.ts",
    ],
  },
  "naming-rules": {
    mutate: ["packages/diagnostics/src/rules.ts"],
    tests: ["packages/diagnostics/test/rules.test.ts"],
  },
  "policy-params": {
    mutate: ["packages/policy/src/params.ts"],
    tests: ["packages/policy/test/params.test.ts", "packages/policy/test/rules-cel.test.ts"],
  },
  "gate-decision": {
    mutate: ["packages/gate/src/decide.ts"],
    tests: ["packages/gate/test/decide.test.ts"],
  },
  "bundle-verify": {
    mutate: ["packages/bundle/src/verify.ts"],
    tests: ["packages/bundle/test/verify-branches.test.ts"],
  },
};

const name = process.env.MUTATION_MODULE;
const m = modules[name];
if (!m) {
  throw new Error(`set MUTATION_MODULE to one of: ${Object.keys(modules).join(", ")} (npm run mutation -- <module>)`);
}
process.env.MUTATION_TESTS = m.tests.join(",");

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: "vitest",
  vitest: { configFile: "vitest.mutation.config.ts" },
  mutate: m.mutate,
  coverageAnalysis: "perTest",
  // Static mutants (in code run when a module loads: exported constants such as the params'
  // namespace lists or the gate's default options) are tested too: the vitest runner starts a
  // fresh worker for every mutant run, so each one re-imports the mutated module. They run all
  // the module's tests (no per-test coverage), which the small test lists make affordable.
  // Tables that hold logic (the profile checks) are built per call, so their entries get
  // per-test coverage like any other code.
  ignoreStatic: false,
  // Re-runs only the mutants whose code or covering tests changed since the module's last run
  // (`npm run mutation -- <module> --force` re-tests everything). The file is not committed.
  incremental: true,
  incrementalFile: `reports/mutation/${name}.incremental.json`,
  concurrency: 1,
  reporters: ["clear-text", "json", "progress-append-only"],
  jsonReporter: { fileName: `reports/mutation/${name}.json` },
  tempDirName: ".stryker-tmp",
  ignorePatterns: ["**/dist/**", "**/build/**", "cdktf.out", "reports", ".bench", "policy-report"],
  // Added to 1.5x a mutant's tests' time in the initial run: a mutant that loops forever is cut
  // off after about 15 s (counted as detected, "timeout"). Every module's tests take a few
  // seconds at most even on the loaded machine, so a slow but correct run is not cut off.
  timeoutMS: 15_000,
  thresholds: { high: 90, low: 85, break: null },
};
