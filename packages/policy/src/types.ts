import { ExitCode, KitError } from "@sovereign/diagnostics";
import type { CountryProfile } from "@sovereign/profile";

/**
 * A Kubernetes object as the kit creates it: plain JSON, any kind. Only `apiVersion`, `kind` and
 * `metadata` are typed; rules read the rest through CEL.
 */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name?: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    [k: string]: unknown;
  };
  [k: string]: unknown;
}

/** One Kubernetes object a synthesized stack will create, with where it comes from. */
export interface SynthObject {
  /** Stack name, e.g. `th-serving`. */
  stack: string;
  /** Terraform address of the resource that creates it, e.g. `kubernetes_manifest.weights_pvc`. */
  address: string;
  /** A raw `kubernetes_manifest`, or rendered from a `helm_release` chart. */
  source: "manifest" | "helm";
  object: K8sObject;
}

/** Terraform JSON of one synthesized stack (`cdk.tf.json`). */
export interface TerraformStack {
  stack: string;
  json: object;
}

export type Severity = "error" | "warning" | "info";

/** What a rule's finding points at. */
export interface ObjectRef {
  /** `Kind` for Kubernetes objects; `terraform.backend` / `terraform.provider` / `terraform.resource` otherwise. */
  kind: string;
  /** Kubernetes apiVersion, when the target is a Kubernetes object. */
  apiVersion?: string;
  namespace?: string;
  /** Object name, or the backend type / provider name / resource address for Terraform targets. */
  name: string;
}

/** One violated (or unevaluable, with failurePolicy Fail) rule on one object. Findings are data. */
export interface Finding {
  ruleId: string;
  packId: string;
  severity: Severity;
  /** Stack the object belongs to, when it came from a synth. */
  stack?: string;
  /** Terraform address of the resource creating the object. */
  address?: string;
  objectRef: ObjectRef;
  /** Field the validation points at (its `fieldPath`, e.g. `spec.containers[0].image`), when known. */
  field?: string;
  message: string;
  /** Legal provisions behind the rule, for the profile's frameworks, e.g. `TH-PDPA §28`. */
  legalRefs: string[];
  /** `Violation` for a failed validation, `EvaluationError` when CEL failed under failurePolicy Fail. */
  reason?: "Violation" | "EvaluationError";
  /** Where the object came from (`manifest`, `helm`, `terraform`, or the file an integrator passed). */
  source?: string;
}

/** Input of `evaluate()`: the profile whose packs and params apply, and everything a synth produced. */
export interface EvaluateInput {
  profile: CountryProfile;
  objects: SynthObject[];
  terraform: TerraformStack[];
  /**
   * Date approved transfers are checked against (`expires`).
   * @default new Date() — exemptions lapse on their expiry date without anyone re-running anything else.
   */
  now?: Date;
  /**
   * Packs to run instead of loading the profile's `spec.policies` from `policies/`.
   * @default loadPacks(profile.spec.policies)
   */
  packs?: import("./pack.js").PolicyPack[];
}

/**
 * Error-severity residency findings on a synthesized tree: the synth (or bundle) that found them
 * writes nothing. Findings are data; the caller renders them.
 */
export class ResidencyFailure extends KitError {
  constructor(readonly findings: Finding[]) {
    super(`residency policies failed: ${findings.filter((f) => f.severity === "error").length} error finding(s)`, ExitCode.Findings, {
      code: "residency.findings",
      hint: "fix the objects the findings name, or the profile they were checked against",
    });
  }
}
