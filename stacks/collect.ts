import { existsSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { jobFromV1Body, type KubernetesObject } from "@sovereign/constructs";
import { ExitCode, KitError, readInputFile } from "@sovereign/diagnostics";
import { type HelmReleaseJson, localChart, Renderings } from "./render.js";

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

/** Options of {@link collectObjectsDetailed}. */
export interface CollectOptions {
  /**
   * The renderings of this synth (some started while it ran).
   * @default a fresh set, closed before returning: every release is rendered or read from the cache
   */
  renderings?: Renderings;
  /**
   * The tree the stacks will be read from by Terraform, from which relative chart paths are
   * resolved: a worker thread collects its share in a folder of its own.
   * @default the folder collected
   */
  chartsFrom?: string;
  /**
   * The Terraform JSON of every stack, already read by the caller with {@link collectTerraform}
   * from the folder collected (a synth reads its tree once for its summary and its checks).
   * @default read here
   */
  terraform?: { stack: string; json: object }[];
}

/**
 * Every Kubernetes object the synthesized stacks will create, plus the releases whose charts are
 * remote (the GPU Operator) and therefore not rendered here.
 */
export async function collectObjectsDetailed(
  outdir: string,
  options: CollectOptions = {},
): Promise<{
  objects: SynthObject[];
  unrendered: UnrenderedRelease[];
  /** Local-chart releases whose relative chart path does not resolve from `<outdir>/stacks/<stack>/`. */
  detached: UnrenderedRelease[];
  /** The Terraform JSON of every stack, as {@link collectTerraform} reads it. */
  terraform: { stack: string; json: object }[];
}> {
  const { renderings, chartsFrom = outdir } = options;
  if (!renderings) {
    const own = new Renderings();
    try {
      return await collectObjectsDetailed(outdir, { ...options, renderings: own });
    } finally {
      await own.close();
    }
  }
  // Each entry is a ready list (manifests) or a helm rendering; output order is entry order.
  const parts: (() => Promise<SynthObject[]>)[] = [];
  const unrendered: UnrenderedRelease[] = [];
  const detached: UnrenderedRelease[] = [];
  const terraform = options.terraform ?? (await collectTerraform(outdir));
  for (const { stack, json } of terraform) {
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
      const chartDir = chart === undefined ? undefined : localChart(chartsFrom, stack, chart, r.repository);
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
      if (!isAbsolute(chart) && !existsSync(join(resolve(chartsFrom, "stacks", stack, chart), "Chart.yaml"))) {
        detached.push({ stack, address, chart });
      }
      parts.push(async () =>
        (await renderings.render(chartDir, r)).map(
          (object): SynthObject => ({ stack, address, source: "helm", object }),
        ),
      );
    }
  }
  // All at once: Renderings itself caps the helm processes running side by side.
  const objects = (await Promise.all(parts.map((part) => part()))).flat();
  return { objects, unrendered, detached, terraform };
}

/** Every Kubernetes object the synthesized stacks will create, local charts rendered with helm. */
export async function collectObjects(outdir: string): Promise<SynthObject[]> {
  return (await collectObjectsDetailed(outdir)).objects;
}
