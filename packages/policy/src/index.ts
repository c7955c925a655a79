/**
 * @sovereign/policy: residency policy packs (YAML + CEL), evaluated offline with
 * ValidatingAdmissionPolicy semantics and exported as admission policies for the cluster.
 */

export { evaluate } from "./evaluate.js";
export { exportAdmission } from "./export.js";
export { loadPacks, type PolicyPack, type Rule } from "./pack.js";
export type {
  EvaluateInput,
  Finding,
  K8sObject,
  ObjectRef,
  Severity,
  SynthObject,
  TerraformStack,
} from "./types.js";
