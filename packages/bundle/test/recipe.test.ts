import { readFileSync } from "node:fs";
import { join } from "node:path";
import { InputError, type Issue } from "@sovereign/diagnostics";
import { type CountryProfile, loadProfileFile, repoRoot, shippedProfilePath } from "@sovereign/profile";
import { Ajv2020 } from "ajv/dist/2020.js";
import { describe, expect, it } from "vitest";
import { loadRecipeFile, parseRecipe, shippedRecipePath, trainingRecipeJsonSchema } from "../src/index.js";

const th = loadProfileFile(shippedProfilePath("th"));
const sa = loadProfileFile(shippedProfilePath("sa"));
const thText = readFileSync(shippedRecipePath("th")!, "utf8");

function lineOf(text: string, needle: string, nth = 0): number {
  let at = -1;
  for (let i = 0; i <= nth; i++) at = text.indexOf(needle, at + 1);
  if (at < 0) throw new Error(`needle not found: ${needle}`);
  return text.slice(0, at).split("\n").length;
}

function issuesOf(text: string, profile: CountryProfile | null = th): Issue[] {
  try {
    parseRecipe(text, "recipe.yaml", profile ?? undefined);
  } catch (e) {
    if (e instanceof InputError) return e.issues;
    throw e;
  }
  throw new Error("expected the recipe to be refused");
}

function edit(from: string, to: string, text = thText): string {
  if (!text.includes(from)) throw new Error(`edit target missing: ${from}`);
  return text.replace(from, to);
}

