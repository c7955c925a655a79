import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
// Verify, inspect and extract load only the reading side; pack imports the rest when it runs.
import {
  extractBundle,
  inspectBundle,
  loadVerifyKey,
  type Progress,
  type VerifyExpectations,
  type VerifyReport,
  verifyBundle,
  writeKeyPair,
} from "@sovereign/bundle/verify";
import {
  checkOutput,
  ExitCode,
  InputError,
  type InputPath,
  makeTempDir,
  printable,
  repoRoot,
  type TempDir,
  UsageError,
} from "@sovereign/diagnostics";
import type { SynthObject } from "@sovereign/policy";
import type { CountryProfile } from "@sovereign/profile";
import { helmBinary } from "@sovereign/tools";
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

const USAGE = `sovereign bundle keygen --out <dir>
       sovereign bundle pack (--country <cc> | --profile <file>) --key <bundle.key> [--out <dir|file.tar|file.tar.zst>]
                             [--recipe <file>] [--weights <path>]... [--dataset <path>]... [--synth-dir <dir>]
                             [--charts <dir>] [--policies <dir>] [--sequence <n>] [--force]
                             [--max-input-size <bytes>] [--format text|json]
       sovereign bundle verify <bundle> --key <bundle.pub> [--country <cc>] [--not-before <time>]
                             [--min-sequence <n>] [--format text|json]
       sovereign bundle inspect <bundle> [--format text|json]
       sovereign bundle extract <bundle> --key <bundle.pub> --out <dir> [--country <cc>] [--not-before <time>]
                             [--min-sequence <n>] [--force]`;

const abs = pathFrom;

/** A path as shown to the user: relative when below the working directory, escaped for the terminal. */
function shown(ctx: CommandContext, p: string): string {
  const r = relative(ctx.cwd, p);
  return printable(r && !r.startsWith("..") ? r : p);
}

/** `--country`, `--not-before`, `--min-sequence` of verify and extract. */
const expectOptions = {
  country: { type: "string" },
  "not-before": { type: "string" },
  "min-sequence": { type: "string" },
} as const;

function expectationsOf(values: { country?: string; "not-before"?: string; "min-sequence"?: string }): VerifyExpectations {
  const e: VerifyExpectations = {};
  if (values.country !== undefined) {
    if (!/^[a-z]{2}$/.test(values.country))
      throw new UsageError(`--country ${JSON.stringify(printable(values.country))} is not a lowercase two-letter code`, "e.g. --country th");
    e.country = values.country;
  }
  if (values["not-before"] !== undefined) {
    const t = Date.parse(values["not-before"]);
    if (!/^\d{4}-\d{2}-\d{2}/.test(values["not-before"]) || Number.isNaN(t))
      throw new UsageError(
        `--not-before ${JSON.stringify(printable(values["not-before"]))} is not a date`,
        "give an RFC 3339 time or date, e.g. --not-before 2026-01-31T00:00:00Z (the creation time of the last bundle you accepted)",
      );
    e.notBefore = new Date(t);
  }
  if (values["min-sequence"] !== undefined) {
    if (!/^\d{1,15}$/.test(values["min-sequence"]))
      throw new UsageError(
        `--min-sequence ${JSON.stringify(printable(values["min-sequence"]))} is not a whole number`,
        "give the sequence of the last bundle you accepted (bundle verify prints it)",
      );
    e.minSequence = Number(values["min-sequence"]);
  }
  return e;
}

/** Renders a failed verification on stderr, every name escaped. */
function reportProblems(ctx: CommandContext, r: VerifyReport): void {
  for (const p of r.problems) ctx.stderr(`FAIL ${printable(p.file)}: ${printable(p.message)}\n`);
}

/** SOURCE_DATE_EPOCH, else the repository's last commit time, else 1980-01-01: never "now". */
export function sourceDateEpoch(env: NodeJS.ProcessEnv, root: string): number {
  const v = env.SOURCE_DATE_EPOCH;
  if (v !== undefined) {
    if (!/^\d+$/.test(v)) {
      throw new UsageError(
        `SOURCE_DATE_EPOCH=${JSON.stringify(v)} is not a whole number of seconds`,
        "e.g. SOURCE_DATE_EPOCH=$(git log -1 --format=%ct)",
      );
    }
    return Number(v);
  }
  try {
    const out = execFileSync("git", ["-C", root, "log", "-1", "--format=%ct"], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    });
    if (/^\d+\s*$/.test(out)) return Number(out.trim());
  } catch {
    // not a git checkout
  }
  return 315532800;
}

