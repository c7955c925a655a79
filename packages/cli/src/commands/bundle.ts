import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import {
  extractBundle,
  inspectBundle,
  loadRecipeFile,
  loadSigningKey,
  loadVerifyKey,
  type Progress,
  packBundle,
  shippedRecipePath,
  verifyBundle,
  writeKeyPair,
} from "@sovereign/bundle";
import { ExitCode, InputError, repoRoot, UsageError } from "@sovereign/diagnostics";
import type { SynthObject } from "@sovereign/policy";
import type { CountryProfile } from "@sovereign/profile";
import { collectObjects } from "@sovereign/stacks";
import { helmBinary } from "@sovereign/tools";
import {
  type Command,
  type CommandContext,
  formatOf,
  loadProfileFrom,
  parseCommandArgs,
  profileOptions,
  profilePathFrom,
} from "../context.js";
import { PolicyFailure, reportPolicyFailure, synthesizeChecked } from "../residency.js";

const USAGE = `sovereign bundle keygen --out <dir>
       sovereign bundle pack (--country <cc> | --profile <file>) --key <bundle.key> [--out <dir|file.tar|file.tar.zst>]
                             [--recipe <file>] [--weights <path>]... [--dataset <path>]... [--synth-dir <dir>]
                             [--charts <dir>] [--policies <dir>] [--format text|json]
       sovereign bundle verify <bundle> --key <bundle.pub> [--format text|json]
       sovereign bundle inspect <bundle> [--format text|json]
       sovereign bundle extract <bundle> --key <bundle.pub> --out <dir>`;

function abs(ctx: CommandContext, p: string): string {
  return new URL(p, `file://${ctx.cwd}/`).pathname;
}

function shown(ctx: CommandContext, p: string): string {
  const r = relative(ctx.cwd, p);
  return r && !r.startsWith("..") ? r : p;
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
  root: string,
): Promise<Record<string, string> | undefined> {
  const [{ hasTraining, TRAINING_NAMESPACE }, { planTrainingFile }, { stringify }] = await Promise.all([
    import("@sovereign/stacks"),
    import("../train/plan.js"),
    import("yaml"),
  ]);
  if (!hasTraining(profile)) return undefined;
  const files: Record<string, string> = { "README.md": readFileSync(join(root, "docs", "training.md"), "utf8") };
  try {
    const plan = planTrainingFile(recipePath, shown(ctx, recipePath), profile, TRAINING_NAMESPACE);
    files["jobs/training.yaml"] = plan.training.map((o) => stringify(o)).join("---\n");
    files["jobs/evaluation.yaml"] = plan.evaluation.map((o) => stringify(o)).join("---\n");
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    ctx.stderr(`note: no training job templates in the bundle: ${e.issues[0]!.message}\n`);
  }
  return files;
}

async function pack(ctx: CommandContext, argv: string[]): Promise<number> {
  const { values } = parseCommandArgs("bundle pack", argv, {
    ...profileOptions,
    recipe: { type: "string" },
    out: { type: "string" },
    weights: { type: "string", multiple: true },
    dataset: { type: "string", multiple: true },
    key: { type: "string" },
    "synth-dir": { type: "string" },
    charts: { type: "string" },
    policies: { type: "string" },
  });
  const format = formatOf(values.format);
  if (!values.key) {
    throw new UsageError(
      "bundle pack needs a signing key: --key <bundle.key>",
      "create one with `sovereign bundle keygen --out keys/`",
    );
  }
  const profilePath = profilePathFrom(values, ctx);
  const profile = loadProfileFrom(values, ctx);
  const cc = profile.metadata.name;
  const key = loadSigningKey(abs(ctx, values.key));
  const recipePath = values.recipe ? abs(ctx, values.recipe) : shippedRecipePath(cc);
  const recipe = recipePath
    ? { recipe: loadRecipeFile(recipePath, profile), text: readFileSync(recipePath, "utf8") }
    : undefined;
  if (!recipe) ctx.stderr(`note: no training recipe for ${cc} (recipes/${cc}.yaml); packing without one\n`);
  const root = repoRoot();
  const training = recipePath && recipe ? await trainingFiles(ctx, profile, recipePath, root) : undefined;
  const out = abs(ctx, values.out ?? `${cc}-bundle`);
  const chartsDir = values.charts ? abs(ctx, values.charts) : join(root, "charts");
  const policiesDir = values.policies ? abs(ctx, values.policies) : join(root, "policies");
  const lockfile = join(root, "package-lock.json");

  let synthDir = values["synth-dir"] ? abs(ctx, values["synth-dir"]) : undefined;
  let tmpSynth: string | undefined;
  if (synthDir && !existsSync(synthDir))
    throw new UsageError(`--synth-dir ${values["synth-dir"]} does not exist`, "run `sovereign synth` first");
  try {
    // The kit's own synth runs the residency check (as `sovereign synth` does) and keeps the
    // rendered objects for the image list; a --synth-dir came from `sovereign synth` already.
    let objects: SynthObject[];
    if (!synthDir) {
      tmpSynth = mkdtempSync(join(tmpdir(), `sovereign-synth-${cc}-`));
      try {
        objects = (await synthesizeChecked([profile], tmpSynth)).checked.objects;
      } catch (e) {
        if (!(e instanceof PolicyFailure)) throw e;
        reportPolicyFailure(ctx, e, "bundle pack", format, shown(ctx, out));
        return ExitCode.Findings;
      }
      synthDir = tmpSynth;
    } else {
      objects = (await collectObjects(synthDir)) as SynthObject[];
    }
    const result = await packBundle({
      profile,
      profileText: readFileSync(profilePath, "utf8"),
      synthDir,
      recipe,
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
          `verify with: sovereign bundle verify ${shown(ctx, result.out)} --key <bundle.pub>\n`,
      );
    }
    return ExitCode.Ok;
  } finally {
    if (tmpSynth) rmSync(tmpSynth, { recursive: true, force: true });
  }
}

