import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import type { KubernetesObject } from "@sovereign/constructs";
import {
  checkOutput,
  ExitCode,
  KitError,
  makeTempDir,
  type OutputOptions,
  parseYamlSource,
  readInputFile,
  UsageError,
  writeTreeAtomic,
} from "@sovereign/diagnostics";
import type { Finding, SynthObject } from "@sovereign/policy";
import type { ReadinessFinding } from "@sovereign/readiness";
import { type CountryProfile, loadProfileInput, shippedProfilePath } from "@sovereign/profile";
import { stringify } from "yaml";
import {
  type Command,
  type CommandContext,
  forceOption,
  formatOf,
  inputLimitOf,
  loadProfileFrom,
  type ParsedValues,
  parseCommandArgs,
  pathFrom,
  profileOptions,
} from "../context.js";
import { expandJobSet, planTraining, type TrainingPlan } from "../train/plan.js";

const options = {
  ...profileOptions,
  ...forceOption,
  recipe: { type: "string" },
  out: { type: "string" },
  via: { type: "string", default: "terraform" },
} as const;

const USAGE =
  "sovereign train plan|submit --recipe <file> [--country <cc> | --profile <file>] [--out <dir>] [--force]" +
  " [--via terraform|kubectl] [--max-input-size <bytes>] [--format text|json]";

/**
 * The profile: `--country`/`--profile`, else the shipped profile of the recipe's
 * `metadata.country`; read once, bounded like every input.
 */
function profileFor(
  values: ParsedValues<typeof options>,
  recipeCountry: unknown,
  ctx: CommandContext,
): { profile: CountryProfile; path: string } {
  if (values.country || values.profile) return loadProfileFrom(values, ctx);
  if (typeof recipeCountry !== "string") {
    throw new UsageError("no profile given and the recipe names no metadata.country", "pass --country <cc>");
  }
  const path = shippedProfilePath(recipeCountry);
  return { profile: loadProfileInput(path, { limit: inputLimitOf(values) }).profile, path };
}

/** The plan's objects as synthesized objects, JobSets also as the Jobs they create. */
function planObjects(profile: CountryProfile, plan: TrainingPlan): SynthObject[] {
  return [...plan.training, ...plan.evaluation]
    .flatMap((o) => (o.kind === "JobSet" ? [o, ...expandJobSet(o)] : [o]))
    .map((object) => ({
      stack: `${profile.metadata.name}-train`,
      address: `${object.kind}/${object.metadata.name}`,
      source: "manifest",
      object: object as never,
    }));
}

/** Residency packs of the profile over the plan's objects. */
async function checkPlan(profile: CountryProfile, plan: TrainingPlan): Promise<Finding[]> {
  const { evaluate } = await import("@sovereign/policy");
  return evaluate({ profile, objects: planObjects(profile, plan), terraform: [] });
}

/**
 * The deploy-readiness check over the plan's pods, inside the cluster the country's stacks make
 * (namespaces, LimitRanges, quotas, NetworkPolicies, PriorityClasses, claims): every trainer,
 * stager and evaluator must schedule on the training pool, get its claims, be admitted and reach
 * what it needs. Only findings about the plan's own objects are returned.
 */
export async function readinessOfPlan(profile: CountryProfile, plan: TrainingPlan): Promise<ReadinessFinding[]> {
  const [{ checkReadiness }, { collectObjectsDetailed, synthesizeCountry }] = await Promise.all([
    import("@sovereign/readiness"),
    import("@sovereign/stacks"),
  ]);
  // A guarded temp directory: removed even if the run is killed (see makeTempDir).
  const tmp = makeTempDir(tmpdir(), "train");
  const dir = join(tmp.path, "out");
  try {
    // The synth's own residency and readiness checks already ran when the country was synthesized.
    await synthesizeCountry(profile, dir, { residencyCheck: false });
    const { objects, unrendered } = await collectObjectsDetailed(dir);
    const mine = planObjects(profile, plan);
    const stack = mine[0]?.stack;
    return checkReadiness({ profile, objects: [...objects, ...mine], unrendered }).filter((f) => f.stack === stack);
  } finally {
    tmp.remove();
  }
}

const yamlDocs = (objs: KubernetesObject[]) => objs.map((o) => stringify(o)).join("---\n");

/**
 * `submit --via terraform`: one stack. The JobSet's `kubernetes_manifest` waits for its terminal
 * state (the manifest waiter does not fail on a Failed condition, so waiting for `Completed` alone
 * would hang a failed run until the timeout); the evaluation Jobs are `kubernetes_job_v1`, which
 * fail the apply when a Job fails, and they refuse to run on a run that did not complete.
 */
