/**
 * @sovereign/policy: residency policy packs (YAML + CEL), evaluated offline with
 * ValidatingAdmissionPolicy semantics and exported as admission policies for the cluster.
 */
export { evaluate, legalRefsFor } from "./evaluate.js";
export { admissionYaml, type ExportOptions, exportAdmission, synthOnlyRules } from "./export.js";
export { FIXTURE_NOW, type FixtureResult, fixtureProfile, runFixtures } from "./fixtures.js";
export { loadManifests } from "./manifests.js";
export { availablePacks, loadPacks, type PolicyPack, parsePack, policiesDir, type Rule } from "./pack.js";
export { activeTransfers, buildParams, PARAMS_NAME, PARAMS_NAMESPACE } from "./params.js";
export { buildReport, type ComplianceReport, findingText, toHtml, toJUnit, toSarif } from "./report/index.js";
export { policyPackJsonSchema } from "./schema.js";
export type {
  EvaluateInput,
  Finding,
  K8sObject,
  ObjectRef,
  Severity,
  SynthObject,
  TerraformStack,
} from "./types.js";
