import { printable } from "@sovereign/diagnostics";
import { ANNOTATION, MEDIA } from "./format.js";
import type { FoundFile, Problem } from "./read.js";

/** A layer as the bundle's one OCI manifest lists it, every field checked for type. */
export interface GraphLayer {
  title: string;
  kind: string;
  mediaType: string;
  /** Hex sha256 (no `sha256:` prefix). */
  hex: string;
  size: number;
  contentType?: string;
}

/** The bundle's OCI graph: index → exactly one manifest → config and layers. */
export interface Graph {
  manifestHex: string;
  configHex?: string;
  config?: Record<string, unknown>;
  layers: GraphLayer[];
  /** Every blob the graph references (hex). */
  referenced: Set<string>;
}

const DIGEST = /^sha256:([0-9a-f]{64})$/;
const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === "object" && !Array.isArray(v);

function parseJson(b: Buffer | undefined): unknown {
  if (!b) return undefined;
  try {
    return JSON.parse(b.toString("utf8"));
  } catch {
    return undefined;
  }
}

/** A descriptor's hex digest and size, or a problem. */
function descriptor(d: unknown, from: string, problems: Problem[]): { hex: string; size: number } | undefined {
  if (!isObject(d)) {
    problems.push({ file: from, message: "has a descriptor that is not an object" });
    return undefined;
  }
  const m = typeof d.digest === "string" ? DIGEST.exec(d.digest) : null;
  if (!m || typeof d.size !== "number" || !Number.isSafeInteger(d.size) || d.size < 0) {
    problems.push({
      file: from,
      message: `has a descriptor without a sha256 digest and a whole size (${printable(JSON.stringify(d.digest ?? null).slice(0, 80))})`,
    });
    return undefined;
  }
  return { hex: m[1]!, size: d.size };
}

/**
 * Walks index.json → manifest → config and layers from the files as read. Anything the walk
 * cannot follow completely (a nested index, a foreign media type, a malformed descriptor, a
 * missing blob, a size that differs) is a problem naming the file: a bundle's graph is walked
 * whole or refused. Shapes are checked, so type-confused JSON is a problem, not a crash.
 */
export function walkGraph(files: ReadonlyMap<string, FoundFile>, problems: Problem[]): Graph | undefined {
  const blob = (hex: string, size: number, from: string): FoundFile | undefined => {
    const f = files.get(`blobs/sha256/${hex}`);
    if (!f) problems.push({ file: `blobs/sha256/${hex}`, message: `missing (referenced by ${from})` });
    else if (f.size !== size)
      problems.push({ file: `blobs/sha256/${hex}`, message: `size ${f.size} differs from its descriptor in ${from} (${size})` });
    return f;
  };
  const index = parseJson(files.get("index.json")?.content);
  if (!isObject(index) || !Array.isArray(index.manifests)) {
    problems.push({ file: "index.json", message: "missing, not JSON, or without a manifests list" });
    return undefined;
  }
  if (index.manifests.length !== 1) {
    problems.push({ file: "index.json", message: `lists ${index.manifests.length} manifests; a bundle has exactly one` });
    return undefined;
  }
  const entry = index.manifests[0];
  const md = descriptor(entry, "index.json", problems);
  if (!md) return undefined;
  if ((entry as Record<string, unknown>).mediaType !== MEDIA.manifest) {
    problems.push({
      file: "index.json",
      message: `its entry is not an OCI image manifest (${printable(String((entry as Record<string, unknown>).mediaType)).slice(0, 80)}); nothing else is walked`,
    });
    return undefined;
  }
  const mf = blob(md.hex, md.size, "index.json");
  const manifestFile = `blobs/sha256/${md.hex}`;
  if (!mf) return undefined;
  const om = parseJson(mf.content);
  if (!isObject(om) || !Array.isArray(om.layers) || om.mediaType !== MEDIA.manifest) {
    problems.push({ file: manifestFile, message: "is not an OCI image manifest with a layers list" });
    return undefined;
  }
  const referenced = new Set([md.hex]);
  const graph: Graph = { manifestHex: md.hex, layers: [], referenced };
  const cd = descriptor(om.config, manifestFile, problems);
  if (cd) {
    referenced.add(cd.hex);
    const cf = blob(cd.hex, cd.size, manifestFile);
    const config = parseJson(cf?.content);
    if (isObject(config)) {
      graph.config = config;
      graph.configHex = cd.hex;
    } else if (cf) problems.push({ file: `blobs/sha256/${cd.hex}`, message: "config is not a JSON object" });
  }
  for (const l of om.layers) {
    const d = descriptor(l, manifestFile, problems);
    if (!d) continue;
    referenced.add(d.hex);
    blob(d.hex, d.size, manifestFile);
    const ann = isObject((l as Record<string, unknown>).annotations) ? ((l as Record<string, unknown>).annotations as Record<string, unknown>) : {};
    const str = (v: unknown) => (typeof v === "string" ? v : undefined);
    const mediaType = str((l as Record<string, unknown>).mediaType);
    if (!mediaType || !(Object.values(MEDIA) as string[]).includes(mediaType)) {
      problems.push({ file: manifestFile, message: `layer ${d.hex.slice(0, 12)} has an unknown media type` });
      continue;
    }
    graph.layers.push({
      title: str(ann[ANNOTATION.title]) ?? "",
      kind: str(ann[ANNOTATION.kind]) ?? "",
      mediaType,
      hex: d.hex,
      size: d.size,
      contentType: str(ann[ANNOTATION.contentType]),
    });
  }
  return graph;
}
