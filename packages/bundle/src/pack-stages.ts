import { join } from "node:path";
import { stageAndHash } from "./copy.js";
import {
  ANNOTATION,
  type BundleManifest,
  CHECKSUMS_FILE,
  gzipDeterministic,
  jsonText,
  MANIFEST_FILE,
  MEDIA,
  SIGNATURE_FILE,
} from "./format.js";
import { type Progress, sha256File, sha256Hex } from "./hash.js";
import type { BundleItem } from "./items.js";
import { SIGNATURE_ALGORITHM, type SigningKey } from "./keys.js";
import { KeyScanner, refuseKeyMaterial } from "./secrets.js";
import type { TarSource } from "./tar-write.js";

/**
 * The middle stages of `packBundle`, each a function of the previous one's result:
 * hash (weights and datasets, read once) → layout (OCI blobs, manifest, index) → sign (checksum
 * list, bundle.json, signature). Collect comes before them and write after (pack.ts, pack-write.ts).
 */

/** One weights or dataset file after the hash stage. */
export interface HashedArtifact {
  title: string;
  kind: "weights" | "dataset";
  /** The input file. */
  file: string;
  sha256: string;
  size: number;
  /** Private staged copy holding exactly the hashed bytes (directory output only). */
  staged?: string;
}

/** One file of the bundle as written: its path inside the bundle, digest, size and bytes. */
export interface BundleEntry {
  path: string;
  /** Hex sha256 (empty for the three control files, which the checksum list does not name). */
  sha256: string;
  size: number;
  source: Exclude<TarSource, { kind: "dir" }>;
}

/** One OCI layer as `inspect` and the pack report list it. */
export interface LayerSummary {
  title: string;
  kind: string;
  mediaType: string;
  digest: string;
  size: number;
}

/**
 * The hash stage. Without `stage` (archive output) each file is read once: every chunk is hashed
 * and scanned for key material; the write stage re-hashes the bytes it puts into the archive. With
 * `stage` (directory output) each file is copied there by the kernel (copy_file_range, a clone
 * where the file system offers one) and the copy is hashed and scanned as it lands: the digest is
 * that of the very bytes the bundle will hold, however the input changes afterwards. Key material
 * found is refused, naming the input file.
 */
export async function hashArtifacts(
  artifacts: readonly BundleItem[],
  progress: Progress | undefined,
  stage: string | undefined,
): Promise<HashedArtifact[]> {
  const hashed: HashedArtifact[] = [];
  const secrets: { file: string; what: string }[] = [];
  for (const [i, a] of artifacts.entries()) {
    if (!("file" in a)) continue;
    const staged = stage ? join(stage, String(i)) : undefined;
    const scan = new KeyScanner();
    const label = `hash ${a.title}`;
    const each = (chunk: Buffer) => scan.update(chunk);
    const { sha256, size } = staged
      ? await stageAndHash(a.file, staged, progress, label, each)
      : await sha256File(a.file, progress, label, each);
    const what = scan.result(size);
    if (what) secrets.push({ file: a.file, what });
    hashed.push({ title: a.title, kind: a.kind, file: a.file, sha256, size, staged });
  }
  refuseKeyMaterial(secrets);
  return hashed;
}

interface Blob {
  digest: string;
  size: number;
  source: BundleEntry["source"];
}

interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
}

/** Which bundle is laid out: the fields the OCI config and index carry. */
export interface LayoutInput {
  country: string;
  displayName: string;
  createdIso: string;
  kitVersion: string;
  /** The training recipe summary stored in the OCI config, or null without a recipe. */
  recipe: unknown;
}

const byPath = <T extends { path: string }>(a: T, b: T) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);

const bytesBlob = (data: Buffer): Blob => ({
  digest: sha256Hex(data),
  size: data.length,
  source: { kind: "bytes", data },
});

/** Layers of text items (gzip, with the plain content's digest), charts (as packaged) and artifacts. */
function layersOf(items: readonly BundleItem[], hashed: readonly HashedArtifact[]) {
  const layers: { descriptor: Descriptor; blob: Blob; summary: LayerSummary }[] = [];
  const add = (title: string, kind: string, mediaType: string, blob: Blob, extra: Record<string, string> = {}) => {
    const digest = `sha256:${blob.digest}`;
    layers.push({
      descriptor: { mediaType, digest, size: blob.size, annotations: { [ANNOTATION.title]: title, [ANNOTATION.kind]: kind, ...extra } },
      blob,
      summary: { title, kind, mediaType, digest, size: blob.size },
    });
  };
  for (const h of hashed)
    add(h.title, h.kind, h.kind === "weights" ? MEDIA.weights : MEDIA.dataset, {
      digest: h.sha256,
      size: h.size,
      source: { kind: "file", path: h.file, size: h.size, label: h.title, sha256: h.sha256 },
    });
  for (const it of items) {
    if ("text" in it)
      add(it.title, it.kind, MEDIA.file, bytesBlob(gzipDeterministic(it.text)), {
        [ANNOTATION.contentType]: it.contentType,
        [ANNOTATION.contentDigest]: `sha256:${sha256Hex(it.text)}`,
      });
    else if ("raw" in it) add(it.title, it.kind, it.mediaType, bytesBlob(it.raw));
  }
  const title = (l: (typeof layers)[number]) => l.descriptor.annotations![ANNOTATION.title]!;
  return layers.sort((a, b) => (title(a) < title(b) ? -1 : title(a) > title(b) ? 1 : 0));
}

