// `npm run gen:schemas`: regenerates every committed JSON Schema from its source. Each has a test
// that fails when the committed file is stale, naming this command.
import { writeFileSync } from "node:fs";
import { trainingRecipeJsonSchema } from "@sovereign/bundle";
import { kernelBaselinesJsonSchema } from "@sovereign/gate";
import { policyPackJsonSchema } from "@sovereign/policy";
import { countryProfileJsonSchema } from "@sovereign/profile";

const schemas: [string, () => unknown][] = [
  ["../packages/profile/country-profile.schema.json", countryProfileJsonSchema],
  ["../policies/policy-pack.schema.json", policyPackJsonSchema],
  ["../recipes/training-recipe.schema.json", trainingRecipeJsonSchema],
  ["../packages/gate/kernel-baselines.schema.json", kernelBaselinesJsonSchema],
];
for (const [rel, make] of schemas) {
  const target = new URL(rel, import.meta.url);
  writeFileSync(target, `${JSON.stringify(make(), null, 2)}\n`);
  process.stdout.write(`wrote ${rel.slice(3)}\n`);
}
