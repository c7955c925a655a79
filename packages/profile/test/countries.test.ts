import { describe, expect, it } from "vitest";
import { isCountryStack, perCountry } from "../src/index.js";

describe("stacks by country", () => {
  it("GIVEN stack names WHEN tested against a country code THEN only `<cc>-<part>` names belong to it", () => {
    expect(isCountryStack("th-platform", "th")).toBe(true);
    expect(isCountryStack("th-gpu", "th")).toBe(true);
    expect(isCountryStack("tha-platform", "th")).toBe(false);
    expect(isCountryStack("th", "th")).toBe(false);
    expect(isCountryStack("kr-th-platform", "th")).toBe(false);
  });

  it("GIVEN profiles WHEN run per country THEN each run sees its own profile and stacks, results keyed by code in profile order", () => {
    const stacks = ["kr-platform", "th-gpu", "th-platform", "sa-serving", "kr-gpu"];
    const profiles = [{ metadata: { name: "th" } }, { metadata: { name: "kr" } }, { metadata: { name: "zz" } }];
    const out = perCountry(profiles, (p, mine) => `${p.metadata.name}:${stacks.filter(mine).join(",")}`);
    expect([...out.keys()]).toEqual(["th", "kr", "zz"]);
    expect([...out.values()]).toEqual(["th:th-gpu,th-platform", "kr:kr-platform,kr-gpu", "zz:"]);
  });
});