/**
 * The layout stage (pure): one blob per distinct content (a file named twice is stored once), the
 * layers sorted by title, the OCI config, manifest, index and oci-layout. Returns every file of
 * the OCI layout sorted by path, and the layer summaries.
 */
export function layoutBundle(
  b: LayoutInput,
  items: readonly BundleItem[],
  hashed: readonly HashedArtifact[],
): { files: BundleEntry[]; layers: LayerSummary[] } {
  const layers = layersOf(items, hashed);
  const blobs = new Map<string, Blob>();
  const addBlob = (blob: Blob) => blobs.has(blob.digest) || blobs.set(blob.digest, blob);
  for (const l of layers) addBlob(l.blob);
  const config = bytesBlob(
    jsonText({
      country: b.country,
      displayName: b.displayName,
      created: b.createdIso,
      kitVersion: b.kitVersion,
      profile: `profile/${b.country}.yaml`,
      recipe: b.recipe,
    }),
  );
  addBlob(config);
  const manifest = bytesBlob(
    jsonText({
      schemaVersion: 2,
      mediaType: MEDIA.manifest,
      artifactType: MEDIA.artifact,
      config: { mediaType: MEDIA.config, digest: `sha256:${config.digest}`, size: config.size },
      layers: layers.map((l) => l.descriptor),
      annotations: { [ANNOTATION.created]: b.createdIso },
    }),
  );
  addBlob(manifest);
  const index = jsonText({
    schemaVersion: 2,
    mediaType: MEDIA.index,
    manifests: [
      {
        mediaType: MEDIA.manifest,
        artifactType: MEDIA.artifact,
        digest: `sha256:${manifest.digest}`,
        size: manifest.size,
        annotations: { [ANNOTATION.refName]: `${b.country}-operations`, [ANNOTATION.created]: b.createdIso },
      },
    ],
  });
  const ociLayout = jsonText({ imageLayoutVersion: "1.0.0" });
  const files: BundleEntry[] = [
    { path: "index.json", ...bytesBlob(index), sha256: sha256Hex(index) },
    { path: "oci-layout", ...bytesBlob(ociLayout), sha256: sha256Hex(ociLayout) },
    ...[...blobs.values()].map((x) => ({ path: `blobs/sha256/${x.digest}`, sha256: x.digest, size: x.size, source: x.source })),
  ].map(({ path, sha256, size, source }) => ({ path, sha256, size, source }));
  return { files: files.sort(byPath), layers: layers.map((l) => l.summary) };
}

/** What the sign stage commits to besides the files. */
export interface SignInput {
  country: string;
  createdIso: string;
  kitVersion: string;
  sequence: number;
  signingKey: SigningKey;
}

/**
 * The sign stage: the checksum list over every file, bundle.json committing to the list's and the
 * index's digests and to the bundle's size, and the signature over bundle.json. Signing comes
 * before writing: an archive starts with these three files, so they must exist before its first
 * byte. Returns all files (OCI layout and control files) sorted by path.
 */
export function signBundle(
  s: SignInput,
  files: readonly BundleEntry[],
): { all: BundleEntry[]; manifest: BundleManifest; manifestBytes: Buffer } {
  const checksums = Buffer.from(files.map((f) => `${f.sha256}  ${f.path}\n`).join(""));
  const index = files.find((f) => f.path === "index.json")!;
  const manifest: BundleManifest = {
    apiVersion: "sovereign.ai/v1alpha1",
    kind: "BundleManifest",
    country: s.country,
    created: s.createdIso,
    kitVersion: s.kitVersion,
    sequence: s.sequence,
    checksums: {
      path: CHECKSUMS_FILE,
      sha256: sha256Hex(checksums),
      files: files.length,
      bytes: files.reduce((a, f) => a + f.size, 0),
    },
    index: { path: "index.json", sha256: index.sha256 },
    signature: { algorithm: SIGNATURE_ALGORITHM, encoding: "base64-der", keyId: s.signingKey.keyId, path: SIGNATURE_FILE },
  };
  const manifestBytes = jsonText(manifest);
  const signature = Buffer.from(s.signingKey.sign(manifestBytes).toString("base64"));
  const control = (path: string, data: Buffer): BundleEntry => ({
    path,
    sha256: "",
    size: data.length,
    source: { kind: "bytes", data },
  });
  const all = [
    ...files,
    control(CHECKSUMS_FILE, checksums),
    control(MANIFEST_FILE, manifestBytes),
    control(SIGNATURE_FILE, signature),
  ];
  return { all: all.sort(byPath), manifest, manifestBytes };
}
