import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join, relative } from "node:path";
import type { KubernetesObject } from "@sovereign/constructs";
import { ExitCode, KitError, UsageError, writeFileAtomic, writeTreeAtomic } from "@sovereign/diagnostics";
import type { Finding } from "@sovereign/policy";
import { type CountryProfile, loadProfileFile, shippedProfilePath } from "@sovereign/profile";
import { parse, stringify } from "yaml";
import { type Command, type CommandContext, formatOf, parseCommandArgs, profilePathFrom } from "../context.js";
import { expandJobSet, planTrainingFile, type TrainingPlan } from "../train/plan.js";

const options = {
  recipe: { type: "string" },
  country: { type: "string" },
  profile: { type: "string" },
  format: { type: "string", default: "text" },
  out: { type: "string" },
  via: { type: "string", default: "terraform" },
} as const;

const USAGE =
  "sovereign train plan|submit --recipe <file> [--country <cc> | --profile <file>] [--out <dir>] [--via terraform|kubectl] [--format text|json]";

/** The profile: `--country`/`--profile`, else the shipped profile of the recipe's `metadata.country`. */
function profileFor(values: { country?: string; profile?: string }, recipeCountry: unknown, ctx: CommandContext) {
  if (values.country || values.profile) return loadProfileFile(profilePathFrom(values, ctx));
  if (typeof recipeCountry !== "string") {
    throw new UsageError("no profile given and the recipe names no metadata.country", "pass --country <cc>");
  }
  return loadProfileFile(shippedProfilePath(recipeCountry));
}

/** Residency packs of the profile over the plan's objects, JobSets also as the Jobs they create. */
async function checkPlan(profile: CountryProfile, plan: TrainingPlan): Promise<Finding[]> {
  const { evaluate } = await import("@sovereign/policy");
  const objects = [...plan.training, ...plan.evaluation].flatMap((o) =>
    o.kind === "JobSet" ? [o, ...expandJobSet(o)] : [o],
  );
  return evaluate({
    profile,
    objects: objects.map((object) => ({
      stack: `${profile.metadata.name}-train`,
      address: `${object.kind}/${object.metadata.name}`,
      source: "manifest",
      object: object as never,
    })),
    terraform: [],
  });
}

const yamlDocs = (objs: KubernetesObject[]) => objs.map((o) => stringify(o)).join("---\n");

/** `submit --via terraform`: one stack whose JobSet is waited on until Completed, then the evaluations. */
async function synthRun(profile: CountryProfile, plan: TrainingPlan, outdir: string): Promise<string> {
  const [{ App, K8sObject, TerraformStack }, { configureStack }] = await Promise.all([
    import("@sovereign/constructs"),
    import("@sovereign/stacks"),
  ]);
  const name = `${profile.metadata.name}-train-${plan.run}`;
  await writeTreeAtomic(outdir, async (tmp) => {
    const app = new App({ outdir: tmp, stackTraces: false });
    const stack = new TerraformStack(app, name);
    configureStack(stack, profile, name);
    const maps = plan.training.filter((o) => o.kind !== "JobSet").map((o) => new K8sObject(stack, o.metadata.name, o));
    const js = new K8sObject(stack, "jobset", plan.training.find((o) => o.kind === "JobSet")!, {
      dependsOn: maps.map((m) => m.resource),
    });
    // A training run takes days: Terraform waits for the JobSet's Completed condition, then evaluates.
    js.resource.addOverride("wait", { condition: [{ type: "Completed", status: "True" }] });
    js.resource.addOverride("timeouts", { create: "720h" });
    for (const job of plan.evaluation) {
      const e = new K8sObject(stack, job.metadata.name, job, { dependsOn: [js.resource] });
      e.resource.addOverride("wait", { condition: [{ type: "Complete", status: "True" }] });
      e.resource.addOverride("timeouts", { create: "24h" });
    }
    app.synth();
  });
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
  run(["wait", "-n", plan.namespace, `jobset/${plan.run}`, "--for=condition=Completed", "--timeout=720h"]);
  run(["apply", "--server-side", "-f", join(dir, "evaluation.yaml")]);
}

