import { describe, expect, it } from "vitest";
import { runFixtures } from "../src/fixtures.js";
import { availablePacks, loadPacks } from "../src/pack.js";

describe("shipped packs", () => {
  const packs = loadPacks(availablePacks());

  it("GIVEN the policies folder WHEN listing packs THEN core, the three framework packs and the training ledger are there", () => {
    expect(availablePacks()).toEqual(["kr-pipa", "residency-core", "sa-pdpl", "th-pdpa", "training-ledger"]);
  });

  it("GIVEN every rule WHEN counting fixtures THEN each has at least one pass and one fail fixture", () => {
    for (const p of packs) {
      for (const r of p.rules) {
        expect(r.fixtures.pass.length, `${p.id}/${r.id}`).toBeGreaterThan(0);
        expect(r.fixtures.fail.length, `${p.id}/${r.id}`).toBeGreaterThan(0);
      }
    }
  });

  it("GIVEN every fixture WHEN run THEN pass fixtures pass and fail fixtures fail with their rule", () => {
    const results = runFixtures(packs);
    const bad = results
      .filter((r) => !r.ok)
      .map((r) => `${r.packId}/${r.ruleId} ${r.expect} "${r.fixture}": ${r.detail}`);
    expect(bad).toEqual([]);
    for (const r of results.filter((x) => x.expect === "fail")) {
      expect(r.findings.every((f) => f.ruleId === r.ruleId)).toBe(true);
    }
    expect(results.length).toBeGreaterThanOrEqual(2 * packs.reduce((n, p) => n + p.rules.length, 0));
  });

  it("GIVEN core rules WHEN reading legal refs THEN every rule cites at least one provision of each shipped framework it covers", () => {
    const core = packs.find((p) => p.id === "residency-core")!;
    for (const r of core.rules) {
      expect(Object.keys(r.legalRefs), r.id).toEqual(
        expect.arrayContaining(["TH-PDPA", "KR-PIPA", "SA-PDPL"]),
      );
    }
  });
});