const MiB = 1024 * 1024;

/** A one-line progress bar on stderr, redrawn at most every 100 ms; only used on a TTY. */
function progressBar(ctx: CommandContext): Progress | undefined {
  if (!ctx.isTTY) return undefined;
  let last = 0;
  let start = Date.now();
  let current = "";
  return (label, done, total) => {
    if (total < 64 * MiB) return;
    const now = Date.now();
    if (label !== current) {
      current = label;
      start = now;
    }
    if (now - last < 100 && done < total) return;
    last = now;
    const frac = total === 0 ? 1 : done / total;
    const bar = "#".repeat(Math.round(frac * 30)).padEnd(30, ".");
    const rate = done / MiB / Math.max((now - start) / 1000, 0.001);
    ctx.stderr(
      `\r${label.slice(-40).padEnd(40)} [${bar}] ${(frac * 100).toFixed(0).padStart(3)}% ${rate.toFixed(0)} MiB/s`,
    );
    if (done >= total) ctx.stderr("\n");
  };
}

/** Objects as text for the bundle's image scan, so images that only chart defaults name are listed. */
function imageSourcesOf(objects: readonly SynthObject[]): { path: string; text: string }[] {
  return objects.map((o) => ({ path: `rendered:${o.stack}/${o.address}`, text: JSON.stringify(o.object) }));
}

async function keygen(ctx: CommandContext, argv: string[]): Promise<number> {
  const { values } = parseCommandArgs("bundle keygen", argv, { out: { type: "string" } });
  if (!values.out)
    throw new UsageError("bundle keygen needs --out <dir>", "e.g. sovereign bundle keygen --out keys/");
  const r = writeKeyPair(abs(ctx, values.out));
  ctx.stdout(
    `wrote ${shown(ctx, r.privateKey)} (PKCS#8, ECDSA P-256, mode 0600: keep offline)\nwrote ${shown(ctx, r.publicKey)} (PKIX public key: give to every site)\nkey id ${r.keyId}\n`,
  );
  return ExitCode.Ok;
}

/**
 * The training hand-over: the job templates `sovereign train plan` derives from the recipe and the
 * training guide. Only for a profile with a training stack; a recipe the profile does not approve
 * yet gets the guide and a note, since its jobs would be refused in the cluster.
 */
async function trainingFiles(
  ctx: CommandContext,
  profile: CountryProfile,
  recipePath: string,
  recipeText: Buffer,
  root: string,
): Promise<Record<string, string> | undefined> {
  const [{ hasTraining, TRAINING_NAMESPACE }, { planTraining }, { stringify }] = await Promise.all([
    import("@sovereign/stacks"),
    import("../train/plan.js"),
    import("yaml"),
  ]);
  if (!hasTraining(profile)) return undefined;
  const files: Record<string, string> = { "README.md": readFileSync(join(root, "docs", "training.md"), "utf8") };
  try {
    // The recipe's bytes as already read and stored in the bundle: the input is read once.
    const plan = planTraining(recipeText.toString("utf8"), shown(ctx, recipePath), profile, TRAINING_NAMESPACE);
    files["jobs/training.yaml"] = plan.training.map((o) => stringify(o)).join("---\n");
    files["jobs/evaluation.yaml"] = plan.evaluation.map((o) => stringify(o)).join("---\n");
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    ctx.stderr(`note: no training job templates in the bundle: ${e.issues[0]!.message}\n`);
  }
  return files;
}

const packOptions = {
  ...profileOptions,
  ...forceOption,
  recipe: { type: "string" },
  out: { type: "string" },
  weights: { type: "string", multiple: true },
  dataset: { type: "string", multiple: true },
  key: { type: "string" },
  "synth-dir": { type: "string" },
  charts: { type: "string" },
  policies: { type: "string" },
  sequence: { type: "string" },
} as const;

/** Every path `bundle pack` reads, for the output checks. */
function packInputs(
  ctx: CommandContext,
  values: { weights?: string[]; dataset?: string[]; key?: string; recipe?: string; "synth-dir"?: string; charts?: string; policies?: string },
  profilePath: string,
): InputPath[] {
  const flagged = (flag: string, ps: readonly string[] | undefined) =>
    (ps ?? []).map((p) => ({ path: abs(ctx, p), what: `${flag} ${printable(p)}` }));
  return [
    { path: profilePath, what: `profile ${shown(ctx, profilePath)}` },
    ...flagged("--weights", values.weights),
    ...flagged("--dataset", values.dataset),
    ...flagged("--key", values.key ? [values.key] : []),
    ...flagged("--recipe", values.recipe ? [values.recipe] : []),
    ...flagged("--synth-dir", values["synth-dir"] ? [values["synth-dir"]] : []),
    ...flagged("--charts", values.charts ? [values.charts] : []),
    ...flagged("--policies", values.policies ? [values.policies] : []),
  ];
}

