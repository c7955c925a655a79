// Mutation testing (`npm run mutation -- <module>`), not part of `npm test` or CI: it re-runs the
// selected tests once per mutant and takes minutes per module on a shared 2-core machine.
// Each module mutates its sources and runs only the tests written for them (MUTATION_TESTS is
// read by vitest.mutation.config.ts). Scores are recorded in docs/benchmarks.md.
const modules = {
  "profile-checks": {
    mutate: ["packages/profile/src/checks.ts", "packages/diagnostics/src/rules.ts"],
    tests: [
      "packages/profile/test/boundaries.test.ts",
      "packages/profile/test/checks-table.test.ts",
      "packages/diagnostics/test/rules.test.ts",
    ],
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
  // Static mutants (code run when a module loads, e.g. the entries of the PROFILE_CHECKS table)
  // each need a fresh test process: about an hour per module on a shared 2-core machine. They
  // are skipped and their count is reported next to the score in docs/benchmarks.md.
  ignoreStatic: true,
  concurrency: 1,
  reporters: ["clear-text", "json"],
  jsonReporter: { fileName: `reports/mutation/${name}.json` },
  tempDirName: ".stryker-tmp",
  ignorePatterns: ["**/dist/**", "**/build/**", "cdktf.out", "reports", ".bench", "policy-report"],
  timeoutMS: 60_000,
  thresholds: { high: 90, low: 85, break: null },
};
