// Regenerates the committed JSON Schemas from their zod sources. A test fails when they are stale.
import { writeFileSync } from "node:fs";
import { countryProfileJsonSchema } from "@sovereign/profile";

const target = new URL("../packages/profile/country-profile.schema.json", import.meta.url);
writeFileSync(target, `${JSON.stringify(countryProfileJsonSchema(), null, 2)}\n`);
process.stdout.write(`wrote ${target.pathname}\n`);