function sequenceOf(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d{1,15}$/.test(v))
    throw new UsageError(
      `--sequence ${JSON.stringify(printable(v))} is not a whole number`,
      "give a number above the last bundle's sequence for this country (default: SOURCE_DATE_EPOCH)",
    );
  return Number(v);
}

async function pack(ctx: CommandContext, argv: string[]): Promise<number> {
  const { values } = parseCommandArgs("bundle pack", argv, packOptions);
  const { bundleOwnedFiles, loadRecipeInput, loadSigningKey, outputFormatOf, packBundle, shippedRecipePath } = await import(
    "@sovereign/bundle"
  );
  const format = formatOf(values.format);
  if (!values.key) {
    throw new UsageError(
      "bundle pack needs a signing key: --key <bundle.key>",
      "create one with `sovereign bundle keygen --out keys/`",
    );
  }
  const sequence = sequenceOf(values.sequence);
  const limit = inputLimitOf(values);
  // Read once: the profile's bytes travel with it, so the stored profile is the validated one.
  const { profile, bytes: profileBytes, path: profilePath } = loadProfileFrom(values, ctx);
  const cc = profile.metadata.name;
  const out = abs(ctx, values.out ?? `${cc}-bundle`);
  const output = { force: values.force, inputs: packInputs(ctx, values, profilePath) };
  checkOutput(out, outputFormatOf(out) === "dir" ? "dir" : "file", {
    ...output,
    cwd: ctx.cwd,
    owned: bundleOwnedFiles,
  });
  const key = loadSigningKey(abs(ctx, values.key));
  const recipePath = values.recipe ? abs(ctx, values.recipe) : shippedRecipePath(cc);
  const recipe = recipePath ? loadRecipeInput(recipePath, profile, { limit }) : undefined;
  if (!recipe) ctx.stderr(`note: no training recipe for ${cc} (recipes/${cc}.yaml); packing without one\n`);
  const root = repoRoot();
  const training = recipePath && recipe ? await trainingFiles(ctx, profile, recipePath, recipe.text, root) : undefined;
  const chartsDir = values.charts ? abs(ctx, values.charts) : join(root, "charts");
  const policiesDir = values.policies ? abs(ctx, values.policies) : join(root, "policies");
  const lockfile = join(root, "package-lock.json");

  let synthDir = values["synth-dir"] ? abs(ctx, values["synth-dir"]) : undefined;
  let tmpSynth: TempDir | undefined;
  if (synthDir && !existsSync(synthDir))
    throw new UsageError(`--synth-dir ${printable(values["synth-dir"]!)} does not exist`, "run `sovereign synth` first");
  // Imported here, not at the top: verify, inspect and extract never load the policy engine.
  const { checkSynthDir, PolicyFailure, ReadinessFailure, reportPolicyFailure, synthesizeChecked } = await import(
    "../residency.js"
  );
  try {
    // The kit's own synth runs the residency check (as `sovereign synth` does) and keeps the
    // rendered objects for the image list.
    let objects: SynthObject[];
    if (!synthDir) {
      // A guarded temp directory: removed even if the run is killed (see makeTempDir).
      tmpSynth = makeTempDir(tmpdir(), `synth-${cc}`);
      try {
        objects = (await synthesizeChecked([profile], join(tmpSynth.path, "out"))).checked.objects;
      } catch (e) {
        if (!(e instanceof PolicyFailure || e instanceof ReadinessFailure)) throw e;
        reportPolicyFailure(ctx, e, "bundle pack", format, shown(ctx, out));
        return ExitCode.Findings;
      }
      synthDir = join(tmpSynth.path, "out");
    } else {
      // An output made elsewhere (cdktf synth, an integrator's script, an edited tree) is signed
      // only once the residency packs pass on it, exactly as they would at synth.
      try {
        objects = (await checkSynthDir(synthDir, [profile])).objects as SynthObject[];
      } catch (e) {
        if (!(e instanceof PolicyFailure || e instanceof ReadinessFailure)) throw e;
        reportPolicyFailure(ctx, e, "bundle pack", format, shown(ctx, out));
        return ExitCode.Findings;
      }
    }
    const result = await packBundle({
      profile,
      profileText: profileBytes,
      synthDir,
      recipe: recipe ? { recipe: recipe.recipe, text: recipe.text } : undefined,
      training,
      chartsDir: existsSync(chartsDir) ? chartsDir : undefined,
      helm: existsSync(chartsDir) ? helmBinary(ctx.env) : undefined,
      policiesDir: existsSync(policiesDir) ? policiesDir : undefined,
      lockfile: existsSync(lockfile) ? lockfile : undefined,
      weights: (values.weights ?? []).map((w) => abs(ctx, w)),
      datasets: (values.dataset ?? []).map((d) => abs(ctx, d)),
      signingKey: key,
      out,
      sourceDateEpoch: sourceDateEpoch(ctx.env, root),
      sequence,
      output,
      inputLimit: limit,
      imageSources: imageSourcesOf(objects),
      progress: progressBar(ctx),
    });
    if (format === "json") ctx.stdout(`${JSON.stringify({ ok: true, ...result }, null, 2)}\n`);
    else {
      const kinds = new Map<string, number>();
      for (const l of result.layers) kinds.set(l.kind, (kinds.get(l.kind) ?? 0) + 1);
      ctx.stdout(
        `packed ${shown(ctx, result.out)} (${result.format}): ${result.files} files, ${(result.bytes / MiB).toFixed(1)} MiB\n` +
          `  layers: ${[...kinds].map(([k, n]) => `${k} ${n}`).join(", ")}\n` +
          `  signed by key ${result.keyId}\n` +
          `verify with: sovereign bundle verify ${shown(ctx, result.out)} --key <bundle.pub> --country ${cc}\n`,
      );
    }
    return ExitCode.Ok;
  } finally {
    tmpSynth?.remove();
  }
}

