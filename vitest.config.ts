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
    testTimeout: 60_000,
    hookTimeout: 180_000,
    pool: "forks",
  },
});
