import { ExitCode } from "@sovereign/diagnostics";
import { checkedCapacity, warningLines } from "../capacity.js";
import {
  type Command,
  formatOf,
  loadProfileFrom,
  parseCommandArgs,
  profileOptions,
} from "../context.js";
import { warnUncitedFrameworks } from "../residency.js";

export const validateCommand: Command = {
  name: "validate",
  summary: "check a country profile and its capacity plan; --format json prints the normalized profile",
  usage: "sovereign validate (--country <cc> | --profile <file>) [--format text|json]",
  async run(ctx, argv) {
    const { values } = parseCommandArgs("validate", argv, profileOptions);
    const format = formatOf(values.format);
    const { profile, path, source } = loadProfileFrom(values, ctx);
    warnUncitedFrameworks(ctx, profile, source);
    // A model that cannot hold one sequence on its GPUs is bad input, like a dangling reference.
    const capacity = checkedCapacity(profile, source);
    ctx.stderr(warningLines(capacity));
    if (format === "json") ctx.stdout(`${JSON.stringify(profile, null, 2)}\n`);
    else {
      const s = profile.spec;
      ctx.stdout(
        `${path.replace(`${ctx.cwd}/`, "")}: valid CountryProfile ${profile.metadata.name} (${s.displayName}): ` +
          `${s.sites.length} site(s), ${s.gpuPools.length} GPU pool(s), ${s.serving.models.length} model(s)\n`,
      );
    }
    return ExitCode.Ok;
  },
};