/** Positional bundle and --key of verify/extract, with the usage errors they share. */
function bundleAndKey(sub: string, positionals: string[], key: string | undefined, example: string) {
  if (positionals.length !== 1) throw new UsageError(`bundle ${sub} takes exactly one bundle`, example);
  if (!key)
    throw new UsageError(
      `bundle ${sub} needs the public key: --key <bundle.pub>`,
      "use the bundle.pub you received through a trusted channel",
    );
}

async function verify(ctx: CommandContext, argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    "bundle verify",
    argv,
    { key: { type: "string" }, format: { type: "string", default: "text" }, ...expectOptions },
    true,
  );
  const format = formatOf(values.format);
  bundleAndKey("verify", positionals, values.key, "sovereign bundle verify <bundle> --key <bundle.pub>");
  const expect = expectationsOf(values);
  const key = loadVerifyKey(abs(ctx, values.key!));
  const path = abs(ctx, positionals[0]!);
  const r = await verifyBundle(path, key, progressBar(ctx), expect);
  const name = shown(ctx, path);
  if (format === "json") ctx.stdout(`${JSON.stringify({ ...r, bundle: name }, null, 2)}\n`);
  else if (r.ok) {
    ctx.stdout(
      `OK ${name}: country ${printable(r.country ?? "?")}, sequence ${r.sequence}, created ${printable(r.created ?? "?")}, kit ${printable(r.kitVersion ?? "?")}\n` +
        `  ${r.files} files, ${(r.bytes / MiB).toFixed(1)} MiB re-hashed; signature by key ${r.keyId} valid\n`,
    );
  } else {
    reportProblems(ctx, r);
    ctx.stderr(
      `${name}: verification failed (${r.problems.length} problem${r.problems.length === 1 ? "" : "s"})\n`,
    );
  }
  return r.ok ? ExitCode.Ok : ExitCode.Findings;
}

type InspectConfig = {
  country?: unknown;
  displayName?: unknown;
  created?: unknown;
  kitVersion?: unknown;
  recipe?: { name?: unknown; baseModel?: unknown; sources?: unknown } | null;
};

/** A config value as text: strings escaped, anything else (type-confused JSON) as "?". */
const txt = (v: unknown) => (typeof v === "string" || typeof v === "number" ? printable(String(v)) : "?");

function recipeLines(recipe: InspectConfig["recipe"]): string[] {
  if (!recipe || typeof recipe !== "object") return [];
  const lines = [`  recipe: ${txt(recipe.name)}, base ${txt(recipe.baseModel)}`];
  for (const s of Array.isArray(recipe.sources) ? recipe.sources : []) {
    const src = (s ?? {}) as { id?: unknown; licence?: unknown; legalBasis?: { type?: unknown; reference?: unknown }; weight?: unknown };
    const basis = src.legalBasis && typeof src.legalBasis === "object" ? `${txt(src.legalBasis.type)}: ${txt(src.legalBasis.reference)}` : "(none)";
    lines.push(`    source ${txt(src.id)}: weight ${txt(src.weight)}, licence ${txt(src.licence)}, legal basis ${basis}`);
  }
  return lines;
}

