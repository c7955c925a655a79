export { assetPath, repoRoot } from "./assets.js";
export { writeFileAtomic, writeTreeAtomic } from "./atomic.js";
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
export { parseYamlSource, readSourceText, readYamlSource, type YamlSource } from "./yaml-source.js";
export { zodToIssues } from "./zod-issues.js";
