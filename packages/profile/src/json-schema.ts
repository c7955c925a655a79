import { z } from "zod";
import { countryProfileSchema } from "./schema.js";

/** JSON Schema (draft 2020-12) of CountryProfile, for editors (`yaml-language-server`) and other tools. */
export function countryProfileJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(countryProfileSchema, { io: "input", target: "draft-2020-12" }) as Record<
    string,
    unknown
  >;
  return {
    $schema: schema.$schema,
    $id: "https://sovereign.example/schemas/country-profile.v1alpha1.json",
    title: "CountryProfile (sovereign.ai/v1alpha1)",
    ...schema,
  };
}
