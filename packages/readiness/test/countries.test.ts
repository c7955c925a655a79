import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkCountries, checkReadiness } from "../src/index.js";
import { byKind, cleanup, key, mutated, type Synthesized, synthesized } from "./helpers.js";

let th: Synthesized;
let kr: Synthesized;

beforeAll(async () => {
  [th, kr] = await Promise.all([synthesized("th"), synthesized("kr")]);
});
afterAll(cleanup);

describe("checkCountries: the check split by country", () => {
  it("GIVEN two countries' objects in one tree, one with a pod no node takes WHEN checked THEN each country gets the findings of its own stacks only, in profile order", () => {
    // Assigning Pods to Nodes: a nodeSelector no node carries leaves the pod Pending forever.
    const thObjects = mutated(th.objects, byKind("Deployment"), (o) => {
      o.spec.template.spec.nodeSelector = { "node.example/none": "true" };
    });
    const tree = { objects: [...kr.objects, ...thObjects], unrendered: [...kr.unrendered, ...th.unrendered] };
    const found = checkCountries([th.profile, kr.profile], tree);
    expect([...found.keys()]).toEqual(["th", "kr"]);
    const thKeys = found.get("th")!.map(key);
    expect(thKeys.some((k) => k.startsWith("schedule.node-selector th-"))).toBe(true);
    expect(found.get("th")).toEqual(checkReadiness({ profile: th.profile, objects: thObjects, unrendered: th.unrendered }));
    expect(found.get("kr")).toEqual(checkReadiness(kr));
    expect(found.get("kr")!.every((f) => f.stack.startsWith("kr-"))).toBe(true);
  });
});
