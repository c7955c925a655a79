import { z } from "zod";
import { trainingRecipeSchema } from "./schema.js";

/** JSON Schema (draft 2020-12) of TrainingRecipe, committed as recipes/training-recipe.schema.json. */
export function trainingRecipeJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(trainingRecipeSchema, { io: "input", target: "draft-2020-12" }) as Record<
    string,
    unknown
  >;
  // legalBasis is optional in zod only so the loader can word its refusal; editors must demand it.
  const dig = (o: unknown, ...keys: string[]) =>
    keys.reduce<unknown>((v, k) => (v as Record<string, unknown>)[k], o);
  const source = dig(
    schema,
    "properties",
    "spec",
    "properties",
    "data",
    "properties",
    "mixture",
    "items",
  ) as {
    required: string[];
  };
  if (!source.required.includes("legalBasis")) source.required.push("legalBasis");
  return {
    $schema: schema.$schema,
    $id: "https://sovereign.example/schemas/training-recipe.v1alpha1.json",
    title: "TrainingRecipe (sovereign.ai/v1alpha1)",
    ...schema,
  };
}
