/**
 * @sovereign/readiness: the deploy-readiness check. From the profile's model of the cluster and the
 * synthesized objects (rendered charts included), proves that every pod the kit creates schedules
 * with its volumes, is admitted and reaches what it needs; failures are data.
 */
export { type CountriesTree, checkCountries, checkReadiness } from "./check.js";
export { PSS_CHECKS, podSecurityViolations, type PodSecurityLevel } from "./checks/pod-security.js";
export { egressAllowed, type Destination } from "./checks/network.js";
export * as kubernetesFacts from "./facts.js";
export { type ClusterModelOptions, clusterModel } from "./model.js";
export { effectiveResources, containerLimits, podRequests } from "./resources.js";
export { readinessReport, readinessText } from "./render.js";
export { matchesLabelSelector, nodeSelectionMismatch, tolerates } from "./selectors.js";
export {
  type ClusterModel,
  type NodeGroup,
  type ReadinessFinding,
  type ReadinessInput,
  RULE_IDS,
  type RuleId,
} from "./types.js";
