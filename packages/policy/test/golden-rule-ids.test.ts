// Pins the public rule ids of every shipped pack to policies/rule-ids.json. The per-rule fixture
// tests are generated from whatever rules load, so a deleted rule would delete its own tests;
// this list is what notices. Adding a rule: append its id to the list in the same change.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { availablePacks, loadPacks, policiesDir } from "../src/pack.js";

const golden = JSON.parse(readFileSync(join(policiesDir(), "rule-ids.json"), "utf8")) as Record<string, unknown>;
const packs = Object.fromEntries(loadPacks(availablePacks()).map((p) => [p.id, p.rules.map((r) => r.id)]));
const goldenPacks = Object.keys(golden).filter((k) => !k.startsWith("$"));

describe("golden rule ids (policies/rule-ids.json)", () => {
  it("GIVEN the policies folder WHEN listing packs THEN exactly the packs of the golden list ship", () => {
    expect(Object.keys(packs).sort()).toEqual([...goldenPacks].sort());
  });

  it.each(goldenPacks)("GIVEN pack %s WHEN loaded THEN every golden rule id is present, and no rule is missing from the list", (id) => {
    const want = golden[id] as string[];
    const have = packs[id] ?? [];
    const removed = want.filter((r) => !have.includes(r));
    const unlisted = have.filter((r) => !want.includes(r));
    expect(removed, `rules removed from ${id} (a public contract: restore them)`).toEqual([]);
    expect(unlisted, `rules of ${id} not in policies/rule-ids.json (append them there)`).toEqual([]);
  });

  it("GIVEN residency-core WHEN loaded THEN the zone and egress residency rules are there", () => {
    expect(packs["residency-core"]).toEqual(
      expect.arrayContaining(["storageclass-in-country-zones", "egress-in-country-cidrs", "image-pinned-digest"]),
    );
  });
});