async function verify(ctx: CommandContext, argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    "bundle verify",
    argv,
    { key: { type: "string" }, format: { type: "string", default: "text" } },
    true,
  );
  const format = formatOf(values.format);
  if (positionals.length !== 1)
    throw new UsageError(
      "bundle verify takes exactly one bundle",
      "sovereign bundle verify <bundle> --key <bundle.pub>",
    );
  if (!values.key)
    throw new UsageError(
      "bundle verify needs the public key: --key <bundle.pub>",
      "use the bundle.pub you received through a trusted channel",
    );
  const key = loadVerifyKey(abs(ctx, values.key));
  const path = abs(ctx, positionals[0]!);
  const r = await verifyBundle(path, key, progressBar(ctx));
  const name = shown(ctx, path);
  if (format === "json") ctx.stdout(`${JSON.stringify({ ...r, bundle: name }, null, 2)}\n`);
  else if (r.ok) {
    ctx.stdout(
      `OK ${name}: ${r.files} files, ${(r.bytes / MiB).toFixed(1)} MiB re-hashed; signature by key ${r.keyId} valid\n`,
    );
  } else {
    for (const p of r.problems) ctx.stderr(`FAIL ${p.file}: ${p.message}\n`);
    ctx.stderr(
      `${name}: verification failed (${r.problems.length} problem${r.problems.length === 1 ? "" : "s"})\n`,
    );
  }
  return r.ok ? ExitCode.Ok : ExitCode.Findings;
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
  const c = (r.config ?? {}) as {
    country?: string;
    displayName?: string;
    created?: string;
    kitVersion?: string;
    recipe?: {
      name: string;
      baseModel: string;
      sources: {
        id: string;
        licence: string;
        legalBasis?: { type: string; reference: string };
        weight: number;
      }[];
    } | null;
  };
  const lines = [
    `bundle ${shown(ctx, path)} (${r.kind})`,
    `  country: ${c.displayName ?? "?"} (${c.country ?? "?"}), created ${c.created ?? "?"}, kit ${c.kitVersion ?? "?"}`,
    `  signed by key: ${r.manifest?.signature.keyId ?? "(no bundle.json)"} (not checked here: run bundle verify)`,
  ];
  if (c.recipe) {
    lines.push(`  recipe: ${c.recipe.name}, base ${c.recipe.baseModel}`);
    for (const s of c.recipe.sources) {
      lines.push(
        `    source ${s.id}: weight ${s.weight}, licence ${s.licence}, legal basis ${s.legalBasis ? `${s.legalBasis.type}: ${s.legalBasis.reference}` : "(none)"}`,
      );
    }
  }
  lines.push("  layers:");
  const w = Math.max(...r.layers.map((l) => l.title.length), 5);
  for (const l of r.layers) {
    lines.push(
      `    ${l.title.padEnd(w)}  ${l.kind.padEnd(11)}  ${String(l.size).padStart(12)}  ${l.digest.slice(0, 19)}…`,
    );
  }
  ctx.stdout(`${lines.join("\n")}\n`);
  for (const p of r.problems) ctx.stderr(`problem ${p.file}: ${p.message}\n`);
  return r.problems.length === 0 ? ExitCode.Ok : ExitCode.Findings;
}

async function extract(ctx: CommandContext, argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    "bundle extract",
    argv,
    { key: { type: "string" }, out: { type: "string" } },
    true,
  );
  if (positionals.length !== 1)
    throw new UsageError(
      "bundle extract takes exactly one bundle",
      "sovereign bundle extract <bundle> --key <bundle.pub> --out <dir>",
    );
  if (!values.key)
    throw new UsageError(
      "bundle extract needs the public key: --key <bundle.pub>",
      "extraction verifies first; use the bundle.pub you received through a trusted channel",
    );
  if (!values.out) throw new UsageError("bundle extract needs --out <dir>", "e.g. --out th-operations/");
  const key = loadVerifyKey(abs(ctx, values.key));
  const path = abs(ctx, positionals[0]!);
  const out = abs(ctx, values.out);
  const r = await extractBundle(path, key, out, progressBar(ctx));
  if (!r.report.ok) {
    for (const p of r.report.problems) ctx.stderr(`FAIL ${p.file}: ${p.message}\n`);
    ctx.stderr(`${shown(ctx, path)}: verification failed; nothing extracted\n`);
    return ExitCode.Findings;
  }
  ctx.stdout(`verified and extracted ${r.written.length} files into ${shown(ctx, out)}\n`);
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
