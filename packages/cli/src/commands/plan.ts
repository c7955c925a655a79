import { capacityJson, capacityMarkdown, capacityText } from "@sovereign/capacity";
import { ExitCode } from "@sovereign/diagnostics";
import { checkedCapacity, warningLines } from "../capacity.js";
import {
  type Command,
  formatOf,
  loadProfileFrom,
  parseCommandArgs,
  profileOptions,
} from "../context.js";

export const planCommand: Command = {
  name: "plan",
  summary: "capacity plan: weights, KV cache and concurrent sequences per GPU for every served model",
  usage: "sovereign plan (--country <cc> | --profile <file>) [--format text|json|markdown]",
  async run(ctx, argv) {
    const { values } = parseCommandArgs("plan", argv, profileOptions);
    const format = formatOf(values.format, ["text", "json", "markdown"]);
    const { profile, source } = loadProfileFrom(values, ctx);
    const report = checkedCapacity(profile, source);
    if (format === "json") ctx.stdout(`${JSON.stringify(capacityJson(report), null, 2)}\n`);
    else if (format === "markdown") ctx.stdout(capacityMarkdown(report));
    else ctx.stdout(capacityText({ ...report, warnings: [] }));
    if (format !== "json") ctx.stderr(warningLines(report));
    return ExitCode.Ok;
  },
};
