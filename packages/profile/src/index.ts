export { checkImageRef, crossCheck, DEMO_LABEL, residencyChecks, WIDEST_EGRESS_PREFIX } from "./checks.js";
export { ISO_3166_ALPHA2 } from "./iso3166.js";
export { countryProfileJsonSchema } from "./json-schema.js";
export {
  countriesDir,
  loadProfileFile,
  loadProfileInput,
  type ProfileInput,
  parseProfile,
  repoRoot,
  shippedProfilePath,
} from "./load.js";
export { shippedPackNames } from "./root.js";
export {
  cidrContains,
  hostInCountry,
  hostInDomain,
  hostOf,
  inCountryDomains,
  isDnsName,
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
