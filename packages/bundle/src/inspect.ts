import { gunzipSync } from "node:zlib";
import { type BundleManifest, MANIFEST_FILE } from "./format.js";
import { walkGraph } from "./graph.js";
import { type Problem, readBundle } from "./read.js";

/** What `bundle inspect` shows: contents and provenance, read without verifying. */
export interface BundleInspection {
  bundle: string;
  kind: "dir" | "tar" | "tar.zst";
  manifest?: BundleManifest;
  config?: Record<string, unknown>;
  layers: {
    title: string;
    kind: string;
    mediaType: string;
    digest: string;
    size: number;
    contentType?: string;
  }[];
  problems: Problem[];
}

function json(b: Buffer | undefined): unknown {
  if (!b) return undefined;
  try {
    return JSON.parse(b.toString("utf8"));
  } catch {
    return undefined;
  }
}

/**
 * Lists a bundle's layers and provenance. It does not hash large files, so it is quick on
 * multi-GiB bundles; `verify` is what establishes trust. Every shape is checked on the way
 * (the same graph walk as verify), so malformed JSON is a listed problem, never a crash.
 */
export async function inspectBundle(path: string): Promise<BundleInspection> {
  const b = await readBundle(path, { hash: false });
  const problems = [...b.problems];
  const m = json(b.files.get(MANIFEST_FILE)?.content);
  const manifest = m !== null && typeof m === "object" && !Array.isArray(m) ? (m as BundleManifest) : undefined;
  const graph = walkGraph(b.files, problems);
  return {
    bundle: path,
    kind: b.kind,
    manifest,
    config: graph?.config,
    layers: (graph?.layers ?? []).map((l) => ({
      title: l.title || "(untitled)",
      kind: l.kind,
      mediaType: l.mediaType,
      digest: `sha256:${l.hex}`,
      size: l.size,
      contentType: l.contentType,
    })),
    problems,
  };
}

/** Reads one gzip text layer's content from a bundle (used by tests and `inspect --format json`). */
export function gunzipText(data: Buffer): string {
  return gunzipSync(data).toString("utf8");
}
