import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const root = fileURLToPath(new URL(".", import.meta.url));

export default defineConfig({
  resolve: {
    // Tests run the TypeScript sources of sibling packages directly; dist/ exists only for the bin.
    alias: [
      { find: /^@sovereign\/stacks$/, replacement: `${root}stacks/index.ts` },
      { find: /^@sovereign\/([a-z-]+)$/, replacement: `${root}packages/$1/src/index.ts` },
    ],
  },
  test: {
    globalSetup: ["test/global-setup.ts"],
    include: ["packages/*/test/**/*.test.ts", "stacks/test/**/*.test.ts", "test/**/*.test.ts"],
    // Timeouts only catch hangs; they are not speed targets (those live in `npm run bench`).
    // Generous, so a test on a loaded shared 2-core machine is never failed for being slow.
    testTimeout: 300_000,
    hookTimeout: 600_000,
    pool: "forks",
  },
});
