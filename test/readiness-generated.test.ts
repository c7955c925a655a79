import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseProfile } from "@sovereign/profile";
import { checkReadiness } from "@sovereign/readiness";
import { collectObjectsDetailed, synthesizeCountry } from "@sovereign/stacks";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { arbProfile } from "./generated-profiles.js";

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe("deploy readiness of generated countries", () => {
  it("GIVEN random valid profiles (1-3 sites, a serving pool and a model at every site, any sharing) WHEN synthesized THEN the readiness check finds nothing", async () => {
    await fc.assert(
      fc.asyncProperty(arbProfile, async ({ text, cc }) => {
        const profile = parseProfile(text, `${cc}.yaml`);
        const dir = mkdtempSync(join(tmpdir(), `ready-${cc}-`));
        dirs.push(dir);
        await synthesizeCountry(profile, dir);
        const { objects, unrendered } = await collectObjectsDetailed(dir);
        const findings = checkReadiness({ profile, objects, unrendered });
        expect(findings.map((f) => `${f.ruleId} ${f.object.kind} ${f.object.name}: ${f.message}`)).toEqual([]);
        // The check saw every model's pods: one Deployment and one gate Job per model, at every site.
        const kinds = (k: string) => objects.filter((o) => o.object.kind === k).length;
        expect(kinds("Deployment")).toBe(profile.spec.serving.models.length);
        expect(kinds("Job")).toBe(profile.spec.serving.models.length);
        const sites = new Set(profile.spec.serving.models.map((m) => profile.spec.gpuPools.find((p) => p.name === m.pool)!.site));
        expect(sites.size).toBe(profile.spec.sites.length);
      }),
      { numRuns: 8, seed: 1010 },
    );
  }, 240_000);
});
