import { DNS_LABEL } from "@sovereign/diagnostics";
import { z } from "zod";

/**
 * PolicyPack v1alpha1: the officer-readable pack format (policies/<pack>.yaml). Every object is
 * strict so a misspelt key is refused, not silently ignored. See policies/README.md.
 */

const KEBAB = DNS_LABEL;
const CEL_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

const cel = z.string().min(1, "is empty | fix: write a CEL expression");

export const matchConditionSchema = z.strictObject({
  name: z
    .string()
    .regex(
      /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/,
      "must be a qualified name | fix: e.g. `is-pod-template`",
    ),
  expression: cel.describe("CEL; the rule is skipped for the object unless every matchCondition is true."),
});

export const variableSchema = z.strictObject({
  name: z.string().regex(CEL_NAME, "must be a CEL identifier | fix: e.g. `containers`"),
  expression: cel.describe("CEL; read as `variables.<name>` by later variables and validations."),
});

export const validationSchema = z.strictObject({
  expression: cel.describe("CEL that must be true for the object to comply."),
  message: z.string().optional().describe("Static message when the expression is false."),
  messageExpression: cel
    .optional()
    .describe("CEL building the message (falls back to `message` when it fails)."),
  fieldPath: z
    .string()
    .optional()
    .describe("Field the validation is about, e.g. `spec.storageClassName` (reported with the finding)."),
  reason: z.enum(["Unauthorized", "Forbidden", "Invalid", "RequestEntityTooLarge"]).optional(),
});

export const kubernetesTargetSchema = z.strictObject({
  apiGroups: z.array(z.string()).min(1).describe('API groups, "" for the core group.'),
  kinds: z
    .array(z.string().regex(/^([A-Z][A-Za-z0-9]*|\*)$/, "must be a Kind or * | fix: e.g. `Deployment`"))
    .min(1),
  apiVersions: z.array(z.string()).default(["*"]),
});

export const terraformTargetSchema = z.strictObject({
  block: z
    .enum(["backend", "provider", "resource"])
    .describe(
      "`backend` (terraform.backend), `provider` (provider.<name>) or `resource` (resource.<type>.<name>).",
    ),
  types: z
    .array(z.string().min(1))
    .optional()
    .describe("Backend types, provider names or resource types to match; all when omitted."),
});

export const fixtureSchema = z
  .strictObject({
    name: z.string().min(1),
    object: z
      .record(z.string(), z.unknown())
      .optional()
      .describe("Kubernetes object (for kubernetes targets)."),
    oldObject: z.record(z.string(), z.unknown()).optional(),
    terraform: z
      .record(z.string(), z.unknown())
      .optional()
      .describe("Terraform JSON of a stack (cdk.tf.json) for terraform targets."),
    params: z
      .record(z.string(), z.string())
      .optional()
      .describe("Overrides of params.data entries for this fixture only."),
  })
  .refine((f) => (f.object === undefined) !== (f.terraform === undefined), {
    message: "a fixture needs exactly one of `object` or `terraform` | fix: give the object the rule checks",
  });

export const ruleSchema = z
  .strictObject({
    id: z.string().regex(KEBAB, "must be a lowercase kebab-case id | fix: e.g. `image-pinned-digest`"),
    title: z.string().min(1),
    rationale: z.string().min(1).describe("Why the rule exists, in plain language for officers."),
    severity: z.enum(["error", "warning", "info"]),
    failurePolicy: z
      .enum(["Fail", "Ignore"])
      .default("Fail")
      .describe("Fail: an evaluation error is a finding (safe default). Ignore: the object is skipped."),
    legalRefs: z
      .record(
        z.string().regex(/^[A-Z]{2}-[A-Z0-9-]+$/, "must be a framework id | fix: e.g. TH-PDPA"),
        z.array(z.string().min(1)).min(1),
      )
      .describe("Provisions per framework; findings show those of the profile's frameworks."),
    targets: z
      .strictObject({
        kubernetes: z.array(kubernetesTargetSchema).optional(),
        terraform: z.array(terraformTargetSchema).optional(),
      })
      .refine((t) => (t.kubernetes?.length ?? 0) + (t.terraform?.length ?? 0) > 0, {
        message: "targets nothing | fix: add `kubernetes:` kinds or `terraform:` blocks",
      }),
    matchConditions: z.array(matchConditionSchema).default([]),
    variables: z.array(variableSchema).default([]),
    validations: z.array(validationSchema).min(1),
    fixtures: z.strictObject({
      pass: z
        .array(fixtureSchema)
        .min(1, "needs at least one passing fixture | fix: add an object that complies"),
      fail: z
        .array(fixtureSchema)
        .min(1, "needs at least one failing fixture | fix: add an object that violates"),
    }),
  })
  .refine((r) => !(r.targets.kubernetes && r.targets.terraform), {
    message: "targets both Kubernetes and Terraform | fix: split it into two rules",
  });

export const policyPackSchema = z.strictObject({
  apiVersion: z.literal("sovereign.ai/v1alpha1"),
  kind: z.literal("PolicyPack"),
  metadata: z.strictObject({
    name: z.string().regex(KEBAB, "must be a lowercase kebab-case name | fix: e.g. `residency-core`"),
  }),
  spec: z.strictObject({
    title: z.string().min(1),
    description: z.string().min(1),
    frameworks: z
      .array(z.string().regex(/^[A-Z]{2}-[A-Z0-9-]+$/))
      .default([])
      .describe("Frameworks this pack implements (empty for framework-neutral packs)."),
    rules: z.array(ruleSchema).min(1),
  }),
});

export type PolicyPackDoc = z.output<typeof policyPackSchema>;
export type RuleDoc = z.output<typeof ruleSchema>;
export type FixtureDoc = z.output<typeof fixtureSchema>;
export type KubernetesTarget = z.output<typeof kubernetesTargetSchema>;
export type TerraformTarget = z.output<typeof terraformTargetSchema>;

/** JSON Schema (draft 2020-12) of the pack format, for editors and CI. */
export function policyPackJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(policyPackSchema, { io: "input", target: "draft-2020-12" }) as Record<
    string,
    unknown
  >;
  return {
    $schema: schema.$schema,
    $id: "https://sovereign.example/schemas/policy-pack.v1alpha1.json",
    title: "PolicyPack (sovereign.ai/v1alpha1)",
    ...schema,
  };
}
