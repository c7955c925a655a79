import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { isAbsolute, join, resolve, sep } from "node:path";
import { type Construct, type KubernetesObject, resolveUnprepared, TerraformStack } from "@sovereign/constructs";
import { ExitCode, KitError, makeTempDir, repoRoot, type TempDir } from "@sovereign/diagnostics";
import { helmBinary, shortRunEnv } from "@sovereign/tools";
import { parseYamlDocuments } from "./helm-yaml.js";
import { type ChartFile, chartFileContents, readRendering, renderCacheDir, renderKey, writeRendering } from "./render-cache.js";

/** A `helm_release` as the synthesized Terraform JSON holds it (the fields rendering reads). */
export interface HelmReleaseJson {
  name: string;
  /** Absent only in hand-written JSON; such a release is reported as not rendered. */
  chart?: string;
  namespace?: string;
  repository?: string;
  version?: string;
  values?: string[];
  set?: { name: string; value: string; type?: string }[];
}

/** The chart directory of a release when it is a chart of this repository (`charts/...`), else undefined. */
export function localChart(outdir: string, stack: string, chart: string, repository?: string): string | undefined {
  // A chart from a repository (the GPU Operator's OCI mirror) is not rendered offline.
  if (repository) return undefined;
  const chartsDir = join(repoRoot(), "charts") + sep;
  const candidates = isAbsolute(chart)
    ? [chart]
    : [
        resolve(outdir, "stacks", stack, chart),
        // Chart paths are written relative to cdktf.out/stacks/<stack>/ at the repository root,
        // so an output tree written anywhere else still finds the repository's charts.
        resolve(repoRoot(), "cdktf.out", "stacks", stack, chart),
        resolve(repoRoot(), chart),
      ];
  return candidates.find((c) => c.startsWith(chartsDir) && existsSync(join(c, "Chart.yaml")));
}

/** The objects of a finished `helm template`, or why it failed (helm's stderr). */
type Outcome = { objects: KubernetesObject[] } | { error: string };

/** A rendering in memory: started early (maybe still running) or handed over by a worker thread. */
interface Held {
  outcome: Promise<Outcome>;
  /** Already in the render cache (a worker thread stored it). */
  stored: boolean;
}

/** A rendering handed from one thread to another: its key and its objects. */
export interface RenderingOf {
  key: string;
  objects: KubernetesObject[];
}

/** helm processes at once: one per core and one more, as each spends part of its time starting. */
const HELM_LIMIT = availableParallelism() + 1;

/** The Kubernetes objects of helm's output, in document order (empty documents dropped). */
function parseRendering(text: string): KubernetesObject[] {
  return (parseYamlDocuments(text) as (KubernetesObject | null)[])
    .filter((o): o is KubernetesObject => o !== null && typeof o === "object" && "kind" in o);
}

/**
 * The `helm template` renderings of one synth. A release's rendering comes, by its render key
 * (render-cache.ts: helm binary, every chart file, release name, namespace, values and --set),
 * from a rendering held in memory (started by {@link prefetch} while cdktf synthesizes, or handed
 * over by a worker thread), else from the render cache, else from helm run now. A held rendering
 * is used only when its key equals the key of the release in the synthesized JSON, so the output
 * never depends on whether it was started early; a failed early start is ignored and the release
 * is rendered again, which reports the failure as a plain render does.
 *
 * helm writes into files of one guarded temp directory per synth (not a pipe, which nobody reads
 * while cdktf holds the thread). {@link close} kills helm processes still running and removes it.
 */
export class Renderings {
  private readonly cache = renderCacheDir();
  private readonly held = new Map<string, Held>();
  /** Chart files by chart directory, read once per synth (the fleet renders ~100 releases of one chart). */
  private readonly charts = new Map<string, ChartFile[]>();
  /** helm processes running, and renderings waiting for one of the {@link HELM_LIMIT} slots. */
  private readonly running = new Set<ChildProcess>();
  private readonly waiting: (() => void)[] = [];
  private readonly unfinished = new Set<Promise<Outcome>>();
  private session: TempDir | undefined;
  private closed = false;
  private helmPath: string | undefined;
  /** helm processes started so far (their pids), and releases whose rendering was held in memory (tests read them). */
  readonly pids: number[] = [];
  usedHeld = 0;

  /** helm processes started so far. */
  get started(): number {
    return this.pids.length;
  }

  private get helm(): string {
    return (this.helmPath ??= helmBinary());
  }

  /** The render key of a release of a local chart. */
  key(chartDir: string, release: HelmReleaseJson): string {
    let files = this.charts.get(chartDir);
    if (!files) this.charts.set(chartDir, (files = chartFileContents(chartDir)));
    return renderKey(this.helm, chartDir, [release.name, release.namespace, release.values, release.set], files);
  }

  /**
   * Starts helm for a release in the background unless the cache or memory already holds its
   * rendering. Never throws: whatever goes wrong is found again, and reported, by {@link render}.
   */
  prefetch(chartDir: string, release: HelmReleaseJson): void {
    try {
      const key = this.key(chartDir, release);
      if (this.held.has(key) || (this.cache && existsSync(join(this.cache, `${key}.json`)))) return;
      this.held.set(key, { outcome: this.start(chartDir, release), stored: false });
    } catch {
      // rendered (and any error reported) when the synthesized release is collected
    }
  }

  /** Holds renderings made by another thread (`stored`: it already wrote them to the cache). */
  add(renderings: readonly RenderingOf[], stored: boolean): void {
    for (const { key, objects } of renderings) {
      if (!this.held.has(key)) this.held.set(key, { outcome: Promise.resolve({ objects }), stored });
    }
  }

