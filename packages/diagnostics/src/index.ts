export { ExitCode } from "./exit-codes.js";
export {
  type DocPath,
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
export { checkpoint, makeTempDir, sweepStaleTemps, TEMP_PREFIX, trackTemp } from "./temp.js";
export { printable } from "./sanitize.js";
export { DEFAULT_INPUT_LIMIT, type InputFile, readInputFile } from "./input.js";