describe("TrainingRecipe validation", () => {
  it("GIVEN the shipped th and sa recipes WHEN validated against their country profiles THEN they are accepted", () => {
    expect(loadRecipeFile(shippedRecipePath("th")!, th).spec.data.mixture).toHaveLength(5);
    expect(loadRecipeFile(shippedRecipePath("sa")!, sa).spec.hardware.pool).toBe("h100-train");
  });

  it("GIVEN a source without a legal basis WHEN validated THEN it is refused at that source's path and line", () => {
    const text = edit(
      `        legalBasis:
          type: open-licence
          reference: https://creativecommons.org/licenses/by-sa/4.0/
`,
      "",
    );
    const [i, ...rest] = issuesOf(text);
    expect(rest).toEqual([]);
    expect(i).toMatchObject({
      code: "recipe.legal_basis_missing",
      path: ["spec", "data", "mixture", 1],
      file: "recipe.yaml",
    });
    expect(i!.line).toBe(lineOf(text, "- id: th-wikipedia"));
    expect(i!.message).toContain("th-wikipedia");
  });

  it("GIVEN a legal basis with a blank reference WHEN validated THEN the reference is named with its line", () => {
    const text = edit(
      'reference: "Text-and-data-mining licence TH-DATA-2025-014 with the participating publishers"',
      'reference: "   "',
    );
    const [i] = issuesOf(text);
    expect(i).toMatchObject({
      path: ["spec", "data", "mixture", 2, "legalBasis", "reference"],
      line: lineOf(text, 'reference: "   "') + 0,
    });
    expect(i!.message).toMatch(/empty/);
  });

  it("GIVEN a legal basis of an unknown type WHEN validated THEN the allowed types are listed", () => {
    const text = edit("type: consent", "type: because-we-can");
    const [i] = issuesOf(text);
    expect(i).toMatchObject({
      code: "schema.enum",
      path: ["spec", "data", "mixture", 3, "legalBasis", "type"],
      line: lineOf(text, "because-we-can"),
    });
    expect(i!.hint).toContain('"licence-agreement"');
  });

  it("GIVEN mixture weights summing to 0.9 WHEN validated THEN the mixture is refused with rescaled weights as the fix", () => {
    const text = edit("weight: 0.3", "weight: 0.2");
    const [i] = issuesOf(text);
    expect(i).toMatchObject({
      code: "recipe.weights_sum",
      path: ["spec", "data", "mixture"],
      line: lineOf(text, "- id: th-official-publications"),
    });
    expect(i!.message).toContain("sum to 0.9");
    expect(i!.hint).toContain("th-news-licensed 0.222222");
  });

  it("GIVEN weights off by less than 1e-6 WHEN validated THEN they are accepted; off by 1e-5 THEN refused", () => {
    expect(() => parseRecipe(edit("weight: 0.3", "weight: 0.3000005"), "r.yaml", th)).not.toThrow();
    expect(issuesOf(edit("weight: 0.3", "weight: 0.30001"))[0]!.code).toBe("recipe.weights_sum");
  });

  it("GIVEN an image by tag WHEN validated THEN spec.image is refused as not pinned, with its line", () => {
    const text = edit(
      /image: .*/.exec(thText)![0],
      "image: registry.bkk1.sovereign.example/ai/trainer:latest",
    );
    const [i] = issuesOf(text);
    expect(i).toMatchObject({
      code: "image.not_pinned",
      path: ["spec", "image"],
      line: lineOf(text, "image: registry"),
    });
  });

  it("GIVEN an image from a foreign registry WHEN validated THEN the in-country registry is demanded", () => {
    const text = edit(
      "image: registry.bkk1.sovereign.example/ai/trainer",
      "image: docker.io/library/trainer",
    );
    expect(issuesOf(text).map((i) => i.code)).toEqual(["image.registry"]);
  });

  it("GIVEN an image digest that is not 64 hex WHEN validated without a profile THEN it is refused", () => {
    const text = edit("trainer@sha256:5352fbcb", "trainer@sha256:XYZ");
    expect(issuesOf(text, null)[0]).toMatchObject({ code: "image.not_pinned", path: ["spec", "image"] });
    expect(issuesOf(text)[0]).toMatchObject({ code: "image.bad_digest", path: ["spec", "image"] });
  });

  it("GIVEN a pool the profile does not declare WHEN validated THEN the training pools are offered", () => {
    const text = edit("pool: h100-train", "pool: h100-nowhere");
    const [i] = issuesOf(text);
    expect(i).toMatchObject({
      code: "ref.pool",
      path: ["spec", "hardware", "pool"],
      line: lineOf(text, "h100-nowhere"),
    });
    expect(i!.hint).toContain('"h100-train"');
  });

  it("GIVEN an inference pool WHEN validated THEN it is refused as not a training pool", () => {
    const text = edit("hardware: { pool: h100-train, nodes: 8 }", "hardware: { pool: h100-serve, nodes: 4 }");
    const codes = issuesOf(text).map((i) => i.code);
    expect(codes).toContain("ref.pool_purpose");
  });

  it("GIVEN parallelism not matching the GPUs WHEN validated THEN the product and GPU count are shown", () => {
    const text = edit(
      "parallelism: { tensor: 2, pipeline: 1, data: 32 }",
      "parallelism: { tensor: 2, pipeline: 1, data: 16 }",
    );
    const [i] = issuesOf(text);
    expect(i).toMatchObject({ code: "recipe.parallelism", line: lineOf(text, "parallelism:") });
    expect(i!.message).toContain("= 32, but 8 nodes × 8 GPUs = 64");
  });

  it("GIVEN a data source outside the country's domains WHEN validated THEN its uri is refused", () => {
    const text = edit(
      "s3://data.bkk1.sovereign.example/corpora/en-replay",
      "s3://datasets.example.com/en-replay",
    );
    const [i] = issuesOf(text);
    expect(i).toMatchObject({
      code: "host.out_of_country",
      path: ["spec", "data", "mixture", 4, "uri"],
      line: lineOf(text, "datasets.example.com"),
    });
  });

  it("GIVEN no safety evaluation suite WHEN validated THEN the recipe is refused", () => {
    const text = edit("kind: safety", "kind: general");
    expect(issuesOf(text)[0]).toMatchObject({
      code: "recipe.evaluation_missing",
      path: ["spec", "evaluation", "suites"],
    });
  });

  it("GIVEN a misspelt key WHEN validated THEN the key itself is located", () => {
    const text = edit("    weightDecay: 0.1", "    weightDecay: 0.1\n    wieghtDecay: 0.2");
    expect(issuesOf(text)[0]).toMatchObject({
      code: "schema.unknown_key",
      line: lineOf(text, "wieghtDecay"),
      column: 5,
    });
  });

  it("GIVEN a duplicate source id WHEN validated THEN the second one is named", () => {
    const text = edit("- id: th-en-parallel", "- id: th-wikipedia");
    expect(issuesOf(text)[0]).toMatchObject({
      code: "recipe.duplicate_source",
      path: ["spec", "data", "mixture", 3, "id"],
    });
  });

  it("GIVEN the th recipe WHEN validated against the sa profile THEN the country mismatch is reported", () => {
    expect(issuesOf(thText, sa).map((i) => i.code)).toContain("recipe.country");
  });
});

describe("TrainingRecipe JSON Schema", () => {
  const schemaPath = join(repoRoot(), "recipes", "training-recipe.schema.json");

  it("GIVEN the zod source WHEN the JSON Schema is generated THEN the committed file is up to date", () => {
    const committed = readFileSync(schemaPath, "utf8");
    expect(
      committed,
      "run: npm run gen:schemas",
    ).toBe(`${JSON.stringify(trainingRecipeJsonSchema(), null, 2)}\n`);
  });

  it("GIVEN the JSON Schema WHEN shipped recipes and one without a legal basis are checked with ajv THEN only the latter fails", async () => {
    const { parse } = await import("yaml");
    const ajv = new Ajv2020({ allErrors: true, strict: false });
    const validate = ajv.compile(JSON.parse(readFileSync(schemaPath, "utf8")));
    for (const cc of ["th", "sa"])
      expect(validate(parse(readFileSync(shippedRecipePath(cc)!, "utf8")))).toBe(true);
    const bad = parse(thText);
    delete bad.spec.data.mixture[0].legalBasis;
    expect(validate(bad)).toBe(false);
    expect(JSON.stringify(validate.errors)).toContain("legalBasis");
  });
});