  /** The objects of a release: held in memory, cached, or rendered now with helm. */
  async render(chartDir: string, release: HelmReleaseJson): Promise<KubernetesObject[]> {
    const key = this.key(chartDir, release);
    const held = this.held.get(key);
    // Taken once: a second release with the same key gets objects of its own, as from the cache.
    this.held.delete(key);
    const early = held ? await held.outcome : undefined;
    if (early && "objects" in early) {
      this.usedHeld++;
      if (!held!.stored) writeRendering(this.cache, key, early.objects);
      return early.objects;
    }
    const cached = readRendering(this.cache, key);
    if (cached) return cached;
    const outcome = await this.start(chartDir, release);
    if ("error" in outcome) {
      throw new KitError(`helm template ${release.name} (${chartDir}) failed: ${outcome.error}`, ExitCode.Findings, {
        code: "chart.template_failed",
        file: chartDir,
        hint: `run \`helm lint ${chartDir}\` and fix the values it reports`,
      });
    }
    writeRendering(this.cache, key, outcome.objects);
    return outcome.objects;
  }

  /**
   * Waits for every rendering started early and returns those that succeeded, after storing them
   * in the render cache (a worker thread hands them to the thread that collects the objects).
   */
  async settle(): Promise<RenderingOf[]> {
    const done: RenderingOf[] = [];
    for (const [key, held] of this.held) {
      const outcome = await held.outcome;
      if (!("objects" in outcome)) continue;
      if (!held.stored) writeRendering(this.cache, key, outcome.objects);
      held.stored = true;
      done.push({ key, objects: outcome.objects });
    }
    return done;
  }

  /**
   * Ends the renderings: waiting ones do not start, running helm processes are killed and waited
   * for, and the temp directory is removed. A render asked for afterwards fails.
   */
  async close(): Promise<void> {
    this.closed = true;
    this.held.clear();
    for (const go of this.waiting.splice(0)) go();
    for (const child of this.running) child.kill("SIGKILL");
    await Promise.all(this.unfinished);
    this.session?.remove();
    this.session = undefined;
  }

  /** Runs `helm template` for a release once a slot is free, its output and errors going to files. */
  private start(chartDir: string, release: HelmReleaseJson): Promise<Outcome> {
    const outcome = new Promise<Outcome>((done) => {
      const go = () => (this.closed ? done({ error: "rendering cancelled: the synth ended" }) : this.spawnHelm(chartDir, release, done));
      if (this.running.size < HELM_LIMIT) go();
      else this.waiting.push(go);
    });
    this.unfinished.add(outcome);
    void outcome.then(() => this.unfinished.delete(outcome));
    return outcome;
  }

  private spawnHelm(chartDir: string, release: HelmReleaseJson, done: (o: Outcome) => void): void {
    // One guarded directory per synth: removed even when the run is killed while helm renders.
    this.session ??= makeTempDir(tmpdir(), "render");
    const work = mkdtempSync(join(this.session.path, "r-"));
    const args = ["template", release.name, chartDir, "--skip-tests"];
    if (release.namespace) args.push("--namespace", release.namespace);
    (release.values ?? []).forEach((v, i) => {
      const f = join(work, `values-${i}.yaml`);
      writeFileSync(f, v);
      args.push("--values", f);
    });
    for (const s of release.set ?? []) args.push(s.type === "string" ? "--set-string" : "--set", `${s.name}=${s.value}`);
    const outFile = join(work, "out.yaml");
    const errFile = join(work, "err.txt");
    const out = openSync(outFile, "w");
    const err = openSync(errFile, "w");
    let child: ChildProcess;
    try {
      child = spawn(this.helm, args, { stdio: ["ignore", out, err], env: shortRunEnv() });
    } catch (e) {
      done({ error: (e as Error).message });
      return;
    } finally {
      closeSync(out);
      closeSync(err);
    }
    if (child.pid !== undefined) this.pids.push(child.pid);
    this.running.add(child);
    let ended = false;
    const end = (outcome: () => Outcome) => {
      if (ended) return;
      ended = true;
      this.running.delete(child);
      this.waiting.shift()?.();
      try {
        done(outcome());
      } catch (e) {
        done({ error: (e as Error).message });
      }
    };
    child.once("error", (e) => end(() => ({ error: e.message })));
    child.once("close", (code, signal) =>
      end(() => {
        if (code === 0) return { objects: parseRendering(readFileSync(outFile, "utf8")) };
        const stderr = readFileSync(errFile, "utf8").trim();
        return { error: stderr || `helm ${code === null ? `ended by ${signal}` : `exited ${code}`}` };
      }),
    );
  }
}

/**
 * Starts `helm template` for every release of a local chart in an app's construct tree, before
 * cdktf synthesizes it, so helm renders on another core meanwhile. Each release's attributes are
 * resolved as synth will write them (a resolve without cdktf's preparing pass, which adds nothing
 * to the tree); where synth later writes anything else (an aspect, an override, a cross-stack
 * reference), the keys differ and the release is rendered again from the JSON.
 */
export function prefetchReleases(app: Construct, outdir: string, renderings: Renderings): void {
  for (const stack of app.node.children) {
    if (!TerraformStack.isStack(stack)) continue;
    for (const c of stack.node.findAll()) {
      const r = c as unknown as { terraformResourceType?: string; synthesizeAttributes?: () => Record<string, unknown> };
      if (r.terraformResourceType !== "helm_release" || typeof r.synthesizeAttributes !== "function") continue;
      try {
        const release = resolveUnprepared(c, r.synthesizeAttributes()) as HelmReleaseJson;
        const chartDir = release.chart ? localChart(outdir, stack.node.id, release.chart, release.repository) : undefined;
        if (chartDir) renderings.prefetch(chartDir, release);
      } catch {
        // synth reports what does not resolve
      }
    }
  }
}
