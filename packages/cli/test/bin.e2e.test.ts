import { existsSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "@sovereign/profile";
import { execa } from "execa";
import { describe, expect, it } from "vitest";

const root = repoRoot();
const bin = join(root, "packages", "cli", "bin", "sovereign.js");

describe("the built bin, end to end", () => {
  it("GIVEN the test run's global setup THEN the bin's compiled entry exists", () => {
    expect(existsSync(join(root, "packages", "cli", "dist", "index.js"))).toBe(true);
  });

  it("GIVEN npx resolution WHEN `sovereign` is looked up THEN node_modules/.bin links to the bin", () => {
    expect(existsSync(join(root, "node_modules", ".bin", "sovereign"))).toBe(true);
  });

  it("GIVEN the shipped th profile WHEN `sovereign validate --country th` runs THEN exit 0", async () => {
    const r = await execa("node", [bin, "validate", "--country", "th"], { cwd: root, reject: false });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain("valid CountryProfile th");
  });

  it("GIVEN --format json WHEN validating THEN stdout is the normalized profile", async () => {
    const r = await execa("node", [bin, "validate", "--country", "th", "--format", "json"], { cwd: root });
    const p = JSON.parse(r.stdout);
    expect(p.spec.country).toBe("TH");
    expect(p.spec.serving.models[0].gate.repetitions).toBe(20);
  });

  it("GIVEN a usage error WHEN run THEN exit 2 and the message is on stderr only", async () => {
    const r = await execa("node", [bin, "validate", "--country", "xx"], { cwd: root, reject: false });
    expect(r.exitCode).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/no shipped profile for country "xx"[\s\S]*fix:/);
  });
});
