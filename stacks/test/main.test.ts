import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "@sovereign/profile";
import { afterAll, describe, expect, it } from "vitest";
import { cleanup, SHIPPED, tempDir } from "./helpers.js";

afterAll(cleanup);

function runMain(env: Record<string, string>): void {
  execFileSync(
    process.execPath,
    ["--conditions=source", "--import", "tsx", join(repoRoot(), "stacks", "main.ts")],
    {
      cwd: repoRoot(),
      // TMPDIR too: the run's private temporary directory (test/global-setup.ts).
      env: { PATH: process.env.PATH ?? "", ...(process.env.TMPDIR ? { TMPDIR: process.env.TMPDIR } : {}), ...env },
      stdio: "pipe",
    },
  );
}

describe("stacks/main.ts (the app cdktf-cli runs)", () => {
  it("GIVEN SOVEREIGN_COUNTRY and CDKTF_OUTDIR as cdktf-cli sets them THEN that country's six stacks are written there", () => {
    const out = join(tempDir(), "cdktf.out");
    runMain({ SOVEREIGN_COUNTRY: "sa", CDKTF_OUTDIR: out });
    const manifest = JSON.parse(readFileSync(join(out, "manifest.json"), "utf8"));
    expect(Object.keys(manifest.stacks).sort()).toEqual([
      "sa-crds",
      "sa-gpu",
      "sa-platform",
      "sa-serving",
      "sa-storage",
      "sa-training",
    ]);
  });

  it("GIVEN no country THEN every shipped country is synthesized", () => {
    const out = join(tempDir(), "cdktf.out");
    runMain({ CDKTF_OUTDIR: out });
    for (const cc of SHIPPED)
      expect(existsSync(join(out, "stacks", `${cc}-serving`, "cdk.tf.json"))).toBe(true);
  });

  it("GIVEN cdktf.json THEN it runs main.ts and writes to cdktf.out", () => {
    const cfg = JSON.parse(readFileSync(join(repoRoot(), "cdktf.json"), "utf8"));
    expect(cfg.app).toContain("stacks/main.ts");
    expect(cfg.output).toBe("cdktf.out");
    expect(cfg.terraformProviders).toEqual([]);
  });
});
