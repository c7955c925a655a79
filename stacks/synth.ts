import { readdirSync, readFileSync, renameSync, rmSync, statSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join, relative } from "node:path";
import { Worker } from "node:worker_threads";
import { Manifest } from "@sovereign/constructs";
import { ExitCode, KitError, type OutputOptions, repoRoot, writeTreeAtomic } from "@sovereign/diagnostics";
import type { Finding } from "@sovereign/policy";
import type { CountryProfile } from "@sovereign/profile";
import type { ReadinessFinding } from "@sovereign/readiness";
import { type Customize, createApp, STACK_KINDS } from "./app.js";
import { collectTerraform } from "./collect.js";
import { prefetchReleases, Renderings, type RenderingOf } from "./render.js";
import { checkResidency, type ResidencyCheck } from "./residency.js";

/** One synthesized stack. */
export interface SynthStack {
  /** Stack name, `<cc>-<kind>`. */
  name: string;
  /** Path of its `cdk.tf.json`, relative to the output directory. */
  file: string;
  /** Stacks it depends on (deployed first). */
  dependencies: string[];
  /** Terraform resources in the stack. */
  resources: number;
}

/** What a synth wrote. */
export interface SynthResult {
  /** The output directory as given. */
  outdir: string;
  /** Stacks in deployment order per country. */
  stacks: SynthStack[];
  /** What the residency packs found in the output (absent only when `residencyCheck` is false). */
  residency?: ResidencyCheck;
  /** Threads that built the cdktf apps: 1 when this thread did (see {@link SynthOptions.workers}). */
  threads: number;
  /**
   * Deploy-readiness findings by country code, of the countries worker threads checked (see
   * {@link SynthOptions.readinessInThreads}); absent when none did.
   */
  readiness?: Map<string, ReadinessFinding[]>;
}

/** Options of {@link synthesizeCountries}. */
export interface SynthOptions {
  /**
   * Adds the integrator's own constructs to each country's stacks before synthesis.
   * @default none — the kit's stacks as they are.
   */
  customize?: Customize;
  /**
   * Run each profile's residency packs over the finished tree (the kit's stacks and every
   * customization) and refuse it, writing nothing, on any error finding (ResidencyFailure).
   * @default true — output nobody checked must not exist; only callers that evaluate the tree
   * themselves and report instead of refusing (`sovereign policy check/report`) pass false.
   */
  residencyCheck?: boolean;
  /**
   * Runs on the finished tree, after the residency check, before it is moved into place;
   * throwing leaves the output directory as it was.
   */
  check?: (tmpDir: string, result: SynthResult) => Promise<void> | void;
  /**
   * How the output directory may be replaced (inputs it must never touch, `--force`).
   * @default the safe default of writeTreeAtomic: only a directory the kit wrote is replaced
   */
  output?: OutputOptions;
  /**
   * Worker threads that build the countries' cdktf apps side by side (the output is the same
   * bytes as one app's). Used only without `customize` (a function cannot cross threads).
   * @default {@link defaultSynthWorkers}: one (no threads) below
   * {@link PARALLEL_SYNTH_MIN_COUNTRIES} countries, where starting a thread costs more than it
   * saves, else one per available core.
   */
  workers?: number;
  /**
   * When the synth runs in worker threads with the residency check, each thread also runs the
   * deploy-readiness check (checkCountries of @sovereign/readiness) of its own countries, over
   * the same objects, and {@link SynthResult.readiness} holds the findings by country for
   * `check` to use: the check then runs on every core instead of on this one after the threads.
   * @default false — readiness is the caller's (synthesizeChecked of the CLI passes true).
   */
  readinessInThreads?: boolean;
  /**
   * The helm renderings of this synth (closed when it ends); given by tests to see which releases
   * were rendered early.
   * @default a fresh set
   */
  renderings?: Renderings;
}

/** From this many countries on, a synth builds the cdktf apps in worker threads by default. */
export const PARALLEL_SYNTH_MIN_COUNTRIES = 8;

/** The default of {@link SynthOptions.workers} for `countries` countries. */
export function defaultSynthWorkers(countries: number): number {
  return countries < PARALLEL_SYNTH_MIN_COUNTRIES ? 1 : Math.max(1, Math.min(availableParallelism(), countries));
}

/** The compiled worker, beside this file; absent when the kit runs from its TypeScript sources. */
const WORKER = new URL("./synth-worker.js", import.meta.url);

/**
 * Where worker threads start instead of {@link WORKER}: the CLI's bin, when it runs its one-file
 * bundle, puts its own worker entry here (packages/cli/bin/synth-worker.js), which loads the same
 * bundle with its code cache rather than a thread's worth of separate modules (about 1 s of CPU
 * each). A global, so that setting it costs a command nothing.
 */
