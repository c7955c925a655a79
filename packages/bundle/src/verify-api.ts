// What verifying, inspecting and extracting a bundle (and making keys) need, without the pack
// side: a command that only reads bundles loads this entry and never the SBOM library, the recipe
// schemas or the chart packager that packing needs.
export { type ExtractResult, extractBundle } from "./extract.js";
export type { Progress } from "./hash.js";
export { inspectBundle } from "./inspect.js";
export { loadVerifyKey, type VerifyKey, writeKeyPair } from "./keys.js";
export { type VerifyExpectations, type VerifyReport, verifyBundle } from "./verify.js";
