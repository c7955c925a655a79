import { evaluate, type Finding, type SynthObject as PolicyObject, ResidencyFailure } from "@sovereign/policy";
import { type CountryProfile, perCountry } from "@sovereign/profile";
import { type CollectOptions, collectObjectsDetailed, type SynthObject, type UnrenderedRelease } from "./collect.js";

/** What the residency check saw in a synthesized tree. */
export interface ResidencyCheck {
  findings: Finding[];
  /** Every Kubernetes object of the tree, local charts rendered (reused, e.g. for the image list). */
  objects: SynthObject[];
  /** Releases of remote charts, not rendered offline. */
  unrendered: UnrenderedRelease[];
  /** Local-chart releases whose chart path does not resolve from the output directory. */
  detached: UnrenderedRelease[];
}

/** Options of {@link checkResidency}. */
export interface ResidencyOptions extends CollectOptions {
  /**
   * Findings already evaluated, by country code, over the same stacks (a worker thread evaluates
   * the countries it synthesized); those countries are not evaluated again.
   * @default none: every profile is evaluated here
   */
  evaluated?: ReadonlyMap<string, Finding[]>;
}

/**
 * Runs each profile's residency packs over its own stacks (`<cc>-*`) of a synth output: every
 * Kubernetes object (local charts rendered) and the Terraform JSON. Used inside every synth,
 * by `sovereign policy check --synth-dir` and by `bundle pack --synth-dir`, so an output written
 * any way (the CLI, `cdktf synth`, an integrator's TypeScript) is checked the same way.
 * Throws {@link ResidencyFailure} when `enforce` and any finding has error severity.
 */
export async function checkResidency(
  dir: string,
  profiles: readonly CountryProfile[],
  enforce = true,
  options: ResidencyOptions = {},
): Promise<ResidencyCheck> {
  const { objects, unrendered, detached, terraform } = await collectObjectsDetailed(dir, options);
  const todo = profiles.filter((p) => !options.evaluated?.has(p.metadata.name));
  const evaluated = new Map([...(options.evaluated ?? []), ...evaluateCountries(todo, objects, terraform)]);
  const findings = profiles.flatMap((p) => evaluated.get(p.metadata.name)!);
  if (enforce && findings.some((f) => f.severity === "error")) throw new ResidencyFailure(findings);
  return { findings, objects, unrendered, detached };
}

/** Each profile's residency findings over its own stacks (`<cc>-*`), by country code. */
export function evaluateCountries(
  profiles: readonly CountryProfile[],
  objects: readonly SynthObject[],
  terraform: readonly { stack: string; json: object }[],
): Map<string, Finding[]> {
  return perCountry(profiles, (profile, mine) =>
    evaluate({
      profile,
      objects: objects.filter((o) => mine(o.stack)) as PolicyObject[],
      terraform: terraform.filter((t) => mine(t.stack)),
    }),
  );
}
