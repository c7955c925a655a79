import { readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { checkOutput, ExitCode, UsageError } from "@sovereign/diagnostics";
import { findingText } from "@sovereign/policy";
import { countriesDir, loadProfileInput } from "@sovereign/profile";
import { checkedCapacity, warningLines } from "../capacity.js";
import {
  type Command,
  forceOption,
  formatOf,
  inputLimitOf,
  parseCommandArgs,
  pathFrom,
  profileOptions,
  profilePathFrom,
} from "../context.js";
import { PolicyFailure, ReadinessFailure, reportPolicyFailure, synthesizeChecked } from "../residency.js";

const options = {
  ...profileOptions,
  ...forceOption,
  all: { type: "boolean" },
  out: { type: "string" },
} as const;

function shippedProfiles(): string[] {
  return readdirSync(countriesDir())
    .filter((f) => /^[a-z]{2}\.yaml$/.test(f))
    .sort()
    .map((f) => join(countriesDir(), f));
}

export const synthCommand: Command = {
  name: "synth",
  summary: "synthesize a country's stacks into cdktf.out/ and check them against its residency policies",
  usage:
    "sovereign synth (--country <cc> | --profile <file> | --all) [--out <dir>] [--force] [--max-input-size <bytes>] [--format text|json]",
  async run(ctx, argv) {
    const { values } = parseCommandArgs("synth", argv, options);
    const format = formatOf(values.format);
    if (values.all && (values.country || values.profile)) {
      throw new UsageError(
        "--all cannot be combined with --country or --profile",
        "pass --all alone, or one country",
      );
    }
    const paths = values.all ? shippedProfiles() : [profilePathFrom(values, ctx)];
    const limit = inputLimitOf(values);
    const loaded = paths.map((p) => loadProfileInput(p, { limit, displayName: relative(ctx.cwd, p).startsWith("..") ? p : relative(ctx.cwd, p) }));
    const profiles = loaded.map((l) => l.profile);
    const outdir = pathFrom(ctx, values.out ?? "cdktf.out");
    const output = {
      force: values.force,
      inputs: paths.map((p) => ({ path: p, what: `profile ${relative(ctx.cwd, p) || p}` })),
    };
    checkOutput(outdir, "dir", { ...output, cwd: ctx.cwd });
    // A model that cannot hold one sequence is refused here, located in its profile, before any stack is built.
    loaded.forEach((l) => ctx.stderr(warningLines(checkedCapacity(l.profile, l.source))));
    const rel = relative(ctx.cwd, outdir);
    const shown = rel === "" ? "." : rel.startsWith("..") ? outdir : rel;

    let synth: Awaited<ReturnType<typeof synthesizeChecked>>;
    try {
      synth = await synthesizeChecked(profiles, outdir, { output });
    } catch (e) {
      if (!(e instanceof PolicyFailure || e instanceof ReadinessFailure)) throw e;
      reportPolicyFailure(ctx, e, "synth", format, shown);
      return ExitCode.Findings;
    }

    const { result, checked: c } = synth;
    const countries = profiles.map((p) => p.metadata.name);
    const resources = result.stacks.reduce((n, s) => n + s.resources, 0);
    const warnings = c.findings.filter((f) => f.severity === "warning").length;
    if (format === "json") {
      ctx.stdout(
        `${JSON.stringify(
          {
            ok: true,
            outdir: shown,
            countries,
            stacks: result.stacks.map((s) => ({ ...s, file: join(shown, s.file) })),
            counts: {
              stacks: result.stacks.length,
              resources,
              objects: c.objects.length,
              findings: c.findings.length,
              warnings,
            },
            unrenderedCharts: c.unrendered,
            detachedCharts: c.detached,
            findings: c.findings,
            readiness: { failures: [] },
          },
          null,
          2,
        )}\n`,
      );
      return ExitCode.Ok;
    }
    const width = Math.max(...result.stacks.map((s) => s.name.length));
    const lines = [
      `synthesized ${countries.join(", ")} into ${shown}: ${result.stacks.length} stacks, ${resources} resources, ${c.objects.length} Kubernetes objects`,
      ...result.stacks.map(
        (s) =>
          `  ${s.name.padEnd(width)}  ${String(s.resources).padStart(3)} resources  ${join(shown, s.file)}${s.dependencies.length ? `  (after ${s.dependencies.join(", ")})` : ""}`,
      ),
      `residency policies: ${profiles.map((p) => p.spec.policies.join(", ")).join("; ")}: 0 errors, ${warnings} warning(s)`,
      ...c.findings.map((f) => findingText(f)),
      "deploy readiness: 0 failures",
      ...c.unrendered.map((u) => `  not rendered offline (remote chart): ${u.stack} ${u.address} ${u.chart}`),
    ];
    if (c.detached.length > 0) {
      // Chart paths are relative to <repo>/cdktf.out/stacks/<stack>; elsewhere Terraform cannot find them.
      ctx.stderr(
        `sovereign synth: warning: ${c.detached.length} release(s) reference a chart by a path that does not resolve from ${shown}/stacks/<stack>/ ` +
          `(e.g. ${c.detached[0]!.chart}); run terraform from <repo>/cdktf.out, or copy charts/ so that the path resolves\n`,
      );
    }
    ctx.stdout(`${lines.join("\n")}\n`);
    return ExitCode.Ok;
  },
};
