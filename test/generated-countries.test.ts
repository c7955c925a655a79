import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { evaluate, type SynthObject } from "@sovereign/policy";
import { parseProfile } from "@sovereign/profile";
import { collectObjects, collectTerraform, synthesizeCountry } from "@sovereign/stacks";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { arbProfile } from "./generated-profiles.js";

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe("generated countries", () => {
  it("GIVEN random valid profiles WHEN synthesized THEN all four stacks exist and their residency packs find nothing", async () => {
    await fc.assert(
      fc.asyncProperty(arbProfile, async ({ text, cc }) => {
        const profile = parseProfile(text, `${cc}.yaml`);
        const dir = mkdtempSync(join(tmpdir(), `gen-${cc}-`));
        dirs.push(dir);
        const result = await synthesizeCountry(profile, dir);
        expect(JSON.stringify(result)).toContain(`${cc}-serving`);
        const objects = (await collectObjects(dir)) as SynthObject[];
        const errors = evaluate({ profile, objects, terraform: await collectTerraform(dir) }).filter(
          (f) => f.severity === "error",
        );
        expect(errors.map((f) => `${f.ruleId} ${f.objectRef.kind} ${f.objectRef.name}: ${f.message}`)).toEqual([]);
        const registry = profile.spec.registry;
        for (const { object } of objects) {
          for (const m of JSON.stringify(object).matchAll(/"image":"([^"]+)"/g)) {
            expect(m[1]!.startsWith(`${registry}/`) && /@sha256:[0-9a-f]{64}$/.test(m[1]!), m[1]).toBe(true);
          }
        }
        const gates = objects.filter((o) => o.object.kind === "Job" && o.object.metadata.name?.includes("-gate-"));
        expect(gates).toHaveLength(profile.spec.serving.models.length);
        // Every model's weight cache claims from a class of its own pool's site.
        const classSite = new Map(profile.spec.storage.classes.map((c) => [c.name, c.site]));
        for (const { object } of objects.filter((o) => o.source === "helm" && o.object.kind === "Deployment")) {
          const spec = (object as any).spec.template;
          const pool = profile.spec.gpuPools.find((p) => p.name === spec.metadata.labels["sovereign.ai/gpu-pool"])!;
          const claim = spec.spec.volumes.find((v: any) => v.ephemeral).ephemeral.volumeClaimTemplate;
          expect(classSite.get(claim.spec.storageClassName), object.metadata.name).toBe(pool.site);
        }
      }),
      { numRuns: 12, seed: 4242 },
    );
  }, 600_000);
});
