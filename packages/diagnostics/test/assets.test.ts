import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { assetPath, repoRoot } from "../src/index.js";

describe("repository asset lookup", () => {
  it("GIVEN the installed packages WHEN locating the repository THEN its root holds the shipped assets", () => {
    const root = repoRoot();
    for (const asset of ["package.json", "policies/residency-core.yaml", "stacks/countries/th.yaml", "charts"]) {
      expect(existsSync(join(root, asset)), asset).toBe(true);
    }
    expect(assetPath("policies", "rule-ids.json")).toBe(join(root, "policies", "rule-ids.json"));
  });
});
