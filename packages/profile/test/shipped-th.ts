// The shipped Thailand profile as the cross-field check tests start from: read and checked
// against the schema only. The cross-field checks then run inside each test, never while a test
// file is imported, so mutation testing sees which test reaches which check (code run at import
// would count as "static": docs/benchmarks.md "Mutation testing"). Each file's first test asserts
// that this profile has no cross-field issue.
import { readYamlSource } from "@sovereign/diagnostics";
import { type CountryProfile, countryProfileSchema, shippedProfilePath } from "../src/index.js";

export function shippedThailand(): CountryProfile {
  return readYamlSource(shippedProfilePath("th"), "stacks/countries/th.yaml").parse(countryProfileSchema);
}
