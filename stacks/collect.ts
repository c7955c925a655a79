import { execFile } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { isAbsolute, join, resolve, sep } from "node:path";
import { promisify } from "node:util";
import { jobFromV1Body, type KubernetesObject } from "@sovereign/constructs";
import { ExitCode, KitError, makeTempDir, readInputFile, repoRoot } from "@sovereign/diagnostics";
import { helmBinary } from "@sovereign/tools";
import { parseAllDocuments } from "yaml";
import { readRendering, renderCacheDir, renderKey, writeRendering } from "./render-cache.js";

/** One Kubernetes object a synthesized stack will create. */
export interface SynthObject {
  /** Stack name, e.g. `th-serving`. */
  stack: string;
  /** Terraform address of the resource creating it, e.g. `kubernetes_manifest.x`. */
  address: string;
  /** A raw `kubernetes_manifest`, or rendered from a local chart of a `helm_release`. */
  source: "manifest" | "helm";
  object: KubernetesObject;
}

/** A helm_release whose chart is not in this repository, so its objects cannot be listed offline. */
export interface UnrenderedRelease {
  stack: string;
  address: string;
  /** `repository/chart@version` as the release names it. */
  chart: string;
  /** Namespace the release installs into (its controllers run there). */
  namespace?: string;
  /** The release's values documents (YAML or JSON), later ones overriding earlier ones. */
  values?: string[];
}

interface StackJson {
  resource?: {
    kubernetes_manifest?: Record<string, { manifest: KubernetesObject }>;
    kubernetes_job_v1?: Record<string, { metadata: unknown; spec: unknown }>;
    helm_release?: Record<string, HelmReleaseJson>;
  };
}

interface HelmReleaseJson {
  name: string;
  /** Absent only in hand-written JSON; such a release is reported as not rendered. */
  chart?: string;
  namespace?: string;
  repository?: string;
  version?: string;
  values?: string[];
  set?: { name: string; value: string; type?: string }[];
}

/** Terraform JSON of every stack of a synth output, in manifest order. */
export async function collectTerraform(outdir: string): Promise<{ stack: string; json: object }[]> {
  const manifestPath = join(outdir, "manifest.json");
  if (!existsSync(manifestPath)) {
    throw new KitError(
      `${manifestPath} not found`,
      ExitCode.BadInput,
      { code: "synth.output_missing", file: outdir, hint: "run `sovereign synth` first (or pass the synth output directory)" },
    );
  }
  const manifest = JSON.parse(readSynthFile(manifestPath)) as {
    stacks: Record<string, { synthesizedStackPath: string }>;
  };
  return Object.keys(manifest.stacks)
    .sort()
    .map((stack) => ({
      stack,
      json: JSON.parse(readSynthFile(join(outdir, manifest.stacks[stack]!.synthesizedStackPath))) as object,
    }));
}

/**
 * Largest synthesized file read back (a `--synth-dir` may be anyone's folder): far above what the
 * kit writes (a two-site country's largest stack is about 0.4 MB), so only a foreign file meets it.
 */
const SYNTH_FILE_LIMIT = 256 * 1024 * 1024;

/** A file of a synth output, read as a bounded regular file: a FIFO or device there is refused, not waited on. */
function readSynthFile(path: string): string {
  return readInputFile(path, {
    limit: SYNTH_FILE_LIMIT,
    what: "synthesized file",
    overLimitHint: "this is not a file `sovereign synth` wrote: synthesize again into an empty --out and pass that",
  }).bytes.toString("utf8");
}

/** The chart directory of a release when it is a chart of this repository (`charts/...`), else undefined. */
function localChart(outdir: string, stack: string, chart: string, repository?: string): string | undefined {
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

const run = promisify(execFile);

/** Runs jobs with at most `limit` in flight, keeping results in input order. */
async function pooled<T>(jobs: (() => Promise<T>)[], limit: number): Promise<T[]> {
  const results: T[] = new Array(jobs.length);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const i = next++;
      results[i] = await jobs[i]!();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, jobs.length) }, worker));
  return results;
}

/**
 * Renders a release of a local chart with the real helm binary and the release's own values, or
 * takes the objects of an identical earlier rendering from the render cache (see render-cache.ts).
 */
