import { evaluate, type Finding, type SynthObject as PolicyObject, ResidencyFailure } from "@sovereign/policy";
import type { CountryProfile } from "@sovereign/profile";
import { collectObjectsDetailed, collectTerraform, type SynthObject, type UnrenderedRelease } from "./collect.js";
import type { Renderings } from "./render.js";

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
  /** The synth's renderings (some started while it ran); default: rendered here. */
  renderings?: Renderings,
): Promise<ResidencyCheck> {
  const { objects, unrendered, detached } = await collectObjectsDetailed(dir, renderings);
  const terraform = await collectTerraform(dir);
  const findings: Finding[] = [];
  for (const profile of profiles) {
    const mine = (stack: string) => stack.startsWith(`${profile.metadata.name}-`);
    findings.push(
      ...evaluate({
        profile,
        objects: objects.filter((o) => mine(o.stack)) as PolicyObject[],
        terraform: terraform.filter((t) => mine(t.stack)),
      }),
    );
  }
  if (enforce && findings.some((f) => f.severity === "error")) throw new ResidencyFailure(findings);
  return { findings, objects, unrendered, detached };
}
