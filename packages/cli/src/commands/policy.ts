import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import {
  checkOutput,
  ExitCode,
  type InputPath,
  printable,
  UsageError,
  writeFileAtomic,
  writeTreeAtomic,
} from "@sovereign/diagnostics";
import {
  admissionYaml,
  availablePacks,
  buildReport,
  type ComplianceReport,
  exportAdmission,
  type Finding,
  findingText,
  loadManifests,
  loadPacks,
  runFixtures,
  type SynthObject,
  type TerraformStack,
  toHtml,
  toJUnit,
  toSarif,
} from "@sovereign/policy";
import type { CountryProfile } from "@sovereign/profile";
import { collectObjects, collectTerraform, synthesizeCountry } from "@sovereign/stacks";
import {
  type Command,
  type CommandContext,
  forceOption,
  formatOf,
  inputLimitOf,
  loadProfileFrom,
  parseCommandArgs,
  pathFrom,
  profileOptions,
} from "../context.js";

const USAGE = [
  "sovereign policy check  (--country <cc> | --profile <file>) [--manifest <f.yaml> ...] [--manifest-only] [--format text|json]",
  "       sovereign policy test    [--pack <name> ...] [--format text|json]",
  "       sovereign policy export  (--country <cc> | --profile <file>) [--out <file.yaml>] [--format text|json]",
  "       sovereign policy report  (--country <cc> | --profile <file>) [--out <dir>] [--force] [--format text|json]",
  "       (every command taking a profile or manifests also takes --max-input-size <bytes>)",
].join("\n");

