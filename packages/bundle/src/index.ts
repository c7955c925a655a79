export { type PackagedChart, packageCharts } from "./content/charts.js";
export { collectImages, type ImageRef } from "./content/images.js";
export { runbooks } from "./content/runbooks.js";
export { buildSbom, type SbomInput } from "./content/sbom.js";
export { collectProviders, type ProviderRequirement } from "./content/terraform.js";
export { isCanonicalSignature, parseDerSignature, signDer, signRaw } from "./ecdsa.js";
export { type ExtractResult, extractBundle } from "./extract.js";
export {
  ANNOTATION,
  type BundleManifest,
  CHECKSUMS_FILE,
  CONTROL_FILES,
  gzipDeterministic,
  type ItemKind,
  MANIFEST_FILE,
  MEDIA,
  SIGNATURE_FILE,
} from "./format.js";
export { type Progress, sha256File, sha256Hex } from "./hash.js";
export { type BundleInspection, gunzipText, inspectBundle } from "./inspect.js";
export {
  generateKeyPair,
  keyIdOf,
  loadSigningKey,
  loadVerifyKey,
  PRIVATE_KEY_FILE,
  PUBLIC_KEY_FILE,
  SIGNATURE_ALGORITHM,
  type SigningKey,
  type VerifyKey,
  writeKeyPair,
} from "./keys.js";
export {
  KIT_VERSION,
  type LayerSummary,
  type OutputFormat,
  outputFormatOf,
  type PackOptions,
  type PackResult,
  bundleOwnedFiles,
  packBundle,
} from "./pack.js";
export { type Graph, type GraphLayer, walkGraph } from "./graph.js";
export { ARCHIVE_CONTROL_ORDER, type BundleFiles, type Problem, type ReadOptions, readBundle } from "./read.js";
export { KeyScanner, keyMaterialIn } from "./secrets.js";
export { trainingRecipeJsonSchema } from "./recipe/json-schema.js";
export {
  checkRecipe,
  loadRecipeFile,
  loadRecipeInput,
  parseRecipe,
  shippedRecipePath,
  WEIGHT_TOLERANCE,
} from "./recipe/load.js";
export {
  type DataSource,
  dataSourceSchema,
  LEGAL_BASES,
  type TrainingRecipe,
  trainingRecipeSchema,
} from "./recipe/schema.js";
export { checkEntryName, readTar, TarSafetyError } from "./tar-read.js";
export { type ByteSink, type TarEntry, tarHeader, writeTar } from "./tar-write.js";
export {
  checkBundle,
  signatureProblem,
  type VerifyExpectations,
  type VerifyReport,
  verifyAndRead,
  verifyBundle,
} from "./verify.js";
export {
  buildWeightsManifest,
  checkWeightsDirectory,
  parseWeightsManifest,
  WEIGHTS_MANIFEST_FILE,
  type WeightsFile,
  type WeightsManifest,
  weightsManifestText,
} from "./weights-manifest.js";