async function renderRelease(chartDir: string, release: HelmReleaseJson): Promise<KubernetesObject[]> {
  const helm = helmBinary();
  const cache = renderCacheDir();
  const key = cache
    ? renderKey(helm, chartDir, [release.name, release.namespace, release.values, release.set])
    : "";
  const cached = readRendering(cache, key);
  if (cached) return cached;
  // Guarded: removed even when the run is killed while helm renders.
  const tmp = makeTempDir(tmpdir(), "render");
  const work = tmp.path;
  try {
    const args = ["template", release.name, chartDir, "--skip-tests"];
    if (release.namespace) args.push("--namespace", release.namespace);
    (release.values ?? []).forEach((v, i) => {
      const f = join(work, `values-${i}.yaml`);
      writeFileSync(f, v);
      args.push("--values", f);
    });
    for (const s of release.set ?? [])
      args.push(s.type === "string" ? "--set-string" : "--set", `${s.name}=${s.value}`);
    const { stdout: out } = await run(helm, args, { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
    const objects = parseAllDocuments(out)
      .map((d) => d.toJS() as KubernetesObject | null)
      .filter((o): o is KubernetesObject => o !== null && typeof o === "object" && "kind" in o);
    writeRendering(cache, key, objects);
    return objects;
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new KitError(
      `helm template ${release.name} (${chartDir}) failed: ${err.stderr?.trim() || err.message}`,
      ExitCode.Findings,
      { code: "chart.template_failed", file: chartDir, hint: `run \`helm lint ${chartDir}\` and fix the values it reports` },
    );
  } finally {
    tmp.remove();
  }
}

/**
 * Every Kubernetes object the synthesized stacks will create, plus the releases whose charts are
 * remote (the GPU Operator) and therefore not rendered here.
 */
export async function collectObjectsDetailed(outdir: string): Promise<{
  objects: SynthObject[];
  unrendered: UnrenderedRelease[];
  /** Local-chart releases whose relative chart path does not resolve from `<outdir>/stacks/<stack>/`. */
  detached: UnrenderedRelease[];
}> {
  // Each entry is a ready list (manifests) or a helm rendering; output order is entry order.
  const parts: (() => Promise<SynthObject[]>)[] = [];
  const unrendered: UnrenderedRelease[] = [];
  const detached: UnrenderedRelease[] = [];
  for (const { stack, json } of await collectTerraform(outdir)) {
    const res = (json as StackJson).resource ?? {};
    const manifests = Object.entries(res.kubernetes_manifest ?? {}).map(
      ([name, r]): SynthObject => ({
        stack,
        address: `kubernetes_manifest.${name}`,
        source: "manifest",
        object: r.manifest,
      }),
    );
    // The gate Jobs are kubernetes_job_v1 resources: read back as the Job manifest they create.
    const jobs = Object.entries(res.kubernetes_job_v1 ?? {}).map(
      ([name, r]): SynthObject => ({
        stack,
        address: `kubernetes_job_v1.${name}`,
        source: "manifest",
        object: jobFromV1Body(r),
      }),
    );
    parts.push(async () => [...manifests, ...jobs]);
    for (const [name, r] of Object.entries(res.helm_release ?? {})) {
      const address = `helm_release.${name}`;
      const chart = r.chart;
      const chartDir = chart === undefined ? undefined : localChart(outdir, stack, chart, r.repository);
      if (chart === undefined || !chartDir) {
        unrendered.push({
          stack,
          address,
          chart: `${r.repository ? `${r.repository}/` : ""}${chart ?? "(no chart)"}${r.version ? `@${r.version}` : ""}`,
          ...(r.namespace ? { namespace: r.namespace } : {}),
          ...(r.values ? { values: r.values } : {}),
        });
        continue;
      }
      // Terraform resolves the chart from the stack's directory; say so when that will not work.
      if (!isAbsolute(chart) && !existsSync(join(resolve(outdir, "stacks", stack, chart), "Chart.yaml"))) {
        detached.push({ stack, address, chart });
      }
      parts.push(async () =>
        (await renderRelease(chartDir, r)).map(
          (object): SynthObject => ({ stack, address, source: "helm", object }),
        ),
      );
    }
  }
  // helm is a separate process per release: run a few side by side.
  const objects = (await pooled(parts, availableParallelism() + 1)).flat();
  return { objects, unrendered, detached };
}

/** Every Kubernetes object the synthesized stacks will create, local charts rendered with helm. */
export async function collectObjects(outdir: string): Promise<SynthObject[]> {
  return (await collectObjectsDetailed(outdir)).objects;
}