export const SYNTH_WORKER_ENTRY = Symbol.for("sovereign.synthWorkerEntry");

function workerEntry(): URL {
  const set = (globalThis as Record<symbol, unknown>)[SYNTH_WORKER_ENTRY];
  return set instanceof URL ? set : WORKER;
}

/**
 * The parent's node options for a worker, less those that only make sense for the parent's own
 * entry (an `-e`/`-p` script and `--input-type`, which a worker refuses).
 */
function workerExecArgv(argv: readonly string[] = process.execArgv): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (["-e", "--eval", "-p", "--print"].includes(a)) i++;
    else if (!/^--(input-type|eval|print)(=|$)/.test(a)) out.push(a);
  }
  return out;
}

/** What a worker is given (synth-worker.ts). */
export interface WorkerTask {
  profiles: CountryProfile[];
  /** Where it writes its share's tree. */
  outdir: string;
  /**
   * The tree the shares are moved into (chart paths resolve from it): the worker renders its
   * share's local charts and evaluates its countries' residency packs. Absent: it only synthesizes.
   */
  checkFor?: string;
  /** With `checkFor`: also run the deploy-readiness check of the share's countries. */
  readiness?: boolean;
}

/** What a worker that checked its share posts back. */
export interface WorkerDone {
  /** Its share's renderings, by render key (already in the render cache). */
  renderings: RenderingOf[];
  /** Its countries' residency findings, by country code. */
  evaluated: [string, Finding[]][];
  /** Its countries' deploy-readiness findings, by country code (when asked for). */
  readiness?: [string, ReadinessFinding[]][];
}

/** Runs a worker; resolves to what it posted (nothing when it only synthesized). */
function runWorker(task: WorkerTask): Promise<WorkerDone | undefined> {
  return new Promise((done, fail) => {
    const w = new Worker(workerEntry(), { workerData: task, execArgv: workerExecArgv() });
    let posted: WorkerDone | undefined;
    w.on("message", (m: WorkerDone) => (posted = m));
    w.once("error", fail);
    w.once("exit", (code) => (code === 0 ? done(posted) : fail(new Error(`synth worker exited ${code}`))));
  });
}

/**
 * Builds the countries' apps in `workers` threads, each into its own folder inside `tmp`, then
 * moves every stack into `tmp/stacks/` and writes one manifest over all of them with cdktf's own
 * Manifest (sorted keys), which is the tree a single app would have written. Returns false, with
 * `tmp` as it was, when a thread failed: the caller then synthesizes in this thread, which
 * reports the failure exactly as a plain synth does. With `checked`, each thread also renders its
 * share's local charts and evaluates its countries' residency packs (so helm, the parsing of its
 * output and the CEL evaluation run on every core, not only this one): the renderings are handed
 * to `checked.renderings` by render key, the findings land in `checked.evaluated` by country.
 */
async function synthesizeInWorkers(
  profiles: CountryProfile[],
  tmp: string,
  workers: number,
  checked?: { renderings: Renderings; evaluated: Map<string, Finding[]>; readiness?: Map<string, ReadinessFinding[]> },
): Promise<boolean> {
  const shares = Array.from({ length: workers }, (_, k) => profiles.filter((_p, i) => i % workers === k));
  const parts = shares.map((_s, k) => join(tmp, `.part-${k}`));
  try {
    const posted = await Promise.all(
      shares.map((share, k) =>
        runWorker({
          profiles: share,
          outdir: parts[k]!,
          ...(checked ? { checkFor: tmp, readiness: checked.readiness !== undefined } : {}),
        }),
      ),
    );
    for (const p of posted) {
      if (!checked || !p) continue;
      checked.renderings.add(p.renderings, true);
      for (const [cc, findings] of p.evaluated) checked.evaluated.set(cc, findings);
      for (const [cc, findings] of p.readiness ?? []) checked.readiness?.set(cc, findings);
    }
  } catch {
    for (const part of parts) rmSync(part, { recursive: true, force: true });
    return false;
  }
  const manifests = parts.map(
    (part) => JSON.parse(readFileSync(join(part, "manifest.json"), "utf8")) as { version: string; stacks: object },
  );
  const manifest = new Manifest(manifests[0]!.version, tmp, false);
  for (const [k, part] of parts.entries()) {
    Object.assign(manifest.stacks, manifests[k]!.stacks);
    for (const stack of readdirSync(join(part, "stacks"))) renameSync(join(part, "stacks", stack), join(tmp, "stacks", stack));
    rmSync(part, { recursive: true, force: true });
  }
  manifest.writeToFile();
  return true;
}

