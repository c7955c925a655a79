import { fileURLToPath } from "node:url";
import { configDefaults, defineConfig } from "vitest/config";

const root = fileURLToPath(new URL(".", import.meta.url));

const ALL = ["packages/*/test/**/*.test.ts", "stacks/test/**/*.test.ts", "test/**/*.test.ts"];
/**
 * Files that get a fresh process each: a module mock (vi.mock) must not leak into other files'
 * imports; the kill tests interrupt commands with signals and check what they leave behind, kept
 * apart so that nothing they set up reaches other files (they also make the longest file, which
 * runs beside the shared project's files).
 */
const OWN_PROCESS = ["test/stacks-cli-findings.test.ts", "test/kill.test.ts"];

// Tests run the TypeScript sources of sibling packages directly; dist/ exists only for the bin.
const resolve = {
  alias: [
    { find: /^@sovereign\/stacks$/, replacement: `${root}stacks/index.ts` },
    { find: /^@sovereign\/([a-z-]+)$/, replacement: `${root}packages/$1/src/index.ts` },
  ],
};
const common = {
  // Timeouts only catch hangs; they are not speed targets (those live in `npm run bench`).
  // Generous, so a test on a loaded shared 2-core machine is never failed for being slow.
  testTimeout: 300_000,
  hookTimeout: 600_000,
  // Forked workers, not threads: tests spawn and signal child processes, and the CLI's temp
  // cleanup installs signal handlers, which worker threads never receive.
  pool: "forks",
} as const;

export default defineConfig({
  resolve,
  test: {
    ...common,
    // Runs once per `vitest run` (in this root config only: a project repeating it would build
    // twice). Builds the CLI and gives the run its own temporary directory.
    globalSetup: ["test/global-setup.ts"],
    // Both cores: vitest's default (cores - 1) leaves one idle on a 2-core machine. Two files
    // at once never share a path: every test writes below its own mkdtemp directory.
    maxWorkers: 2,
    projects: [
      {
        resolve,
        test: {
          ...common,
          name: "shared",
          include: ALL,
          exclude: [...configDefaults.exclude, ...OWN_PROCESS],
          // Files run one after another in a worker that keeps its loaded modules: cdktf, the
          // stacks, CEL and kubernetes-models load once per worker instead of once per file
          // (about half of the suite's CPU time). Module state the tests share is caches keyed
          // by content; a test that sets an environment variable restores it.
          isolate: false,
        },
      },
      { resolve, test: { ...common, name: "own-process", include: OWN_PROCESS, isolate: true } },
    ],
  },
});
