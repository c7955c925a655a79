import { join, resolve } from "node:path";
import { ExitCode, KitError, readInputFile } from "@sovereign/diagnostics";
import { type CountryProfile, isCountryStack, loadProfileFile, shippedProfilePath } from "@sovereign/profile";
import { type Command, formatOf, parseCommandArgs, profileOptions, profilePathFrom } from "../context.js";

const options = { ...profileOptions, "synth-dir": { type: "string" } } as const;

/** Countries of a synth output (stack names are `<cc>-<kind>`). */
function countriesOf(dir: string): string[] {
  const manifest = join(dir, "manifest.json");
  let stacks: Record<string, unknown>;
  try {
    stacks = (JSON.parse(readInputFile(manifest, { what: "cdktf manifest" }).bytes.toString("utf8")) as { stacks: Record<string, unknown> }).stacks;
  } catch {
    throw new KitError(`${manifest} not found or not a cdktf manifest`, ExitCode.BadInput, {
      code: "preflight.no_manifest",
      hint: "pass the directory `sovereign synth` wrote",
    });
  }
  return [...new Set(Object.keys(stacks).map((s) => s.slice(0, s.indexOf("-"))))].sort();
}

export const preflightCommand: Command = {
  name: "preflight",
  summary: "deploy-readiness check of an existing synth output against the profile's cluster model",
  usage: "sovereign preflight [--synth-dir <dir>] [--country <cc> | --profile <file>] [--format text|json]",
  async run(ctx, argv) {
    const { values } = parseCommandArgs("preflight", argv, options);
    const format = formatOf(values.format);
    const dir = resolve(ctx.cwd, values["synth-dir"] ?? "cdktf.out");
    const profiles: CountryProfile[] =
      values.country || values.profile
        ? [loadProfileFile(profilePathFrom(values, ctx))]
        : countriesOf(dir).map((cc) => loadProfileFile(shippedProfilePath(cc)));
    const [{ collectObjectsDetailed }, { checkReadiness, readinessText }] = await Promise.all([
      import("@sovereign/stacks"),
      import("@sovereign/readiness"),
    ]);
    const { objects, unrendered } = await collectObjectsDetailed(dir);
    const findings = profiles.flatMap((profile) => {
      const mine = (stack: string) => isCountryStack(stack, profile.metadata.name);
      const own = objects.filter((o) => mine(o.stack));
      if (own.length === 0)
        throw new KitError(`${dir} holds no stacks of ${profile.metadata.name}`, ExitCode.BadInput, {
          code: "preflight.no_stacks",
          hint: `synthesize ${profile.metadata.name} into ${dir} first (\`sovereign synth --country ${profile.metadata.name}\`)`,
        });
      return checkReadiness({ profile, objects: own, unrendered: unrendered.filter((u) => mine(u.stack)) });
    });
    if (format === "json") {
      ctx.stdout(`${JSON.stringify({ ok: findings.length === 0, countries: profiles.map((p) => p.metadata.name), findings }, null, 2)}\n`);
    } else {
      for (const f of findings) ctx.stdout(`${readinessText(f)}\n`);
      const rules = [...new Set(findings.map((f) => f.ruleId))].sort();
      ctx.stdout(
        `deploy readiness of ${profiles.map((p) => p.metadata.name).join(", ")}: ${objects.length} objects, ${findings.length} failure(s)${rules.length ? ` (${rules.join(", ")})` : ""}\n`,
      );
    }
    return findings.length > 0 ? ExitCode.Findings : ExitCode.Ok;
  },
};
