import { loadProfileFile, shippedProfilePath } from "@sovereign/profile";
import { describe, expect, it } from "vitest";
import { buildParams, exportAdmission, loadPacks } from "../src/index.js";

describe("training-ledger pack", () => {
  it("GIVEN the pack WHEN loaded THEN its rule ids are exactly the two ledger rules, both errors", () => {
    const [pack] = loadPacks(["training-ledger"]);
    expect(pack!.rules.map((r) => [r.id, r.severity])).toEqual([
      ["training-recipe-approved", "error"],
      ["training-data-in-recipe", "error"],
    ]);
  });

  it("GIVEN the th profile WHEN params are built THEN they carry the training pools, the approved digest and its data sources", () => {
    const p = loadProfileFile(shippedProfilePath("th"));
    const d = buildParams(p).data;
    const sha = p.spec.training!.approvedRecipes[0]!.sha256;
    expect(d.trainingPools).toBe("h100-train");
    expect(d.approvedRecipes).toBe(sha);
    expect(d[`recipe.${sha}.name`]).toBe("th-qwen25-7b-thai-cpt");
    expect(d[`recipe.${sha}.dataSources`]).toBe(
      "th-official-publications,th-wikipedia,th-news-licensed,th-en-parallel,en-replay",
    );
    expect([d.trainingDataClaims, d.checkpointsClaims]).toEqual(["training-data", "checkpoints"]);
  });

  it("GIVEN kr (training pool, nothing approved) WHEN params are built THEN no digest is approved", () => {
    expect(buildParams(loadProfileFile(shippedProfilePath("kr"))).data.approvedRecipes).toBe("");
  });

  it("GIVEN the th profile WHEN exported THEN the ledger policies match pods, Jobs and JobSets and deny", () => {
    const objs = exportAdmission(loadProfileFile(shippedProfilePath("th")));
    const vap = objs.find((o) => o.metadata.name === "sovereign.training-ledger.training-recipe-approved")!;
    const rules = (vap.spec as { matchConstraints: { resourceRules: { apiGroups: string[]; resources: string[] }[] } })
      .matchConstraints.resourceRules;
    expect(rules).toContainEqual(expect.objectContaining({ apiGroups: ["jobset.x-k8s.io"], resources: ["jobsets"] }));
    expect(rules).toContainEqual(expect.objectContaining({ apiGroups: ["batch"], resources: ["jobs"] }));
    const binding = objs.find(
      (o) => o.kind === "ValidatingAdmissionPolicyBinding" && o.metadata.name === vap.metadata.name,
    )!;
    expect((binding.spec as { validationActions: string[] }).validationActions).toEqual(["Deny"]);
  });
});