function writeManifests(dir: string, plan: TrainingPlan): void {
  mkdirSync(dir, { recursive: true });
  writeFileAtomic(join(dir, "training.yaml"), yamlDocs(plan.training));
  writeFileAtomic(join(dir, "evaluation.yaml"), yamlDocs(plan.evaluation));
}

export const trainCommand: Command = {
  name: "train",
  summary: "plan or submit a training recipe on the country's training pool (queued, ledger-checked)",
  usage: USAGE,
  async run(ctx, argv) {
    const { values, positionals } = parseCommandArgs("train", argv, options, true);
    const action = positionals[0];
    if (action !== "plan" && action !== "submit") throw new UsageError(`expected plan or submit, got ${JSON.stringify(action ?? "")}`, USAGE);
    if (!values.recipe) throw new UsageError("--recipe is required", "e.g. --recipe recipes/th.yaml");
    const format = formatOf(values.format);
    const via = values.via ?? "terraform";
    if (via !== "terraform" && via !== "kubectl") throw new UsageError(`--via ${JSON.stringify(via)} is not supported`, "use terraform or kubectl");
    const path = new URL(values.recipe, `file://${ctx.cwd}/`).pathname;
    const shown = relative(ctx.cwd, path) || path;
    const { readFileSync } = await import("node:fs");
    let country: unknown;
    try {
      country = (parse(readFileSync(path, "utf8")) as { metadata?: { country?: unknown } })?.metadata?.country;
    } catch {
      country = undefined; // planTrainingFile reports the read or syntax error with its location
    }
    const profile = profileFor(values, country, ctx);
    const { TRAINING_NAMESPACE } = await import("@sovereign/stacks");
    const plan = planTrainingFile(path, shown, profile, TRAINING_NAMESPACE);
    const findings = await checkPlan(profile, plan);
    const errors = findings.filter((f) => f.severity === "error");
    const { findingText } = await import("@sovereign/policy");
    if (errors.length > 0) {
      ctx.stderr(`${errors.map(findingText).join("\n")}\nsovereign train ${action}: ${errors.length} residency error(s); nothing was submitted\n`);
      return ExitCode.Findings;
    }
    if (action === "plan") {
      if (values.out) writeManifests(values.out, plan);
      if (format === "json") {
        ctx.stdout(`${JSON.stringify({ run: plan.run, sha256: plan.sha256, pool: plan.pool.name, training: plan.training, evaluation: plan.evaluation, findings }, null, 2)}\n`);
      } else {
        ctx.stdout(`${yamlDocs([...plan.training, ...plan.evaluation])}`);
        ctx.stderr(`train plan ${plan.run}: recipe sha256 ${plan.sha256} approved; ${plan.recipe.spec.hardware.nodes} nodes × ${plan.pool.gpusPerNode} GPUs on ${plan.pool.name}; ${plan.evaluation.length} evaluation job(s); residency: 0 errors\n`);
      }
      return ExitCode.Ok;
    }
    const out = values.out ?? (via === "terraform" ? "cdktf.out.train" : join("train.out", plan.run));
    if (via === "terraform") {
      const dir = await synthRun(profile, plan, out);
      ctx.stdout(format === "json" ? `${JSON.stringify({ run: plan.run, stack: dir })}\n` : `wrote ${dir}/cdk.tf.json; apply it with: terraform -chdir=${dir} init && terraform -chdir=${dir} apply\n`);
      return ExitCode.Ok;
    }
    writeManifests(out, plan);
    const { toolBinary } = await import("@sovereign/tools");
    kubectlRun(ctx, plan, out, toolBinary("kubectl", ctx.env));
    ctx.stdout(`submitted ${plan.run}\n`);
    return ExitCode.Ok;
  },
};
