import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import type { KubernetesObject } from "@sovereign/constructs";
import { repoRoot } from "@sovereign/profile";

/**
 * Cache of `helm template` renderings, keyed by everything the output depends on: the helm binary
 * (path, size, mtime), every file of the chart (path and content), and the release's name,
 * namespace, values and --set arguments. The kit's charts render deterministically (no random,
 * time or cluster lookups in their templates), so a hit is the same objects helm would print.
 *
 * Location: SOVEREIGN_RENDER_CACHE, else `<repo>/.tools/render-cache` (not committed).
 * SOVEREIGN_RENDER_CACHE=off renders every time.
 */
export function renderCacheDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const v = env.SOVEREIGN_RENDER_CACHE;
  if (v === "off") return undefined;
  return v || join(repoRoot(), ".tools", "render-cache");
}

function chartFiles(dir: string, root = dir): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => (a.name < b.name ? -1 : 1))
    .flatMap((e) => (e.isDirectory() ? chartFiles(join(dir, e.name), root) : [join(dir, e.name)]));
}

/** One file of a chart: its path relative to the chart directory and its bytes. */
export interface ChartFile {
  path: string;
  data: Buffer;
}

/** Every file of a chart, in key order (a synth that renders many releases of one chart reads them once). */
export function chartFileContents(chartDir: string): ChartFile[] {
  return chartFiles(chartDir).map((f) => ({ path: relative(chartDir, f), data: readFileSync(f) }));
}

/** The cache key of one rendering (`files`: the chart's files, read now unless given). */
export function renderKey(helm: string, chartDir: string, args: unknown, files = chartFileContents(chartDir)): string {
  const h = createHash("sha256");
  const bin = statSync(helm);
  h.update(JSON.stringify({ helm, size: bin.size, mtimeMs: bin.mtimeMs, args }));
  for (const f of files) {
    h.update(`\0${f.path}\0`);
    h.update(f.data);
  }
  return h.digest("hex");
}

/** The cached objects of a rendering, or undefined (no entry, unreadable entry). */
export function readRendering(dir: string | undefined, key: string): KubernetesObject[] | undefined {
  if (!dir) return undefined;
  try {
    const v = JSON.parse(readFileSync(join(dir, `${key}.json`), "utf8")) as unknown;
    return Array.isArray(v) ? (v as KubernetesObject[]) : undefined;
  } catch {
    return undefined;
  }
}

/** Stores a rendering (temp file + rename). Best effort: a read-only checkout only renders again. */
export function writeRendering(dir: string | undefined, key: string, objects: KubernetesObject[]): void {
  if (!dir) return;
  const target = join(dir, `${key}.json`);
  const tmp = `${target}.${process.pid}.tmp`;
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(tmp, JSON.stringify(objects));
    renameSync(tmp, target);
  } catch {
    // ignored: the cache is an optimisation
  }
}
