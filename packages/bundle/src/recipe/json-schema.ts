import { z } from "zod";
import { trainingRecipeSchema } from "./schema.js";

/** JSON Schema (draft 2020-12) of TrainingRecipe, committed as recipes/training-recipe.schema.json. */
export function trainingRecipeJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(trainingRecipeSchema, { io: "input", target: "draft-2020-12" }) as Record<
    string,
    unknown
  >;
  return {
    $schema: schema.$schema,
    $id: "https://sovereign.example/schemas/training-recipe.v1alpha1.json",
    title: "TrainingRecipe (sovereign.ai/v1alpha1)",
    ...schema,
  };
}
