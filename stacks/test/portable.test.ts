import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KitError } from "@sovereign/diagnostics";
import { parseProfile, repoRoot, shippedProfilePath } from "@sovereign/profile";
import { afterAll, describe, expect, it } from "vitest";
import { synthesizeCountry } from "../index.js";

const work = mkdtempSync(join(tmpdir(), "portable-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("portable synth output", () => {
  it("GIVEN a local state path inside the checkout WHEN synthesized THEN exit-2 KitError naming the field, and nothing written", async () => {
    const text = readFileSync(shippedProfilePath("th"), "utf8")
      .replace(
        "    type: kubernetes\n    namespace: sovereign-state\n",
        `    type: local\n    path: ${join(repoRoot(), "state", "th.tfstate")}\n`,
      )
      // local state is for demos only (validate refuses it otherwise)
      .replace("metadata:\n  name: th\n", 'metadata:\n  name: th\n  labels: { sovereign.ai/demo: "true" }\n');
    const profile = parseProfile(text, "th-local.yaml");
    const out = join(work, "out");
    const err = await synthesizeCountry(profile, out).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KitError);
    expect((err as KitError).exitCode).toBe(2);
    expect((err as KitError).code).toBe("synth.not_portable");
    expect((err as KitError).message).toContain(repoRoot());
    expect((err as KitError).hint).toContain("spec.stateBackend.path");
    expect(existsSync(out)).toBe(false);
  });
});
