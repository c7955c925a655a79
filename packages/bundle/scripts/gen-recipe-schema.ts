// Regenerates recipes/training-recipe.schema.json from the zod source. A test fails when it is stale.
// Run: node --conditions=source --import tsx packages/bundle/scripts/gen-recipe-schema.ts
import { writeFileSync } from "node:fs";
import { trainingRecipeJsonSchema } from "@sovereign/bundle";

const target = new URL("../../../recipes/training-recipe.schema.json", import.meta.url);
writeFileSync(target, `${JSON.stringify(trainingRecipeJsonSchema(), null, 2)}\n`);
process.stdout.write(`wrote ${target.pathname}\n`);
