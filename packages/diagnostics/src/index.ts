export { assetPath, repoRoot } from "./assets.js";
export { ExitCode } from "./exit-codes.js";
export {
  type DocPath,
  type FailureDetails,
  formatIssuesText,
  formatLocation,
  formatPath,
  InputError,
  type Issue,
  issuesToJson,
  KitError,
  UsageError,
} from "./issue.js";
export {
  checkImageRef,
  DNS_LABEL,
  hostInDomain,
  hostOf,
  isDnsLabel,
  isDnsName,
  isDnsSubdomain,
  isPinnedImage,
  pinnedDigest,
  registryPrefix,
} from "./rules.js";
export * as ruleCases from "./rules.cases.js";
export {
  MAX_YAML_ALIASES,
  MAX_YAML_DEPTH,
  parseYamlSource,
  readSourceText,
  readYamlSource,
  structureIssues,
  toJsBounded,
  type YamlSource,
} from "./yaml-source.js";
export { zodToIssues } from "./zod-issues.js";
export {
  checkOutput,
  type InputPath,
  OUTPUT_MARKER,
  type OutputOptions,
  type OwnedFiles,
  readOutputMarker,
  resolveUserPath,
  writeFileAtomic,
  writeTreeAtomic,
} from "./output.js";
export { checkpoint, makeTempDir, type Recovery, sweepStaleTemps, TEMP_PREFIX, type TempDir, trackTemp } from "./temp.js";
export { printable } from "./sanitize.js";
export { DEFAULT_INPUT_LIMIT, type InputFile, readInputFile } from "./input.js";
