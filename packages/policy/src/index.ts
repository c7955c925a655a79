/**
 * @sovereign/policy: residency policy packs (YAML + CEL), evaluated offline with
 * ValidatingAdmissionPolicy semantics and exported as admission policies for the cluster.
 */
export { evaluate, legalRefsFor } from "./evaluate.js";
export {
  CEL_LIBRARIES,
  CEL_VERSION_SOURCE,
  MIN_KUBERNETES_VERSION,
  minKubernetesVersion,
} from "./cel/k8s-versions.js";
export {
  admissionYaml,
  bindingScope,
  CLUSTER_SCOPED_KINDS,
  type ExportOptions,
  exportAdmission,
  resourceOf,
  synthOnlyRules,
} from "./export.js";
export { FIXTURE_NOW, type FixtureResult, fixtureProfile, runFixtures } from "./fixtures.js";
export { loadManifests } from "./manifests.js";
export { availablePacks, loadPacks, type PolicyPack, parsePack, policiesDir, type Rule } from "./pack.js";
export {
  activeTransfers,
  buildParams,
  CLUSTER_NAMESPACES,
  PARAMS_NAME,
  PARAMS_NAMESPACE,
  RESIDENCY_ENFORCED,
  RESIDENCY_LABEL,
} from "./params.js";
export { FRAMEWORK_ID, packNameOf, scaffoldPack, uncitedFrameworks } from "./scaffold.js";
export { buildReport, type ComplianceReport, findingText, toHtml, toJUnit, toSarif } from "./report/index.js";
export { policyPackJsonSchema } from "./schema.js";
export { ResidencyFailure } from "./types.js";
export type {
  EvaluateInput,
  Finding,
  K8sObject,
  ObjectRef,
  Severity,
  SynthObject,
  TerraformStack,
} from "./types.js";
