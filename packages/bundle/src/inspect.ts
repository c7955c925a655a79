import { gunzipSync } from "node:zlib";
import { ANNOTATION, type BundleManifest, MANIFEST_FILE, MEDIA } from "./format.js";
import { readBundle } from "./read.js";

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
  /** Recipe data sources with licence and legal basis, when the bundle carries a recipe. */
  problems: { file: string; message: string }[];
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
 * multi-GiB bundles; `verify` is what establishes trust.
 */
export async function inspectBundle(path: string): Promise<BundleInspection> {
  const b = await readBundle(path, { hash: false });
  const get = (p: string) => b.files.get(p)?.content;
  const manifest = json(get(MANIFEST_FILE)) as BundleManifest | undefined;
  const index = json(get("index.json")) as
    | { manifests?: { digest: string; mediaType: string }[] }
    | undefined;
  const problems = [...b.problems];
  const layers: BundleInspection["layers"] = [];
  let config: Record<string, unknown> | undefined;
  for (const m of index?.manifests ?? []) {
    if (m.mediaType !== MEDIA.manifest) continue;
    const om = json(get(`blobs/sha256/${m.digest.slice(7)}`)) as
      | {
          config?: { digest: string };
          layers?: {
            mediaType: string;
            digest: string;
            size: number;
            annotations?: Record<string, string>;
          }[];
        }
      | undefined;
    if (!om) {
      problems.push({ file: `blobs/sha256/${m.digest.slice(7)}`, message: "manifest missing or unreadable" });
      continue;
    }
    if (om.config)
      config = json(get(`blobs/sha256/${om.config.digest.slice(7)}`)) as Record<string, unknown> | undefined;
    for (const l of om.layers ?? []) {
      layers.push({
        title: l.annotations?.[ANNOTATION.title] ?? "(untitled)",
        kind: l.annotations?.[ANNOTATION.kind] ?? "",
        mediaType: l.mediaType,
        digest: l.digest,
        size: l.size,
        contentType: l.annotations?.[ANNOTATION.contentType],
      });
    }
  }
  if (!index) problems.push({ file: "index.json", message: "missing or not JSON" });
  return { bundle: path, kind: b.kind, manifest, config, layers, problems };
}

/** Reads one gzip text layer's content from a bundle (used by tests and `inspect --format json`). */
export function gunzipText(data: Buffer): string {
  return gunzipSync(data).toString("utf8");
}
