import { existsSync } from "node:fs";
import { join, relative } from "node:path";
import {
  type DocPath,
  InputError,
  type Issue,
  parseYamlSource,
  readYamlSource,
  type YamlSource,
} from "@sovereign/diagnostics";
import { type CountryProfile, checkImageRef, hostInDomain, hostOf, repoRoot } from "@sovereign/profile";
import { LEGAL_BASES, type TrainingRecipe, trainingRecipeSchema } from "./schema.js";

/** How far the mixture weights may drift from 1 (float sums of decimal weights). */
export const WEIGHT_TOLERANCE = 1e-6;

const DIGEST_REF = /^[^@\s/]+(\/[^@\s]+)+@sha256:[0-9a-f]{64}$/;


function quoteList(xs: readonly string[]): string {
  return xs.length === 0 ? "(none)" : xs.map((x) => JSON.stringify(x)).join(", ");
}

/**
 * Checks the schema cannot express: legal basis on every source, weights summing to 1, the
 * hardware matching the profile. All failures at once. `profile` is optional so a recipe can be
 * linted alone; the profile-dependent checks then do not run.
 */
export function checkRecipe(r: TrainingRecipe, profile?: CountryProfile): Issue[] {
  const out: Issue[] = [];
  const s = r.spec;
  const mix: DocPath = ["spec", "data", "mixture"];

  const seen = new Map<string, number>();
  s.data.mixture.forEach((src, i) => {
    const first = seen.get(src.id);
    if (first !== undefined) {
      out.push({
        code: "recipe.duplicate_source",
        path: [...mix, i, "id"],
        message: `duplicate source id ${JSON.stringify(src.id)} (first at index ${first})`,
        hint: "give every data source a unique id",
      });
    } else seen.set(src.id, i);
    if (!src.legalBasis) {
      out.push({
        code: "recipe.legal_basis_missing",
        path: [...mix, i],
        message: `data source ${JSON.stringify(src.id)} has no legal basis; training on it is refused`,
        hint: `add \`legalBasis: { type: <${LEGAL_BASES.join("|")}>, reference: <provision, agreement or licence> }\``,
      });
    }
  });
  const total = s.data.mixture.reduce((a, x) => a + x.weight, 0);
  if (Math.abs(total - 1) > WEIGHT_TOLERANCE) {
    out.push({
      code: "recipe.weights_sum",
      path: mix,
      message: `mixture weights sum to ${Number(total.toPrecision(12))}, not 1 (tolerance ${WEIGHT_TOLERANCE})`,
      hint: `scale the weights: ${s.data.mixture.map((x) => `${x.id} ${Number((x.weight / total).toFixed(6))}`).join(", ")}`,
    });
  }

  const kinds = new Set(s.evaluation.suites.map((x) => x.kind));
  for (const need of ["local-language", "safety"] as const) {
    if (!kinds.has(need)) {
      out.push({
        code: "recipe.evaluation_missing",
        path: ["spec", "evaluation", "suites"],
        message: `no ${need} evaluation suite: the trained model cannot be accepted without one`,
        hint: `add a suite with \`kind: ${need}\``,
      });
    }
  }
  if (s.schedule.warmupSteps >= s.schedule.totalSteps) {
    out.push({
      code: "recipe.schedule",
      path: ["spec", "schedule", "warmupSteps"],
      message: `warmupSteps ${s.schedule.warmupSteps} is not below totalSteps ${s.schedule.totalSteps}`,
      hint: "warm up for a small fraction of the run, e.g. 1%",
    });
  }

  if (!profile) {
    if (!DIGEST_REF.test(s.image)) {
      out.push({
        code: "image.not_pinned",
        path: ["spec", "image"],
        message: `image ${JSON.stringify(s.image)} is not <registry>/<name>@sha256:<64 hex>`,
        hint: "reference the mirrored training image by digest",
      });
    }
    return out;
  }

  if (r.metadata.country !== profile.metadata.name) {
    out.push({
      code: "recipe.country",
      path: ["metadata", "country"],
      message: `recipe is for ${JSON.stringify(r.metadata.country)} but the profile is ${JSON.stringify(profile.metadata.name)}`,
      hint: `use the recipe of country ${profile.metadata.name} or set metadata.country`,
    });
  }
  out.push(...checkImageRef(s.image, profile.spec.registry, ["spec", "image"]));

  const pools = profile.spec.gpuPools;
  const pool = pools.find((p) => p.name === s.hardware.pool);
  const trainingPools = pools.filter((p) => p.purpose === "training").map((p) => p.name);
  if (!pool) {
    out.push({
      code: "ref.pool",
      path: ["spec", "hardware", "pool"],
      message: `GPU pool ${JSON.stringify(s.hardware.pool)} is not declared in the profile's spec.gpuPools`,
      hint: `use a training pool: ${quoteList(trainingPools)}`,
    });
  } else {
    if (pool.purpose !== "training") {
      out.push({
        code: "ref.pool_purpose",
        path: ["spec", "hardware", "pool"],
        message: `pool ${JSON.stringify(pool.name)} has purpose ${pool.purpose}, not training`,
        hint: `train on a training pool: ${quoteList(trainingPools)}`,
      });
    }
    if (s.hardware.nodes > pool.nodes) {
      out.push({
        code: "recipe.nodes",
        path: ["spec", "hardware", "nodes"],
        message: `recipe uses ${s.hardware.nodes} nodes but pool ${JSON.stringify(pool.name)} has ${pool.nodes}`,
        hint: `use at most ${pool.nodes} nodes`,
      });
    }
    const p = s.parallelism;
    const gpus = s.hardware.nodes * pool.gpusPerNode;
    if (p.tensor > pool.gpusPerNode) {
      out.push({
        code: "recipe.tensor_parallel",
        path: ["spec", "parallelism", "tensor"],
        message: `tensor parallelism ${p.tensor} spans more than one node (${pool.gpusPerNode} GPUs per node)`,
        hint: `keep tensor parallelism within a node: at most ${pool.gpusPerNode}`,
      });
    }
    if (p.tensor * p.pipeline * p.data !== gpus) {
      out.push({
        code: "recipe.parallelism",
        path: ["spec", "parallelism"],
        message: `tensor ${p.tensor} × pipeline ${p.pipeline} × data ${p.data} = ${p.tensor * p.pipeline * p.data}, but ${s.hardware.nodes} nodes × ${pool.gpusPerNode} GPUs = ${gpus}`,
        hint: `choose data = ${gpus / (p.tensor * p.pipeline)} if that is whole, or change nodes`,
      });
    }
  }

  const domains = profile.spec.sites.flatMap((x) => x.domains ?? []);
  const inCountry = (uri: string, path: DocPath, what: string) => {
    const host = hostOf(uri);
    if (domains.length > 0 && !domains.some((d) => hostInDomain(host, d))) {
      out.push({
        code: "host.out_of_country",
        path,
        message: `${what} host ${JSON.stringify(host)} is not under any in-country domain`,
        hint: `mirror it under one of ${quoteList(domains)}`,
      });
    }
  };
  inCountry(s.baseModel.uri, ["spec", "baseModel", "uri"], "base model");
  inCountry(s.checkpointing.uri, ["spec", "checkpointing", "uri"], "checkpoint store");
  for (const [i, src] of s.data.mixture.entries())
    inCountry(src.uri, [...mix, i, "uri"], `data source ${src.id}`);
  s.evaluation.suites.forEach((e, i) => {
    if (e.uri) inCountry(e.uri, ["spec", "evaluation", "suites", i, "uri"], `evaluation suite ${e.id}`);
  });
  return out;
}