async function synthRun(
  profile: CountryProfile,
  plan: TrainingPlan,
  outdir: string,
  output: OutputOptions,
): Promise<string> {
  const [{ App, fact, JOBSET, K8sObject, KubernetesJobV1, TerraformStack }, { configureStack }] = await Promise.all([
    import("@sovereign/constructs"),
    import("@sovereign/stacks"),
  ]);
  const name = `${profile.metadata.name}-train-${plan.run}`;
  await writeTreeAtomic(outdir, async (tmp) => {
    const app = new App({ outdir: tmp, stackTraces: false });
    const stack = new TerraformStack(app, name);
    configureStack(stack, profile, name);
    const maps = plan.training
      .filter((o) => o.kind !== "JobSet")
      .map((o) => new K8sObject(stack, o.metadata.name, o));
    const js = new K8sObject(stack, "jobset", plan.training.find((o) => o.kind === "JobSet")!, {
      dependsOn: maps.map((m) => m.resource),
    });
    // A training run takes days; Terraform waits until the JobSet is Completed or Failed.
    js.resource.addOverride("wait", { fields: { [String(fact(JOBSET, "terminalStateField"))]: "^(Completed|Failed)$" } });
    js.resource.addOverride("timeouts", { create: "720h" });
    for (const job of plan.evaluation) {
      new KubernetesJobV1(stack, job.metadata.name, { job, timeout: "24h", dependsOn: [js.resource] });
    }
    app.synth();
  }, { ...output, label: "train" });
  return join(outdir, "stacks", name);
}

/** `submit --via kubectl`: apply the run, wait for the JobSet, apply the evaluations. */
function kubectlRun(ctx: CommandContext, plan: TrainingPlan, dir: string, kubectl: string): void {
  const run = (args: string[]) => {
    ctx.stderr(`$ kubectl ${args.join(" ")}\n`);
    try {
      execFileSync(kubectl, args, { stdio: ["ignore", "pipe", "pipe"], env: ctx.env });
    } catch (e) {
      const err = (e as { stderr?: Buffer }).stderr?.toString().trim() ?? String(e);
      throw new KitError(`kubectl ${args[0]} failed: ${err}`, ExitCode.Findings);
    }
  };
  run(["apply", "--server-side", "-f", join(dir, "training.yaml")]);
  // kubectl wait fails on timeout only; a Failed run never gets Completed, so wait for either
  // terminal state and let the evaluations refuse an incomplete run.
  run(["wait", "-n", plan.namespace, `jobset/${plan.run}`, "--for=jsonpath={.status.terminalState}", "--timeout=720h"]);
  run(["apply", "--server-side", "-f", join(dir, "evaluation.yaml")]);
}

/** Writes the plan's two manifest files as one output directory (the output discipline applies). */
async function writeManifests(dir: string, plan: TrainingPlan, output: OutputOptions): Promise<void> {
  await writeTreeAtomic(
    dir,
    (tmp) => {
      writeFileSync(join(tmp, "training.yaml"), yamlDocs(plan.training), { flag: "wx" });
      writeFileSync(join(tmp, "evaluation.yaml"), yamlDocs(plan.evaluation), { flag: "wx" });
    },
    { ...output, label: "train" },
  );
}

interface TrainArgs {
  action: "plan" | "submit";
  format: string;
  via: "terraform" | "kubectl";
  /** `--out` resolved against the command's directory, when given. */
  out?: string;
  output: OutputOptions;
  profile: CountryProfile;
  plan: TrainingPlan;
}

