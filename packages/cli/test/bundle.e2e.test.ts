import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "@sovereign/profile";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { commands } from "../src/commands/index.js";

const root = repoRoot();
const dist = join(root, "packages", "cli", "dist");
const bin = join(root, "packages", "cli", "bin", "sovereign.js");

describe("the one-file CLI bundle", () => {
  it("GIVEN the test run's build THEN the bundle is current, so every end-to-end test runs it as users do", () => {
    const { files } = JSON.parse(readFileSync(join(dist, "sovereign.inputs.json"), "utf8")) as {
      files: [string, number, number][];
    };
    expect(files.length).toBeGreaterThan(50);
    expect(files.some(([f]) => f.endsWith("policy/dist/pack.js"))).toBe(true);
    const changed = files.filter(([f, size, mtimeMs]) => {
      const s = statSync(join(dist, f));
      return s.size !== size || s.mtimeMs !== mtimeMs;
    });
    expect(changed).toEqual([]);
  });

  it.each(commands.map((c) => c.name))(
    "GIVEN the bundle WHEN `sovereign %s --help` loads the command THEN it initializes and prints its usage",
    async (name) => {
      const r = await execa("node", [bin, name, "--help"], { cwd: root, reject: false });
      expect(r.stderr).toBe("");
      expect(r.exitCode).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^usage: sovereign ${name}`));
    },
  );
});
