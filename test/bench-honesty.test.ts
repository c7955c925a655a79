// The benchmarks measure what their rows say: deterministic checks of their inputs (no timings).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseProfile, repoRoot } from "@sovereign/profile";
import { describe, expect, it } from "vitest";
import { contenderScripts, DEFAULT_WEIGHTS_MIB } from "../scripts/bench/bundle.js";
import { GATE_TRIALS, sampleTimes, simulateDrift } from "../scripts/bench/gate.js";
import { buildCorpus, evaluateCorpus, shippedRules } from "../scripts/bench/policy.js";
import { IDLE_LOAD, runHeader, targetCells } from "../scripts/bench/lib/header.js";
import { fleetProfiles, type SynthMeasures, synthRows } from "../scripts/bench/synth.js";
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

describe("bench header and synth rows", () => {
  const stamp = (load: number) => ({ date: "2026-11-29T09:00:00.000Z", load: [load, 0.5, 0.25] as [number, number, number] });

  it("GIVEN start and end stamps THEN the header prints the date and the 1/5/15-minute load of both, and says when the run was not idle", () => {
    const busy = runHeader(stamp(0.4), stamp(3.2)).join("\n");
    expect(busy).toMatch(/start: 2026-11-29T09:00:00.000Z, load average 0.40 \/ 0.50 \/ 0.25 \(1 \/ 5 \/ 15 min\)/);
    expect(busy).toMatch(/end {2}: 2026-11-29T09:00:00.000Z, load average 3.20 \/ 0.50 \/ 0.25/);
    expect(busy).toContain("NOT IDLE");
    expect(runHeader(stamp(0.4), stamp(IDLE_LOAD)).join("\n")).not.toContain("NOT IDLE");
  });

  const t = (wallS: number, cpuS = wallS, rssMB = 130) => ({ wallS, cpuS, rssMB, loads: "load 0.5-0.7" });
  const measures = (coldWall: number, fleetWall: number, n = 50): SynthMeasures => ({
    floor: t(0.3),
    cold: [
      { cache: "empty", t: t(coldWall, coldWall + 0.2) },
      { cache: "warm", t: t(coldWall - 0.1, coldWall) },
    ],
    npx: t(1.2),
    fleet: {
      t: t(fleetWall, fleetWall * 1.5, 300),
      done: { countries: n, workers: 2, stacks: 4 * n, objects: 6000, helmObjects: 800, findings: 0, errors: 0 },
      n,
    },
  });

  it("GIVEN synth measurements THEN every row states a target and its verdict, or that it only reports", () => {
    for (const r of synthRows(measures(0.9, 14))) {
      const [target, met] = targetCells(r);
      expect(target.length).toBeGreaterThan(0);
      if (r.target === undefined) expect([target, met]).toEqual(["none (reported only)", "-"]);
      else expect(["yes", "NO"]).toContain(met);
    }
  });

  it("GIVEN a cold synth over 1.0 s and a fleet over 15 s THEN those rows say NO; under the targets they say yes", () => {
    const verdicts = (m: SynthMeasures) =>
      synthRows(m)
        .filter((r) => r.target !== undefined)
        .map((r) => `${r.target} ${r.ok ? "yes" : "NO"}`);
    const slow = verdicts(measures(1.3, 20));
    expect(slow.filter((v) => v === "<= 1.0 s idle NO")).toHaveLength(2);
    expect(slow).toContain("<= 15 s idle NO");
    const fast = verdicts(measures(0.8, 12));
    expect(fast.filter((v) => v.endsWith("NO"))).toEqual([]);
    expect(fast).toContain("<= 15 s idle yes");
    expect(fast).toContain("<= 300 MB yes");
  });

  it("GIVEN a fleet of other than 50 countries THEN its wall row reports without claiming the 50-country target", () => {
    const fleetWall = synthRows(measures(0.8, 3, 10)).find((r) => r.metric.startsWith("10 generated countries") && r.unit === "s" && r.metric.includes("wall"));
    expect(fleetWall?.target).toBeUndefined();
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
    expect(ids.length).toBeGreaterThanOrEqual(40);
    expect([...new Set([...applied.keys()].map((r) => r.id))].sort()).toEqual(ids);
    const flagged = new Set(findings.map((f) => `${f.stack}|${f.address}|${f.objectRef.kind}|${f.objectRef.name}`));
    expect(flagged.size / objects.length).toBeGreaterThanOrEqual(0.1);
    expect(new Set(findings.map((f) => f.ruleId)).size).toBeGreaterThanOrEqual(Math.min(ids.length, 15));
    expect(findings.some((f) => f.message.startsWith("failed expression:"))).toBe(false);

    // Every mutated copy is reported by a rule its mutation breaks: no mutation fits an object
    // without making it violate something, and every rule a mutation aims at finds it.
    const rulesOn = new Map<string, Set<string>>();
    for (const f of findings) {
      const k = `${f.stack}|${f.address}|${f.objectRef.kind}|${f.objectRef.name}`;
      rulesOn.set(k, (rulesOn.get(k) ?? new Set()).add(f.ruleId));
    }
    const keyOf = (o: (typeof objects)[number]) => `${o.stack}|${o.address}|${o.object.kind}|${o.object.metadata?.name ?? "(unnamed)"}`;
    const mutated = objects.filter((o) => o.mutated);
    expect(mutated.length).toBeGreaterThan(1000);
    const missed = mutated
      .filter((o) => !o.mutated!.breaks.some((r) => rulesOn.get(keyOf(o))?.has(r)))
      .map((o) => `${o.mutated!.name}: ${o.object.kind} ${o.address}`);
    expect(missed.slice(0, 5)).toEqual([]);
    const aimed = new Set(mutated.flatMap((o) => o.mutated!.breaks));
    for (const id of aimed) expect(ids, `a mutation aims at unknown rule ${id}`).toContain(id);
    // 28 distinct rules are aimed at by the mutations today: a mutation dropped or no longer fitting any object fails here.
    expect(aimed.size).toBeGreaterThanOrEqual(28);
  }, 300_000);
});

