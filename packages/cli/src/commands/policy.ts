import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import {
  checkOutput,
  ExitCode,
  type InputPath,
  makeTempDir,
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
  FRAMEWORK_ID,
  type Finding,
  findingText,
  loadManifests,
  loadPacks,
  parsePack,
  policiesDir,
  runFixtures,
  scaffoldPack,
  type SynthObject,
  type TerraformStack,
  toHtml,
  toJUnit,
  toSarif,
} from "@sovereign/policy";
import { type CountryProfile, isCountryStack } from "@sovereign/profile";
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
import { checkSynthDir, warnUncitedFrameworks } from "../residency.js";

const USAGE = [
  "sovereign policy check  (--country <cc> | --profile <file>) [--manifest <f.yaml> ...] [--manifest-only | --synth-dir <dir>] [--format text|json]",
  "       sovereign policy test    [--pack <name> ...] [--format text|json]",
  "       sovereign policy export  (--country <cc> | --profile <file>) [--out <file.yaml>] [--format text|json]",
  "       sovereign policy report  (--country <cc> | --profile <file>) [--synth-dir <dir>] [--out <dir>] [--force] [--format text|json]",
  "       sovereign policy new     <FRAMEWORK> [--dir <policies dir>]   (e.g. KE-DPA: writes ke-dpa.yaml with fixtures)",
  "       (every command taking a profile or manifests also takes --max-input-size <bytes>)",
].join("\n");

/** Synthesizes the profile into a temp dir and returns what the stacks would create. */
async function synthInputs(
  profile: CountryProfile,
): Promise<{ objects: SynthObject[]; terraform: TerraformStack[] }> {
  // A guarded temp directory: removed even if the run is killed (see makeTempDir).
  const tmp = makeTempDir(tmpdir(), "policy");
  const dir = join(tmp.path, "out");
  try {
    // Checked below by buildReport, which reports findings instead of refusing the synth.
    await synthesizeCountry(profile, dir, { residencyCheck: false });
    return { objects: (await collectObjects(dir)) as SynthObject[], terraform: await collectTerraform(dir) };
  } finally {
    tmp.remove();
  }
}

/** The objects and Terraform of an existing synth output, this profile's stacks only. */
async function synthDirInputs(
  dir: string,
  profile: CountryProfile,
): Promise<{ objects: SynthObject[]; terraform: TerraformStack[] }> {
  if (!existsSync(dir)) throw new UsageError(`--synth-dir ${dir} does not exist`, "run `sovereign synth` first");
  const checked = await checkSynthDir(dir, [profile], false);
  const mine = (stack: string) => isCountryStack(stack, profile.metadata.name);
  return {
    objects: (checked.objects as SynthObject[]).filter((o) => mine(o.stack)),
    terraform: (await collectTerraform(dir)).filter((t) => mine(t.stack)),
  };
}

const hasErrors = (fs: readonly Finding[]) => fs.some((f) => f.severity === "error");

type GatherValues = {
  country?: string;
  profile?: string;
  manifest?: string[];
  "manifest-only"?: boolean;
  "synth-dir"?: string;
  "max-input-size"?: string;
};

/** The files a policy command reads, for refusing an output that would overwrite one. */
function inputsOf(ctx: CommandContext, values: GatherValues, profilePath: string): InputPath[] {
  return [
    { path: profilePath, what: `profile ${relative(ctx.cwd, profilePath) || profilePath}` },
    ...(values.manifest ?? []).map((m) => ({ path: pathFrom(ctx, m), what: `--manifest ${m}` })),
    ...(values["synth-dir"] ? [{ path: pathFrom(ctx, values["synth-dir"]), what: `--synth-dir ${values["synth-dir"]}` }] : []),
  ];
}

async function gather(ctx: CommandContext, values: GatherValues) {
  if (values["synth-dir"] && values["manifest-only"]) {
    throw new UsageError("--synth-dir and --manifest-only exclude each other", "pass one of them");
  }
  const { profile, path, source } = loadProfileFrom(values, ctx);
  const manifests = loadManifests(
    (values.manifest ?? []).map((f) => pathFrom(ctx, f)),
    { limit: inputLimitOf(values) },
  );
  const synth = values["manifest-only"]
    ? { objects: [], terraform: [] }
    : values["synth-dir"]
      ? await synthDirInputs(pathFrom(ctx, values["synth-dir"]), profile)
      : await synthInputs(profile);
  return {
    profile,
    path,
    source,
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
    "synth-dir": { type: "string" },
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
    for (const f of report.findings) ctx.stdout(`${findingText(f)}\n`);
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
    dir: { type: "string" },
    format: { type: "string", default: "text" },
    "max-input-size": { type: "string" },
  });
  const format = formatOf(values.format);
  const dir = values.dir ? pathFrom(ctx, values.dir) : policiesDir();
  const packs = loadPacks(values.pack?.length ? values.pack : availablePacks(dir), dir, undefined, {
    limit: inputLimitOf(values),
  });
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
    "synth-dir": { type: "string" },
  });
  const format = formatOf(values.format);
  const { profile, source, objects, terraform, inputs } = await gather(ctx, values);
  warnUncitedFrameworks(ctx, profile, source);
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
      `${profile.metadata.name}: ${s.passed}/${s.applicable} applicable rules passed (${s.notApplicable} not applicable), ${s.errors} error finding(s), verdict ${s.verdict}; wrote ${Object.keys(
        files,
      )
        .map((f) => join(outRel, f))
        .join(", ")}\n`,
    );
  }
  return ok ? ExitCode.Ok : ExitCode.Findings;
}

async function newPack(ctx: CommandContext, argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    "policy new",
    argv,
    { dir: { type: "string" }, format: { type: "string", default: "text" } },
    true,
  );
  const format = formatOf(values.format);
  const fw = positionals[0];
  if (!fw || positionals.length > 1 || !FRAMEWORK_ID.test(fw)) {
    throw new UsageError(
      fw ? `${JSON.stringify(fw)} is not a framework id (country code, dash, short name)` : "policy new needs a framework id",
      "e.g. sovereign policy new KE-DPA (the id your profile lists in spec.frameworks)",
    );
  }
  const dir = values.dir ? pathFrom(ctx, values.dir) : policiesDir();
  const { name, text } = scaffoldPack(fw);
  const file = join(dir, `${name}.yaml`);
  if (existsSync(file)) {
    throw new UsageError(`${file} already exists`, "edit it, or pass --dir <other policies dir>");
  }
  parsePack(text, file); // the scaffold must load as written; a failure here is a bug
  writeFileAtomic(file, text);
  const fixtures = runFixtures(loadPacks([name], dir));
  const failed = fixtures.filter((r) => !r.ok);
  if (format === "json") {
    ctx.stdout(`${JSON.stringify({ ok: failed.length === 0, pack: name, file, fixtures: fixtures.length }, null, 2)}\n`);
  } else {
    ctx.stdout(
      `wrote ${file}: pack ${name} for ${fw}, ${fixtures.length - failed.length}/${fixtures.length} fixtures ok.\n` +
        `Next: replace every CHANGE with the law's articles, add ${name} to spec.policies, run \`sovereign validate\`.\n`,
    );
  }
  return failed.length ? ExitCode.Findings : ExitCode.Ok;
}

const SUB: Record<string, (ctx: CommandContext, argv: string[]) => Promise<number>> = {
  new: newPack,
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
        "use one of: check, test, export, report, new",
      );
    }
    return fn(ctx, rest);
  },
};
