import { ExitCode, KitError } from "@sovereign/diagnostics";
import { type Finding, findingText, type SynthObject } from "@sovereign/policy";
import type { CountryProfile } from "@sovereign/profile";
import type { SynthOptions, SynthResult, UnrenderedRelease } from "@sovereign/stacks";
import type { CommandContext } from "./context.js";

/** What the residency check saw in a synthesized tree. */
export interface Checked {
  findings: Finding[];
  /** Every Kubernetes object of the tree, local charts rendered (reused, e.g. for the image list). */
  objects: SynthObject[];
  unrendered: UnrenderedRelease[];
  detached: UnrenderedRelease[];
}

/** Thrown inside the atomic write so that a failed policy check leaves no output behind. */
export class PolicyFailure extends KitError {
  constructor(readonly findings: Finding[]) {
    super(`residency policies failed: ${findings.length} finding(s)`, ExitCode.Findings, {
      code: "residency.findings",
      hint: "fix the objects the findings name, or the profile they were checked against",
    });
  }
}

/** Runs every profile's residency packs over its own stacks' objects and Terraform JSON. */
async function runPolicies(dir: string, profiles: CountryProfile[]): Promise<Checked> {
  // Loaded on use: the stacks and the policy engine are the heavy part of the CLI's imports.
  const [{ collectObjectsDetailed, collectTerraform }, { evaluate }] = await Promise.all([
    import("@sovereign/stacks"),
    import("@sovereign/policy"),
  ]);
  const { objects, unrendered, detached } = await collectObjectsDetailed(dir);
  const terraform = await collectTerraform(dir);
  const findings: Finding[] = [];
  for (const profile of profiles) {
    const mine = (stack: string) => stack.startsWith(`${profile.metadata.name}-`);
    findings.push(
      ...evaluate({
        profile,
        objects: objects.filter((o) => mine(o.stack)),
        terraform: terraform.filter((t) => mine(t.stack)),
      }),
    );
  }
  return { findings, objects, unrendered, detached };
}

/**
 * Synthesizes the countries into `outdir` and runs their residency packs on the finished tree
 * before it is moved into place: any error finding throws PolicyFailure and nothing is written.
 * `sovereign synth` and `sovereign bundle pack` both go through here, so a bundle never carries
 * stacks that synth would refuse.
 */
export async function synthesizeChecked(
  profiles: CountryProfile[],
  outdir: string,
  options: Omit<SynthOptions, "check"> = {},
): Promise<{ result: SynthResult; checked: Checked }> {
  const { synthesizeCountries } = await import("@sovereign/stacks");
  let checked: Checked | undefined;
  const result = await synthesizeCountries(profiles, outdir, {
    ...options,
    check: async (tmp) => {
      checked = await runPolicies(tmp, profiles);
      if (checked.findings.some((f) => f.severity === "error")) throw new PolicyFailure(checked.findings);
    },
  });
  return { result, checked: checked! };
}

/**
 * Prints a PolicyFailure's findings for `command` (text on stderr, or JSON on stdout) and says
 * that `target` was not written.
 */
export function reportPolicyFailure(
  ctx: CommandContext,
  e: PolicyFailure,
  command: string,
  format: string,
  target: string,
): void {
  const errors = e.findings.filter((f) => f.severity === "error").length;
  if (format === "json") {
    ctx.stdout(`${JSON.stringify({ ok: false, outdir: target, written: false, findings: e.findings }, null, 2)}\n`);
  } else {
    ctx.stderr(`${e.findings.map(findingText).join("\n")}\n`);
    ctx.stderr(`sovereign ${command}: ${errors} residency error(s); nothing was written to ${target}\n`);
  }
}
