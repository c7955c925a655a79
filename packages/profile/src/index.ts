// The naming and reference rules are re-exported for callers that import them from here.
export { checkImageRef, hostInDomain, hostOf, isDnsName } from "@sovereign/diagnostics";
export { crossCheck, DEMO_LABEL, profileChecks, type ProfileCheck, residencyChecks, WIDEST_EGRESS_PREFIX } from "./checks.js";
export { isCountryStack, perCountry } from "./countries.js";
export { ISO_3166_ALPHA2 } from "./iso3166.js";
export { countryProfileJsonSchema } from "./json-schema.js";
// Repository asset lookup lives in @sovereign/diagnostics (assets.ts); re-exported for callers.
export { repoRoot } from "@sovereign/diagnostics";
export {
  countriesDir,
  loadProfileFile,
  loadProfileInput,
  type ProfileInput,
  parseProfile,
  shippedProfilePath,
  validateProfileSource,
} from "./load.js";
export { shippedPackNames } from "./root.js";
export {
  cidrContains,
  FOREIGN_SERVICE_SCHEMES,
  foreignService,
  hostInCountry,
  inCountryDomains,
  parseCidr,
  parseIp,
  uriHost,
} from "./net.js";
export {
  claimAt,
  claimNameAt,
  claimNames,
  hostCidr,
  inCountryCidrs,
  type Placement,
  placements,
  poolZones,
  READ_WRITE_MANY_PROVISIONERS,
  readWriteMany,
  storageClassAt,
} from "./placement.js";
export { isQuantity, parseQuantity } from "./quantity.js";
export * from "./schema.js";
export {
  GPU_OPERATOR_COMPONENTS,
  type GpuOperatorComponent,
  requiredGpuOperatorComponents,
} from "./site-checks.js";
export * from "./training.js";
export { checkWeightsLocation, type WeightsLocation, weightsLocation, weightsUrl } from "./weights-location.js";
