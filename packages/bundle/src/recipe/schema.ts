import { z } from "zod";

/**
 * TrainingRecipe v1alpha1: how a partner country builds or localises its model. Every object is
 * strict so a misspelt key is an error, never a silently ignored training setting.
 */

const HEX64 = /^[0-9a-f]{64}$/;
const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

const sha256 = z
  .string()
  .regex(
    HEX64,
    "must be 64 lowercase hex characters (a sha256) | fix: run `sha256sum <file>` on the mirrored artifact and paste the digest",
  );

const name = z
  .string()
  .regex(DNS_LABEL, "must be a lowercase RFC 1123 label (a-z, 0-9, '-') | fix: e.g. `th-web-news`");

/** In-country object-store or HTTPS location; the host is checked against the profile's domains. */
const uri = z
  .string()
  .regex(
    /^(s3|https):\/\/[^\s/]+(\/\S*)?$/,
    "must be an s3:// or https:// URI | fix: e.g. s3://data.site1.sovereign.example/corpus",
  );

/** Why the country may train on a source. Required for every source: copyright of training data matters. */
export const LEGAL_BASES = [
  "consent",
  "statutory",
  "public-domain",
  "licence-agreement",
  "open-licence",
  "public-task",
] as const;

export const legalBasisSchema = z
  .strictObject({
    type: z
      .enum(LEGAL_BASES)
      .describe(
        "Kind of basis: consent of rights holders, a statute (e.g. a text-and-data-mining exception), public domain, a signed licence agreement, an open licence, or a public-task mandate.",
      ),
    reference: z
      .string()
      .regex(
        /\S/,
        "is empty: a legal basis needs a reference | fix: cite the provision, agreement number or licence URL an officer can look up",
      )
      .describe(
        "Provision, agreement number or licence text the basis rests on; an officer must be able to look it up.",
      ),
  })
  .describe("Legal basis for training on this source.");

export const dataSourceSchema = z.strictObject({
  id: name.describe("Unique source id, cited by evaluation and provenance reports."),
  uri: uri.describe("In-country location of the (tokenised or raw) data."),
  language: z.string().min(2).optional().describe("BCP 47 language tag of the content, e.g. th, ar, en."),
  licence: z.string().min(1).describe("SPDX identifier or licence name of the content."),
  // Optional here only so the loader can refuse a missing basis with an officer-readable message.
  legalBasis: legalBasisSchema.optional(),
  provenance: z
    .strictObject({
      sha256: sha256.describe("Digest of the source's manifest or archive as received."),
      collectedAt: z
        .string()
        .regex(/^\d{4}-\d{2}-\d{2}$/, "must be a date YYYY-MM-DD | fix: e.g. 2025-03-31")
        .optional(),
      origin: z.string().min(1).optional().describe("Who supplied the data (publisher, ministry, archive)."),
    })
    .describe("Where the data came from, pinned by digest."),
  weight: z.number().gt(0).max(1).describe("Sampling weight in the mixture; all weights sum to 1."),
  tokens: z.number().int().min(1).optional().describe("Tokens available in this source."),
});

export const evaluationSuiteSchema = z.strictObject({
  id: name,
  kind: z
    .enum(["local-language", "safety", "general"])
    .describe("local-language and safety suites are both required."),
  uri: uri.optional(),
  sha256: sha256.optional(),
  metric: z.string().min(1).describe("Metric the gate reads, e.g. accuracy or refusal-rate."),
  threshold: z.number().describe("Value the trained model must reach."),
  direction: z
    .enum(["min", "max"])
    .default("min")
    .describe("min: metric >= threshold; max: metric <= threshold."),
});

export const recipeSpecSchema = z.strictObject({
  objective: z
    .enum(["continued-pretraining", "supervised-finetuning", "preference-tuning"])
    .describe("Training stage this recipe runs."),
  description: z.string().min(1).optional(),
  baseModel: z.strictObject({
    name: z.string().min(1).describe("Published model name, e.g. Qwen2.5-7B."),
    revision: z
      .string()
      .regex(/^[0-9a-f]{40}$/, "must be a 40-hex git commit | fix: pin the exact revision, never a branch")
      .describe("Upstream repository commit the weights were mirrored from."),
    uri: uri.describe("In-country mirror of the weights."),
    sha256: sha256.describe("Digest of the mirrored weights archive (or its shard index)."),
    licence: z.string().min(1).describe("Licence of the base weights, e.g. Apache-2.0."),
  }),
  tokenizer: z.strictObject({
    name: z.string().min(1),
    sha256: sha256.describe("Digest of tokenizer.json."),
    addedTokens: z.number().int().min(0).default(0).describe("Tokens added for the local script, if any."),
  }),
  data: z.strictObject({
    sequenceLength: z.number().int().min(128),
    mixture: z.array(dataSourceSchema).min(1),
  }),
  parallelism: z
    .strictObject({
      tensor: z.number().int().min(1),
      pipeline: z.number().int().min(1),
      data: z.number().int().min(1),
    })
    .describe("tensor × pipeline × data must equal the GPUs the recipe uses."),
  optimizer: z.strictObject({
    name: z.enum(["adamw", "adafactor", "lion", "sgd"]),
    learningRate: z.number().gt(0),
    betas: z.tuple([z.number().gt(0).lt(1), z.number().gt(0).lt(1)]).optional(),
    weightDecay: z.number().min(0).default(0),
    gradientClipping: z.number().gt(0).optional(),
  }),
  schedule: z.strictObject({
    kind: z.enum(["cosine", "linear", "constant", "wsd"]),
    warmupSteps: z.number().int().min(0),
    totalSteps: z.number().int().min(1),
    minLearningRate: z.number().min(0).default(0),
    globalBatchTokens: z.number().int().min(1),
  }),
  precision: z.strictObject({
    compute: z.enum(["bf16", "fp16", "fp8"]),
    masterWeights: z.enum(["fp32", "bf16"]).default("fp32"),
  }),
  checkpointing: z.strictObject({
    everySteps: z.number().int().min(1),
    keep: z.number().int().min(1),
    uri: uri.describe("In-country checkpoint store (data class `checkpoints`)."),
  }),
  evaluation: z.strictObject({ suites: z.array(evaluationSuiteSchema).min(1) }),
  image: z.string().describe("Training container: <spec.registry>/...@sha256:<64 hex>."),
  hardware: z.strictObject({
    pool: name.describe("A training pool of the country profile (`spec.gpuPools[].name`)."),
    nodes: z.number().int().min(1).describe("Nodes of the pool the run uses."),
  }),
});

export const trainingRecipeSchema = z.strictObject({
  apiVersion: z.literal("sovereign.ai/v1alpha1"),
  kind: z.literal("TrainingRecipe"),
  metadata: z.strictObject({
    name,
    country: z.string().regex(/^[a-z]{2}$/, "must be a lowercase ISO 3166-1 alpha-2 code | fix: e.g. `th`"),
  }),
  spec: recipeSpecSchema,
});

/** A validated, defaulted training recipe. */
export type TrainingRecipe = z.output<typeof trainingRecipeSchema>;
export type DataSource = TrainingRecipe["spec"]["data"]["mixture"][number];