function validateSource(src: YamlSource, profile?: CountryProfile): TrainingRecipe {
  const recipe = src.parse(trainingRecipeSchema);
  const issues = checkRecipe(recipe, profile).map((i) => src.place(i));
  if (issues.length > 0) throw new InputError(issues);
  return recipe;
}

/** Parses and validates recipe YAML text; `file` is used in messages only. */
export function parseRecipe(text: string, file = "<recipe>", profile?: CountryProfile): TrainingRecipe {
  return validateSource(parseYamlSource(text, file), profile);
}

/**
 * Loads and validates a recipe file (read once, regular file, at most `limit` bytes), against the
 * profile when one is given; returns the bytes it validated, which is what a bundle stores.
 */
export function loadRecipeInput(
  path: string,
  profile?: CountryProfile,
  o: { limit?: number } = {},
): { recipe: TrainingRecipe; text: Buffer; sha256: string } {
  const shown = relative(process.cwd(), path) || path;
  const src = readYamlSource(path, shown.startsWith("..") ? path : shown, o);
  return { recipe: validateSource(src, profile), text: src.bytes, sha256: src.sha256 };
}

/** Loads and validates a recipe file, against the profile when one is given. */
export function loadRecipeFile(path: string, profile?: CountryProfile): TrainingRecipe {
  return loadRecipeInput(path, profile).recipe;
}

/** Path of the shipped recipe of a country (`recipes/<cc>.yaml`), or undefined when none ships. */
export function shippedRecipePath(cc: string): string | undefined {
  const p = join(repoRoot(), "recipes", `${cc}.yaml`);
  return existsSync(p) ? p : undefined;
}