/** Parses argv, loads the profile and plans the recipe (every input error is thrown, located). */
async function planFromArgs(ctx: CommandContext, argv: string[]): Promise<TrainArgs> {
  const { values, positionals } = parseCommandArgs("train", argv, options, true);
  const action = positionals[0];
  if (action !== "plan" && action !== "submit") {
    throw new UsageError(`expected plan or submit, got ${JSON.stringify(action ?? "")}`, USAGE);
  }
  if (!values.recipe) throw new UsageError("--recipe is required", "e.g. --recipe recipes/th.yaml");
  const format = formatOf(values.format);
  const via = values.via ?? "terraform";
  if (via !== "terraform" && via !== "kubectl") {
    throw new UsageError(`--via ${JSON.stringify(via)} is not supported`, "use terraform or kubectl");
  }
  const path = pathFrom(ctx, values.recipe);
  const shown = relative(ctx.cwd, path) || path;
  // The recipe is read once, bounded (regular file, --max-input-size); these bytes are planned,
  // hashed and carried into the ConfigMap.
  const text = readInputFile(path, { displayName: shown, limit: inputLimitOf(values), what: "recipe" }).bytes.toString("utf8");
  let country: unknown;
  try {
    country = (parseYamlSource(text, shown).value as { metadata?: { country?: unknown } } | null)?.metadata?.country;
  } catch {
    country = undefined; // planTraining reports the syntax error with its location
  }
  const { profile, path: profilePath } = profileFor(values, country, ctx);
  const output: OutputOptions = {
    force: values.force,
    inputs: [
      { path, what: `--recipe ${shown}` },
      { path: profilePath, what: `profile ${relative(ctx.cwd, profilePath) || profilePath}` },
    ],
  };
  const out = values.out === undefined ? undefined : pathFrom(ctx, values.out);
  if (out) checkOutput(out, "dir", { ...output, cwd: ctx.cwd });
  const { TRAINING_NAMESPACE } = await import("@sovereign/stacks");
  const plan = planTraining(text, shown, profile, TRAINING_NAMESPACE);
  return { action, format, via, out, output, profile, plan };
}

function printPlan(ctx: CommandContext, a: TrainArgs, findings: Finding[]): void {
  const p = a.plan;
  if (a.format === "json") {
    const body = { run: p.run, sha256: p.sha256, pool: p.pool.name, training: p.training, evaluation: p.evaluation, findings };
    ctx.stdout(`${JSON.stringify(body, null, 2)}\n`);
    return;
  }
  ctx.stdout(yamlDocs([...p.training, ...p.evaluation]));
  ctx.stderr(
    `train plan ${p.run}: recipe sha256 ${p.sha256} approved; ` +
      `${p.recipe.spec.hardware.nodes} nodes × ${p.pool.gpusPerNode} GPUs on ${p.pool.name}; ` +
      `${p.evaluation.length} evaluation job(s); residency: 0 errors\n`,
  );
}

async function submit(ctx: CommandContext, a: TrainArgs): Promise<void> {
  const p = a.plan;
  if (a.via === "terraform") {
    const out = a.out ?? pathFrom(ctx, "cdktf.out.train");
    checkOutput(out, "dir", { ...a.output, cwd: ctx.cwd });
    const dir = relative(ctx.cwd, await synthRun(a.profile, p, out, a.output)) || out;
    ctx.stdout(
      a.format === "json"
        ? `${JSON.stringify({ run: p.run, stack: dir })}\n`
        : `wrote ${dir}/cdk.tf.json; apply it with: terraform -chdir=${dir} init && terraform -chdir=${dir} apply\n`,
    );
    return;
  }
  const out = a.out ?? pathFrom(ctx, join("train.out", p.run));
  checkOutput(out, "dir", { ...a.output, cwd: ctx.cwd });
  await writeManifests(out, p, a.output);
  const { toolBinary } = await import("@sovereign/tools");
  kubectlRun(ctx, p, out, toolBinary("kubectl", ctx.env));
  ctx.stdout(`submitted ${p.run}\n`);
}

export const trainCommand: Command = {
  name: "train",
  summary: "plan or submit a training recipe on the country's training pool (queued, ledger-checked)",
  usage: USAGE,
  async run(ctx, argv) {
    const a = await planFromArgs(ctx, argv);
    const findings = await checkPlan(a.profile, a.plan);
    const errors = findings.filter((f) => f.severity === "error");
    if (errors.length > 0) {
      const { findingText } = await import("@sovereign/policy");
      ctx.stderr(`${errors.map(findingText).join("\n")}\n`);
      ctx.stderr(`sovereign train ${a.action}: ${errors.length} residency error(s); nothing was submitted\n`);
      return ExitCode.Findings;
    }
    const unready = await readinessOfPlan(a.profile, a.plan);
    if (unready.length > 0) {
      const { readinessText } = await import("@sovereign/readiness");
      ctx.stderr(`${unready.map(readinessText).join("\n")}\n`);
      ctx.stderr(`sovereign train ${a.action}: ${unready.length} readiness failure(s); nothing was submitted\n`);
      return ExitCode.Findings;
    }
    if (a.action === "plan") {
      if (a.out) await writeManifests(a.out, a.plan, a.output);
      printPlan(ctx, a, findings);
    } else await submit(ctx, a);
    return ExitCode.Ok;
  },
};