describe("bundle benchmark", () => {
  const out = { tar: "/w/b.tar", zst: "/w/b.tar.zst", dir: "/w/b-dir", tarZstd: "/w/base.tar.zst", tarOnly: "/w/base.tar", fixed: "/w/nw.tar", copy: "/w/copy.bin", zstd1: "/w/w.zst" };
  const scripts = contenderScripts({ node: "/usr/bin/node", bin: "/k/sovereign.js", key: "/w/k", weights: "/w/in/m.st", input: "/w/in", out });

  it("GIVEN the pack contenders THEN each one pays for its writes: sync ends every timed script", () => {
    for (const s of Object.values(scripts)) expect(s).toMatch(/ && sync$/);
  });

  it("GIVEN the pack contenders THEN the kit runs as the CLI process on the same weights file the baselines archive, into each form", () => {
    for (const k of ["tar", "zst", "dir"] as const) {
      expect(scripts[k]).toMatch(/^'\/usr\/bin\/node' '\/k\/sovereign\.js' bundle pack /);
      expect(scripts[k]).toContain("--weights '/w/in/m.st'");
      expect(scripts[k]).toContain(`--out '${out[k]}'`);
    }
    expect(scripts.fixed).not.toContain("--weights");
    for (const k of ["tarZstd", "tarOnly"] as const) expect(scripts[k]).toContain("-C '/w/in' .");
    expect(scripts.tarZstd).toContain("zstd -q -T0 -3");
  });

  it("GIVEN the bound rows THEN they copy or compress the same weights file the kit packs and pay for the disk write", () => {
    expect(scripts.copy).toBe(`cp '/w/in/m.st' '${out.copy}' && sync`);
    expect(scripts.zstd1).toBe(`zstd -q -1 -T0 '/w/in/m.st' -o '${out.zstd1}' && sync`);
  });

  it("GIVEN the default size THEN the weights dominate: at least 4 GiB beside a fixed cost of about 1.5 s", () => {
    expect(DEFAULT_WEIGHTS_MIB).toBeGreaterThanOrEqual(4096);
  });
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