/** Synthesizes the profile into a temp dir and returns what the stacks would create. */
async function synthInputs(
  profile: CountryProfile,
): Promise<{ objects: SynthObject[]; terraform: TerraformStack[] }> {
  const dir = mkdtempSync(join(tmpdir(), "sovereign-policy-"));
  try {
    await synthesizeCountry(profile, dir);
    return { objects: (await collectObjects(dir)) as SynthObject[], terraform: await collectTerraform(dir) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}


const hasErrors = (fs: readonly Finding[]) => fs.some((f) => f.severity === "error");

type GatherValues = {
  country?: string;
  profile?: string;
  manifest?: string[];
  "manifest-only"?: boolean;
  "max-input-size"?: string;
};

/** The files a policy command reads, for refusing an output that would overwrite one. */
function inputsOf(ctx: CommandContext, values: GatherValues, profilePath: string): InputPath[] {
  return [
    { path: profilePath, what: `profile ${relative(ctx.cwd, profilePath) || profilePath}` },
    ...(values.manifest ?? []).map((m) => ({ path: pathFrom(ctx, m), what: `--manifest ${m}` })),
  ];
}

async function gather(ctx: CommandContext, values: GatherValues) {
  const { profile, path } = loadProfileFrom(values, ctx);
  const manifests = loadManifests(
    (values.manifest ?? []).map((f) => pathFrom(ctx, f)),
    { limit: inputLimitOf(values) },
  );
  const synth = values["manifest-only"] ? { objects: [], terraform: [] } : await synthInputs(profile);
  return {
    profile,
    objects: [...synth.objects, ...manifests],
    terraform: synth.terraform,
    inputs: inputsOf(ctx, values, path),
  };
}

async function check(ctx: CommandContext, argv: string[]): Promise<number> {
  const { values } = parseCommandArgs("policy check", argv, {
    ...profileOptions,
    manifest: { type: "string", multiple: true },
    "manifest-only": { type: "boolean" },
  });
  const format = formatOf(values.format);
  if (values["manifest-only"] && !values.manifest?.length) {
    throw new UsageError("--manifest-only needs at least one --manifest <file>", "pass --manifest f.yaml");
  }
  const { profile, objects, terraform } = await gather(ctx, values);
  const report = buildReport({ profile, objects, terraform });
  const ok = !hasErrors(report.findings);
  if (format === "json") {
    ctx.stdout(
      `${JSON.stringify({ ok, country: profile.metadata.name, summary: report.summary, findings: report.findings }, null, 2)}\n`,
    );
  } else {
    for (const f of report.findings) ctx.stdout(`${printable(findingText(f))}\n`);
    const s = report.summary;
    ctx.stdout(
      `${profile.metadata.name}: ${s.objects} object(s), ${terraform.length} stack(s), ${s.rules} rule(s): ${s.passed} passed, ${s.failed} failed, ${s.notApplicable} not applicable; ${s.errors} error(s), ${s.warnings} warning(s)\n`,
    );
  }
  return ok ? ExitCode.Ok : ExitCode.Findings;
}

async function test(ctx: CommandContext, argv: string[]): Promise<number> {
  const { values } = parseCommandArgs("policy test", argv, {
    pack: { type: "string", multiple: true },
    format: { type: "string", default: "text" },
  });
  const format = formatOf(values.format);
  const packs = loadPacks(values.pack?.length ? values.pack : availablePacks());
  const results = runFixtures(packs);
  const failed = results.filter((r) => !r.ok);
  if (format === "json") {
    ctx.stdout(
      `${JSON.stringify({ ok: failed.length === 0, total: results.length, failed: failed.length, results: results.map(({ findings: _f, ...r }) => r) }, null, 2)}\n`,
    );
  } else {
    for (const r of failed)
      ctx.stdout(`FAIL ${r.packId}/${r.ruleId} [${r.expect}] ${r.fixture}: ${r.detail}\n`);
    const rules = packs.reduce((n, p) => n + p.rules.length, 0);
    ctx.stdout(
      `${results.length - failed.length}/${results.length} fixtures ok across ${rules} rules in ${packs.length} pack(s)${failed.length ? `; ${failed.length} failed` : ""}\n`,
    );
  }
  return failed.length ? ExitCode.Findings : ExitCode.Ok;
}

async function exportCmd(ctx: CommandContext, argv: string[]): Promise<number> {
  const { values } = parseCommandArgs("policy export", argv, { ...profileOptions, out: { type: "string" } });
  const format = formatOf(values.format);
  const { profile, path } = loadProfileFrom(values, ctx);
  const objs = exportAdmission(profile);
  const text = format === "json" ? `${JSON.stringify(objs, null, 2)}\n` : admissionYaml(profile, objs);
  if (values.out) {
    const out = pathFrom(ctx, values.out);
    writeFileAtomic(out, text, { inputs: inputsOf(ctx, values, path) });
    ctx.stderr(`wrote ${objs.length} object(s) to ${printable(values.out)}\n`);
  } else ctx.stdout(text);
  return ExitCode.Ok;
}

async function reportCmd(ctx: CommandContext, argv: string[]): Promise<number> {
  const { values } = parseCommandArgs("policy report", argv, {
    ...profileOptions,
    ...forceOption,
    out: { type: "string" },
    manifest: { type: "string", multiple: true },
  });
  const format = formatOf(values.format);
  const { profile, objects, terraform, inputs } = await gather(ctx, values);
  const report: ComplianceReport = buildReport({ profile, objects, terraform });
  const outRel = values.out ?? join("policy-report", profile.metadata.name);
  const out = pathFrom(ctx, outRel);
  const output = { force: values.force, inputs };
  checkOutput(out, "dir", { ...output, cwd: ctx.cwd });
  const files = {
    "report.html": toHtml(report),
    "report.json": `${JSON.stringify(report, null, 2)}\n`,
    "report.sarif": `${JSON.stringify(toSarif(report), null, 2)}\n`,
    "junit.xml": toJUnit(report),
  };
  await writeTreeAtomic(
    out,
    (tmp) => {
      for (const [name, body] of Object.entries(files)) writeFileAtomic(join(tmp, name), body);
    },
    { ...output, label: "report" },
  );
  const ok = !hasErrors(report.findings);
  if (format === "json") {
    ctx.stdout(
      `${JSON.stringify({ ok, out: outRel, files: Object.keys(files), summary: report.summary }, null, 2)}\n`,
    );
  } else {
    const s = report.summary;
    ctx.stdout(
      `${profile.metadata.name}: ${s.passed}/${s.rules} rules passed, ${s.errors} error finding(s); wrote ${Object.keys(
        files,
      )
        .map((f) => join(outRel, f))
        .join(", ")}\n`,
    );
  }
  return ok ? ExitCode.Ok : ExitCode.Findings;
}

const SUB: Record<string, (ctx: CommandContext, argv: string[]) => Promise<number>> = {
  check,
  test,
  export: exportCmd,
  report: reportCmd,
};

export const policyCommand: Command = {
  name: "policy",
  summary:
    "residency policies: check objects, run pack fixtures, export admission policies, write the officers' report",
  usage: USAGE,
  async run(ctx, argv) {
    const [sub, ...rest] = argv;
    const fn = sub ? SUB[sub] : undefined;
    if (!fn) {
      throw new UsageError(
        sub ? `unknown policy subcommand ${JSON.stringify(sub)}` : "policy needs a subcommand",
        "use one of: check, test, export, report",
      );
    }
    return fn(ctx, rest);
  },
};
