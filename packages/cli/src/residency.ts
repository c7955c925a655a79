import { UsageError, type YamlSource } from "@sovereign/diagnostics";
import { findingText, loadPacks, type ResidencyFailure, uncitedFrameworks } from "@sovereign/policy";
import { type CountryProfile, isCountryStack } from "@sovereign/profile";
import { type ReadinessFinding, readinessText } from "@sovereign/readiness";
import type { ResidencyCheck, SynthOptions, SynthResult } from "@sovereign/stacks";
import type { CommandContext } from "./context.js";

/** What the residency check saw in a synthesized tree. */
export type Checked = ResidencyCheck;

/** Error findings on a synthesized tree (the synth wrote nothing). */
export { ResidencyFailure as PolicyFailure } from "@sovereign/policy";

/** Thrown inside the atomic write when the deploy-readiness check fails: nothing is written. */
export class ReadinessFailure extends Error {
  constructor(readonly readiness: ReadinessFinding[]) {
    super("deploy readiness failed");
  }
}

/**
 * The deploy-readiness check of every profile over its own stacks' objects; any failure throws
 * ReadinessFailure. Countries in `checkedBefore` (a worker thread of the synth checked them over
 * the same objects) are not checked again.
 */
export async function runReadiness(
  profiles: CountryProfile[],
  checked: Checked,
  checkedBefore?: ReadonlyMap<string, ReadinessFinding[]>,
): Promise<void> {
  const { checkCountries } = await import("@sovereign/readiness");
  const todo = profiles.filter((p) => !checkedBefore?.has(p.metadata.name));
  const found = new Map([...(checkedBefore ?? []), ...checkCountries(todo, checked)]);
  const all = profiles.flatMap((p) => found.get(p.metadata.name)!);
  if (all.length > 0) throw new ReadinessFailure(all);
}

/**
 * Synthesizes the countries into `outdir`; the synth itself runs their residency packs on the
 * finished tree before it is moved into place (any error finding throws PolicyFailure and
 * nothing is written), then the deploy-readiness check (any failure throws ReadinessFailure). `sovereign synth` and `sovereign bundle pack` both go through here.
 */
export async function synthesizeChecked(
  profiles: CountryProfile[],
  outdir: string,
  options: SynthOptions = {},
): Promise<{ result: SynthResult; checked: Checked }> {
  const { synthesizeCountries } = await import("@sovereign/stacks");
  const result = await synthesizeCountries(profiles, outdir, {
    ...options,
    residencyCheck: true,
    // A fleet's worker threads check their own countries' readiness (on both cores, not after them).
    readinessInThreads: true,
    // After the residency policies and before anything is moved into place.
    check: async (tmp, r) => {
      await options.check?.(tmp, r);
      await runReadiness(profiles, r.residency!, r.readiness);
    },
  });
  return { result, checked: result.residency! };
}

/**
 * Checks an existing synth output (`--synth-dir`) with the residency packs of `profiles`, as the
 * synth would have; refuses a directory that holds none of their stacks (exit 2).
 */
export async function checkSynthDir(dir: string, profiles: CountryProfile[], enforce = true): Promise<Checked> {
  const { checkResidency, collectTerraform } = await import("@sovereign/stacks");
  const stacks = (await collectTerraform(dir)).map((t) => t.stack);
  for (const p of profiles) {
    if (!stacks.some((s) => isCountryStack(s, p.metadata.name))) {
      throw new UsageError(
        `${dir} holds no stack of ${p.metadata.name} (stacks: ${stacks.join(", ") || "none"})`,
        `synthesize it first: sovereign synth --country ${p.metadata.name} --out ${dir}`,
      );
    }
  }
  return checkResidency(dir, profiles, enforce);
}

/**
 * Prints a PolicyFailure's findings for `command` (text on stderr, or JSON on stdout) and says
 * that `target` was not written.
 */
export function reportPolicyFailure(
  ctx: CommandContext,
  e: ResidencyFailure | ReadinessFailure,
  command: string,
  format: string,
  target: string,
): void {
  if (e instanceof ReadinessFailure) {
    if (format === "json") {
      ctx.stdout(`${JSON.stringify({ ok: false, outdir: target, written: false, readiness: e.readiness }, null, 2)}\n`);
      return;
    }
    ctx.stderr(`${e.readiness.map((f) => readinessText(f)).join("\n")}\n`);
    ctx.stderr(
      `sovereign ${command}: ${e.readiness.length} deploy-readiness failure(s): the stacks would not come up on the declared cluster; nothing was written to ${target}\n`,
    );
    return;
  }
  const errors = e.findings.filter((f) => f.severity === "error").length;
  if (format === "json") {
    ctx.stdout(`${JSON.stringify({ ok: false, outdir: target, written: false, findings: e.findings }, null, 2)}\n`);
  } else {
    ctx.stderr(`${e.findings.map((f) => findingText(f)).join("\n")}\n`);
    ctx.stderr(`sovereign ${command}: ${errors} residency error(s); nothing was written to ${target}\n`);
  }
}

/**
 * Warns (stderr, with file and line) about every framework the profile declares that no pack of
 * its spec.policies cites: the report can show no provision for it and says "no legal basis
 * recorded". Returns the uncited frameworks. `validate`, `init` and `policy report` call it with
 * the document the profile was validated from (the file is not read again).
 */
export function warnUncitedFrameworks(ctx: CommandContext, profile: CountryProfile, src: YamlSource): string[] {
  const uncited = uncitedFrameworks(profile, loadPacks(profile.spec.policies));
  if (uncited.length === 0) return uncited;
  for (const fw of uncited) {
    const i = profile.spec.frameworks.indexOf(fw);
    const at = src.place({ code: "framework.uncited", path: ["spec", "frameworks", i], message: "" });
    ctx.stderr(
      `${at.file}:${at.line ?? "?"}:${at.column ?? "?"}: warning framework.uncited at spec.frameworks[${i}]: ` +
        `framework ${fw} is cited by no rule of the packs in spec.policies (${profile.spec.policies.join(", ")}); ` +
        `the report will say "no legal basis recorded"\n` +
        `  fix: scaffold a pack with \`sovereign policy new ${fw}\`, cite the law's articles in it, and add ${fw.toLowerCase()} to spec.policies\n`,
    );
  }
  return uncited;
}
