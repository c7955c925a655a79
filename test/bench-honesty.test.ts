// The benchmarks measure what their rows say: deterministic checks of their inputs (no timings).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseProfile, repoRoot } from "@sovereign/profile";
import { describe, expect, it } from "vitest";
import { GATE_TRIALS, sampleTimes, simulateDrift } from "../scripts/bench/gate.js";
import { buildCorpus, evaluateCorpus, shippedRules } from "../scripts/bench/policy.js";
import { fleetProfiles } from "../scripts/bench/synth.js";
import { availablePacks } from "@sovereign/policy";

describe("fleet benchmark countries", () => {
  const fleet = fleetProfiles(50).map((p) => parseProfile(p.text, `${p.cc}.yaml`));

  it("GIVEN the 50 generated countries THEN codes and site sets are all distinct and each has 1-3 sites", () => {
    expect(new Set(fleet.map((p) => p.metadata.name)).size).toBe(50);
    const siteSets = fleet.map((p) => p.spec.sites.map((s) => s.name).sort().join(","));
    expect(new Set(siteSets).size).toBe(50);
    for (const p of fleet) {
      expect(p.spec.sites.length).toBeGreaterThanOrEqual(1);
      expect(p.spec.sites.length).toBeLessThanOrEqual(3);
    }
    expect(new Set(fleet.map((p) => p.spec.sites.length))).toEqual(new Set([1, 2, 3]));
  });

  it("GIVEN the 50 countries THEN they differ in models, pools and backends, and together run every shipped pack", () => {
    expect(new Set(fleet.map((p) => p.spec.serving.models.length)).size).toBeGreaterThan(1);
    expect(new Set(fleet.map((p) => p.spec.gpuPools[0]!.sharing.strategy)).size).toBeGreaterThan(1);
    expect(new Set(fleet.map((p) => p.spec.stateBackend.type)).size).toBeGreaterThan(1);
    expect(new Set(fleet.flatMap((p) => p.spec.policies))).toEqual(new Set(availablePacks()));
  });
});

describe("policy benchmark corpus", () => {
  it("GIVEN the 10k corpus WHEN evaluated against every shipped pack THEN every distinct shipped rule applies and at least 10% of objects have findings", async () => {
    const parts = await buildCorpus(10_000);
    const objects = parts.flatMap((p) => p.objects);
    expect(objects).toHaveLength(10_000);
    expect(objects.some((o) => o.source === "helm")).toBe(true);
    const real = objects.filter((o) => !o.address.includes("-c"));
    expect(real.length).toBeGreaterThan(500);

    const { packs, ids } = shippedRules();
    const { findings, applied } = evaluateCorpus(parts, packs);
    if (ids.length < 40) {
      process.stdout.write(
        `bench honesty: only ${ids.length} distinct rules are shipped (fewer than 40); the corpus runs all of them\n`,
      );
    }
    expect([...new Set([...applied.keys()].map((r) => r.id))].sort()).toEqual(ids);
    const flagged = new Set(findings.map((f) => `${f.stack}|${f.address}|${f.objectRef.kind}|${f.objectRef.name}`));
    expect(flagged.size / objects.length).toBeGreaterThanOrEqual(0.1);
    expect(new Set(findings.map((f) => f.ruleId)).size).toBeGreaterThanOrEqual(Math.min(ids.length, 15));
    expect(findings.some((f) => f.message.startsWith("failed expression:"))).toBe(false);
  }, 300_000);
});

describe("gate benchmark", () => {
  it("GIVEN the headline rows THEN each runs at least 10,000 trials", () => {
    expect(GATE_TRIALS).toBeGreaterThanOrEqual(10_000);
  });

  it("GIVEN the A B B A rounds THEN both sides sit at the same mean time (a linear drift cancels), and A-then-B does not", () => {
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean(sampleTimes("interleaved", "A", 20))).toBeCloseTo(mean(sampleTimes("interleaved", "B", 20)), 10);
    expect(mean(sampleTimes("sequential", "B", 20)) - mean(sampleTimes("sequential", "A", 20))).toBeCloseTo(0.5, 10);
  });

  it("GIVEN a 3% step drift on a recorded baseline THEN false FAILs appear that the interleaved design does not show", () => {
    const sc = { driftPct: 3, effectPct: 0, slowKernels: 0, cvPct: 2, repetitions: 20, trials: 40, seed: 7 };
    expect(simulateDrift({ ...sc, design: "recorded" }).FAIL).toBeGreaterThan(20);
    expect(simulateDrift({ ...sc, design: "interleaved" }).FAIL).toBe(0);
  });
});

describe("install footprint", () => {
  const root = repoRoot();
  const lock = JSON.parse(readFileSync(join(root, "package-lock.json"), "utf8")) as {
    packages: Record<string, { peer?: boolean; dependencies?: Record<string, string> }>;
  };

  it("GIVEN .npmrc THEN npm ci omits peer-only packages", () => {
    expect(readFileSync(join(root, ".npmrc"), "utf8")).toMatch(/^omit=peer$/m);
  });

  it("GIVEN the lock THEN no package the kit declares is peer-only (it would be omitted), and aws-cdk-lib is", () => {
    // A workspace's dependency resolves to its own node_modules/<name>, else the hoisted one.
    const resolved = (ws: string, name: string) =>
      lock.packages[`${ws ? `${ws}/` : ""}node_modules/${name}`] ?? lock.packages[`node_modules/${name}`];
    const peerDeclared = Object.entries(lock.packages)
      .filter(([k]) => !k.includes("node_modules/"))
      .flatMap(([ws, v]) => Object.keys(v.dependencies ?? {}).filter((d) => resolved(ws, d)?.peer));
    expect(peerDeclared).toEqual([]);
    const peerOnly = new Set(
      Object.entries(lock.packages)
        .filter(([k, v]) => v.peer && k.split("node_modules/").length === 2)
        .map(([k]) => k.slice("node_modules/".length)),
    );
    expect(peerOnly.has("aws-cdk-lib")).toBe(true);
    expect(peerOnly.has("@aws-cdk/asset-awscli-v1")).toBe(true);
  });
});