async function inspect(ctx: CommandContext, argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    "bundle inspect",
    argv,
    { format: { type: "string", default: "text" } },
    true,
  );
  const format = formatOf(values.format);
  if (positionals.length !== 1)
    throw new UsageError("bundle inspect takes exactly one bundle", "sovereign bundle inspect <bundle>");
  const path = abs(ctx, positionals[0]!);
  const r = await inspectBundle(path);
  if (format === "json") {
    ctx.stdout(`${JSON.stringify({ ...r, bundle: shown(ctx, path) }, null, 2)}\n`);
    return r.problems.length === 0 ? ExitCode.Ok : ExitCode.Findings;
  }
  const c = (r.config ?? {}) as InspectConfig;
  const keyId = r.manifest?.signature && typeof r.manifest.signature === "object" ? r.manifest.signature.keyId : undefined;
  const lines = [
    `bundle ${shown(ctx, path)} (${r.kind})`,
    `  country: ${txt(c.displayName)} (${txt(c.country)}), created ${txt(c.created)}, kit ${txt(c.kitVersion)}, sequence ${txt(r.manifest?.sequence)}`,
    `  signed by key: ${keyId === undefined ? "(no bundle.json)" : txt(keyId)} (not checked here: run bundle verify)`,
    ...recipeLines(c.recipe),
    "  layers:",
  ];
  const w = Math.max(...r.layers.map((l) => printable(l.title).length), 5);
  for (const l of r.layers) {
    lines.push(
      `    ${printable(l.title).padEnd(w)}  ${printable(l.kind).padEnd(11)}  ${String(l.size).padStart(12)}  ${l.digest.slice(0, 19)}…`,
    );
  }
  ctx.stdout(`${lines.join("\n")}\n`);
  for (const p of r.problems) ctx.stderr(`problem ${printable(p.file)}: ${printable(p.message)}\n`);
  return r.problems.length === 0 ? ExitCode.Ok : ExitCode.Findings;
}

async function extract(ctx: CommandContext, argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    "bundle extract",
    argv,
    { key: { type: "string" }, out: { type: "string" }, ...forceOption, ...expectOptions },
    true,
  );
  bundleAndKey("extract", positionals, values.key, "sovereign bundle extract <bundle> --key <bundle.pub> --out <dir>");
  if (!values.out) throw new UsageError("bundle extract needs --out <dir>", "e.g. --out th-operations/");
  const expect = expectationsOf(values);
  const path = abs(ctx, positionals[0]!);
  const keyPath = abs(ctx, values.key!);
  const out = abs(ctx, values.out);
  const output = {
    force: values.force,
    inputs: [
      { path, what: `bundle ${shown(ctx, path)}` },
      { path: keyPath, what: `--key ${shown(ctx, keyPath)}` },
    ],
  };
  checkOutput(out, "dir", { ...output, cwd: ctx.cwd });
  const key = loadVerifyKey(keyPath);
  const r = await extractBundle(path, key, out, progressBar(ctx), { expect, output });
  if (!r.report.ok) {
    reportProblems(ctx, r.report);
    ctx.stderr(`${shown(ctx, path)}: verification failed; nothing extracted\n`);
    return ExitCode.Findings;
  }
  const rep = r.report;
  ctx.stdout(
    `verified ${printable(rep.country ?? "?")} bundle (sequence ${rep.sequence}, created ${printable(rep.created ?? "?")}) and extracted ${r.written.length} files into ${shown(ctx, out)}\n`,
  );
  return ExitCode.Ok;
}

export const bundleCommand: Command = {
  name: "bundle",
  summary:
    "pack, verify, inspect and extract the signed offline operations bundle; keygen for its signing key",
  usage: USAGE,
  async run(ctx, argv) {
    const [sub, ...rest] = argv;
    switch (sub) {
      case "keygen":
        return keygen(ctx, rest);
      case "pack":
        return pack(ctx, rest);
      case "verify":
        return verify(ctx, rest);
      case "inspect":
        return inspect(ctx, rest);
      case "extract":
        return extract(ctx, rest);
      default:
        throw new UsageError(
          sub ? `unknown bundle subcommand ${JSON.stringify(sub)}` : "bundle needs a subcommand",
          "use one of: keygen, pack, verify, inspect, extract",
        );
    }
  },
};
