// Regenerates kernel-baselines.schema.json from its source; a test fails when the file is stale.
// Run: node --conditions=source --import tsx packages/gate/scripts/gen-schema.ts
import { writeFileSync } from "node:fs";
import { kernelBaselinesJsonSchema } from "../src/baselines.js";

const target = new URL("../kernel-baselines.schema.json", import.meta.url);
writeFileSync(target, `${JSON.stringify(kernelBaselinesJsonSchema(), null, 2)}\n`);
process.stdout.write(`wrote ${target.pathname}\n`);