function walk(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const p = join(dir, name);
      return statSync(p).isDirectory() ? walk(p) : [p];
    });
}

/**
 * Guards the promise that a synth is reproducible anywhere: no file may mention the directory it
 * was written to or the repository checkout.
 */
function assertPortable(tmp: string): void {
  const needles = [tmp, repoRoot()];
  for (const file of walk(tmp)) {
    const text = readFileSync(file, "utf8");
    const hit = needles.find((n) => text.includes(n));
    if (hit) {
      // Reachable from input (e.g. a local state path inside the checkout), so it is a KitError
      // (exit 2) with a fix rather than an internal error.
      throw new KitError(
        `synthesized ${relative(tmp, file)} contains the absolute path ${hit}; synth output must be portable`,
        ExitCode.BadInput,
        {
          code: "synth.not_portable",
          hint: "give paths in the profile (e.g. spec.stateBackend.path) relative to the stack directory or outside this checkout",
        },
      );
    }
  }
}

/** The stacks of a tree, in deployment order per country, from its manifest and its Terraform JSON. */
function summarize(dir: string, terraform: readonly { stack: string; json: object }[]): SynthStack[] {
  const manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")) as {
    stacks: Record<string, { synthesizedStackPath: string; dependencies: string[] }>;
  };
  const jsonOf = new Map(terraform.map((t) => [t.stack, t.json as { resource?: Record<string, Record<string, unknown>> }]));
  const order = (name: string) =>
    STACK_KINDS.indexOf(name.slice(name.indexOf("-") + 1) as (typeof STACK_KINDS)[number]);
  return Object.entries(manifest.stacks)
    .sort(([a], [b]) => a.slice(0, 2).localeCompare(b.slice(0, 2)) || order(a) - order(b))
    .map(([name, s]) => {
      const resources = Object.values(jsonOf.get(name)?.resource ?? {}).reduce(
        (n, byName) => n + Object.keys(byName).length,
        0,
      );
      return { name, file: s.synthesizedStackPath, dependencies: [...s.dependencies], resources };
    });
}

/**
 * Synthesizes the stacks of several countries into one cdktf output tree (`manifest.json`,
 * `stacks/<cc>-<kind>/cdk.tf.json`). The tree is built in a temporary sibling and moved into
 * place only when synthesis (and `options.check`) succeeded.
 */
export async function synthesizeCountries(
  profiles: CountryProfile[],
  outdir: string,
  options: SynthOptions = {},
): Promise<SynthResult> {
  const codes = profiles.map((p) => p.metadata.name);
  const dup = codes.find((c, i) => codes.indexOf(c) !== i);
  if (dup) {
    throw new KitError(`country ${dup} given twice; each country synthesizes once per output tree`, ExitCode.BadInput, {
      code: "synth.duplicate_country",
      hint: `pass ${dup} once`,
    });
  }
  let result: SynthResult | undefined;
  const workers = options.customize ? 1 : (options.workers ?? defaultSynthWorkers(profiles.length));
  const checked = options.residencyCheck ?? true;
  // The charts are rendered only for the residency check; without it nothing starts early.
  const renderings = checked ? (options.renderings ?? new Renderings()) : undefined;
  try {
    await writeTreeAtomic(outdir, async (tmp) => {
      const evaluated = new Map<string, Finding[]>();
      const readiness = options.readinessInThreads ? new Map<string, ReadinessFinding[]>() : undefined;
      const threaded =
        workers > 1 &&
        import.meta.url.endsWith(".js") &&
        (await synthesizeInWorkers(profiles, tmp, workers, renderings && { renderings, evaluated, readiness }));
      if (!threaded) {
        const app = createApp(profiles, tmp, options.customize);
        // helm renders on another core while cdktf synthesizes.
        if (renderings) prefetchReleases(app, tmp, renderings);
        app.synth();
      }
      assertPortable(tmp);
      // Read once, for the summary and for the residency check.
      const terraform = await collectTerraform(tmp);
      result = { outdir, stacks: summarize(tmp, terraform), threads: threaded ? workers : 1 };
      if (threaded && renderings && readiness) result.readiness = readiness;
      if (renderings) result.residency = await checkResidency(tmp, profiles, true, { renderings, evaluated, terraform });
      await options.check?.(tmp, result);
    }, { label: "synth", ...options.output });
  } finally {
    // helm still running (the synth failed before its objects were collected) is killed here.
    await renderings?.close();
  }
  return result!;
}

/** Synthesizes one country's stacks into `outdir` (see {@link synthesizeCountries}). */
export function synthesizeCountry(
  profile: CountryProfile,
  outdir: string,
  options: SynthOptions = {},
): Promise<SynthResult> {
  return synthesizeCountries([profile], outdir, options);
}
