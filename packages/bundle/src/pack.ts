import { constants, mkdirSync, readFileSync, renameSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { copyFile, open } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { gunzipSync } from "node:zlib";
import {
  checkOutput,
  checkpoint,
  InputError,
  makeTempDir,
  type OutputOptions,
  type OwnedFiles,
  writeTreeAtomic,
} from "@sovereign/diagnostics";
import type { CountryProfile } from "@sovereign/profile";
import { packageCharts } from "./content/charts.js";
import { collectImages } from "./content/images.js";
import { gpuAlertRules, gpuDashboard, servingAlertRules, servingDashboard } from "./content/observability.js";
import { runbooks } from "./content/runbooks.js";
import { buildSbom } from "./content/sbom.js";
import { collectProviders, mirrorInstructions } from "./content/terraform.js";
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
import { type BundleItem, contentTypeOf, listFiles, refuseSecrets, textItemsFrom } from "./items.js";
import { SIGNATURE_ALGORITHM, type SigningKey } from "./keys.js";
import { ARCHIVE_CONTROL_ORDER } from "./read.js";
import type { TrainingRecipe } from "./recipe/schema.js";
import { KeyScanner, refuseKeyMaterial } from "./secrets.js";
import { readTar } from "./tar-read.js";
import { type ByteSink, type TarEntry, writeTar } from "./tar-write.js";
import { ZstdSink } from "./zstd.js";
import { checkWeightsInputs } from "./weights-manifest.js";

/** Version written into bundles and the SBOM. */
export const KIT_VERSION = "0.1.0";

export type OutputFormat = "dir" | "tar" | "tar.zst";

export interface PackOptions {
  profile: CountryProfile;
  /**
   * The profile's bytes exactly as read and validated (never re-read from disk), stored verbatim
   * under `profile/`.
   */
  profileText: string | Buffer;
  /** cdktf output directory (`manifest.json`, `stacks/<cc>-<stack>/cdk.tf.json`). */
  synthDir: string;
  /** The recipe, validated against the profile, and the bytes it was validated from. Omitted: no recipe. */
  recipe?: { recipe: TrainingRecipe; text: string | Buffer };
  /**
   * Training hand-over files by path under `training/`: the job templates `sovereign train plan`
   * writes for the recipe, and the training guide. Omitted: none (no recipe or no training pool).
   */
  training?: Record<string, string>;
  /** Directory of Helm charts to package. Omitted: no charts. */
  chartsDir?: string;
  /** helm binary used to package charts (required when chartsDir holds a chart). */
  helm?: string;
  /** Directory of policy packs. Omitted: no policies. */
  policiesDir?: string;
  /** package-lock.json for the SBOM's npm components. Omitted: no npm components. */
  lockfile?: string;
  /** Weight files or directories, stored as raw blobs. */
  weights?: string[];
  /** Dataset files or directories, stored as raw blobs. */
  datasets?: string[];
  signingKey: SigningKey;
  /** Output: a directory, or a file ending in `.tar` or `.tar.zst`. */
  out: string;
  /** Seconds since the epoch written as every mtime and as the creation time. */
  sourceDateEpoch: number;
  /**
   * More text to scan for image references, e.g. the Kubernetes objects helm renders from the
   * stacks' local charts (`collectObjects`), so chart defaults are listed too. Not stored.
   */
  imageSources?: { path: string; text: string }[];
  /** Progress of long file operations (the CLI draws a bar on a TTY). */
  progress?: Progress;
  /** zstd binary for `.tar.zst` output. @default "zstd" from PATH (Debian package zstd) */
  zstd?: string;
  /**
   * Bundle sequence signed into the manifest; sites refuse anything below the last one they
   * accepted (`verify --min-sequence`). @default sourceDateEpoch, which grows with every commit
   */
  sequence?: number;
  /** How the output may replace what is there (inputs, `--force`). @default the safe default */
  output?: OutputOptions;
  /** Cap on each text input read from a directory (synth, policies). @default 16 MiB */
  inputLimit?: number;
}

/** One OCI layer as `inspect` and the pack report list it. */
export interface LayerSummary {
  title: string;
  kind: string;
  mediaType: string;
  digest: string;
  size: number;
}

export interface PackResult {
  out: string;
  format: OutputFormat;
  files: number;
  bytes: number;
  keyId: string;
  manifestSha256: string;
  layers: LayerSummary[];
}

export function outputFormatOf(out: string): OutputFormat {
  if (out.endsWith(".tar.zst")) return "tar.zst";
  if (out.endsWith(".tar")) return "tar";
  return "dir";
}

interface Blob {
  digest: string;
  size: number;
  source:
    | { kind: "bytes"; data: Buffer }
    | { kind: "file"; path: string; size: number; label: string; sha256: string };
}

interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
}

function artifactItems(paths: readonly string[], kind: "weights" | "dataset"): BundleItem[] {
  const out: BundleItem[] = [];
  const seen = new Set<string>();
  for (const p of paths) {
    let st: ReturnType<typeof statSync>;
    try {
      st = statSync(p);
    } catch {
      throw new InputError([
        {
          code: "file.unreadable",
          path: [],
          file: p,
          message: `${kind} path not found: ${p}`,
          hint: "check the path given to --weights/--dataset",
        },
      ]);
    }
    if (!st.isFile() && !st.isDirectory()) {
      throw new InputError([
        {
          code: "file.unreadable",
          path: [],
          file: p,
          message: `${kind} path ${p} is not a regular file or directory (device, FIFO or socket)`,
          hint: "pass regular files or directories of them",
        },
      ]);
    }
    const add = (file: string, title: string) => {
      if (seen.has(title)) {
        throw new InputError([
          {
            code: "bundle.duplicate",
            path: [],
            file,
            message: `two ${kind} inputs map to ${title}`,
            hint: "rename one of them",
          },
        ]);
      }
      seen.add(title);
      out.push({ title, kind, file, size: statSync(file).size });
    };
    const prefix = kind === "weights" ? "weights" : "datasets";
    if (st.isDirectory())
      for (const rel of listFiles(p, `${kind} directory ${p}`))
        add(join(p, rel), `${prefix}/${basename(resolve(p))}/${rel}`);
    else add(p, `${prefix}/${basename(p)}`);
  }
  return out;
}

/** Key material inside packaged charts, member by member (the archive itself is compressed). */
async function chartSecrets(title: string, tgz: Buffer): Promise<{ file: string; what: string }[]> {
  const found: { file: string; what: string }[] = [];
  const tar = gunzipSync(tgz, { maxOutputLength: 512 * 1024 * 1024 });
  await readTar(
    (async function* () {
      yield tar;
    })(),
    {
      onFile: (name, size) => {
        const scan = new KeyScanner();
        return {
          update: (c) => scan.update(c),
          end: () => {
            const what = scan.result(size);
            if (what) found.push({ file: `${title}:${name}`, what });
          },
        };
      },
    },
  );
  return found;
}

/** Everything the bundle holds, as logical files. Pure except for reading inputs and running helm. */
async function collectItems(
  o: PackOptions,
): Promise<{ items: BundleItem[]; artifacts: BundleItem[]; images: ReturnType<typeof collectImages> }> {
  const p = o.profile;
  const cc = p.metadata.name;
  const items: BundleItem[] = [];
  const text = (title: string, kind: BundleItem["kind"], body: string | Buffer) =>
    items.push({
      title,
      kind,
      text: Buffer.isBuffer(body) ? body : Buffer.from(body),
      contentType: contentTypeOf(title),
    });

  text(`profile/${cc}.yaml`, "profile", o.profileText);
  const synth = textItemsFrom(o.synthDir, "synth", "synth", `synth directory ${o.synthDir}`, o.inputLimit);
  items.push(...synth);
  const stackJson = synth
    .filter((i) => /^synth\/stacks\/[^/]+\/cdk\.tf\.json$/.test(i.title))
    .map((i) => ({
      stack: i.title.split("/")[2]!,
      json: JSON.parse((i as { text: Buffer }).text.toString("utf8")) as unknown,
    }));

  if (o.chartsDir) {
    const charts = packageCharts(o.chartsDir, o.helm ?? "helm", o.sourceDateEpoch);
    const secrets: { file: string; what: string }[] = [];
    for (const c of charts) {
      secrets.push(...(await chartSecrets(`charts/${c.file}`, c.data)));
      items.push({ title: `charts/${c.file}`, kind: "chart", raw: c.data, mediaType: MEDIA.chart });
    }
    refuseKeyMaterial(secrets);
  }
  if (o.policiesDir)
    items.push(
      ...textItemsFrom(o.policiesDir, "policies", "policy", `policies directory ${o.policiesDir}`, o.inputLimit),
    );
  const recipe = o.recipe?.recipe;
  if (o.recipe) text(`recipe/${o.recipe.recipe.metadata.name}.yaml`, "recipe", o.recipe.text);
  for (const [name, body] of Object.entries(o.training ?? {}).sort(([a], [b]) => a.localeCompare(b)))
    text(`training/${name}`, "training", body);

  const bundleName = `${cc}-operations`;
  for (const [name, body] of Object.entries(runbooks({ profile: p, recipe, bundleName })))
    text(`runbooks/${name}`, "runbook", body);
  text("observability/dashboards/gpu.json", "dashboard", jsonText(gpuDashboard(p)));
  text("observability/dashboards/serving.json", "dashboard", jsonText(servingDashboard(p)));
  text("observability/alerts/gpu.rules.yaml", "alert-rules", gpuAlertRules(p));
  text("observability/alerts/serving.rules.yaml", "alert-rules", servingAlertRules(p));

  const images = collectImages(
    p,
    recipe,
    synth.map((i) => ({
      path: i.title.slice("synth/".length),
      text: (i as { text: Buffer }).text.toString("utf8"),
    })),
  );
  text("images/images.txt", "images", images.map((i) => `${i.ref}\n`).join(""));
  text("images/images.json", "images", jsonText(images));
  const providers = collectProviders(stackJson);
  text("terraform/providers.json", "terraform", jsonText(providers));
  text("terraform/MIRROR.md", "terraform", mirrorInstructions(p, providers));

  await checkWeightsInputs(o.weights ?? []);
  const artifacts = [
    ...artifactItems(o.weights ?? [], "weights"),
    ...artifactItems(o.datasets ?? [], "dataset"),
  ];
  refuseSecrets(items);
  return { items, artifacts, images };
}

/**
 * Packs a bundle in stages: collect (read every input once, refuse key material) → hash (weights
 * streamed once: hashed, scanned and, for a directory, copied in the same read) → sign (the
 * checksum list, manifest and signature commit to digests known up front) → write (a temp tree
 * or archive beside the output, moved into place only when complete; an archive re-hashes every
 * weight as it streams it and refuses one that changed since it was hashed).
 */
export async function packBundle(o: PackOptions): Promise<PackResult> {
  const out = resolve(o.out);
  const format = outputFormatOf(out);
  checkOutput(out, format === "dir" ? "dir" : "file", { ...o.output, owned: bundleOwnedFiles });
  mkdirSync(dirname(out), { recursive: true });
  // Directory output copies weights into a private staging directory while they are hashed,
  // then renames them into the tree.
  const stage = format === "dir" ? makeTempDir(dirname(out), `${basename(out)}-stage`) : undefined;
  try {
    return await packInto(o, out, format, stage?.path);
  } finally {
    stage?.remove();
  }
}

/**
 * Which files of an existing bundle directory the kit wrote: its control files and everything
 * its checksum list names (a bundle directory cannot carry the output marker: verify refuses any
 * unlisted file).
 */
export function bundleOwnedFiles(dir: string): OwnedFiles | undefined {
  let text: string;
  try {
    const st = statSync(join(dir, CHECKSUMS_FILE));
    if (!st.isFile() || st.size > 32 * 1024 * 1024) return undefined;
    text = readFileSync(join(dir, CHECKSUMS_FILE), "utf8");
  } catch {
    return undefined;
  }
  const owned: OwnedFiles = new Map([
    [CHECKSUMS_FILE, undefined],
    [MANIFEST_FILE, undefined],
    [SIGNATURE_FILE, undefined],
  ]);
  for (const line of text.split("\n")) {
    const m = /^[0-9a-f]{64} {2}((?:index\.json|oci-layout|blobs\/sha256\/[0-9a-f]{64}))$/.exec(line);
    if (m) owned.set(m[1]!, undefined);
  }
  return owned;
}

/**
 * The hash stage: each weight or dataset file is read once, and every chunk is hashed, scanned
 * for key material and (directory output) written to a private staging copy. Any key material
 * found is refused, naming the file.
 */
async function hashArtifacts(
  artifacts: readonly BundleItem[],
  progress: Progress | undefined,
  stage: string | undefined,
): Promise<{
  hashed: { title: string; kind: "weights" | "dataset"; file: string; sha256: string; size: number }[];
  staged: Map<string, string>;
}> {
  const hashed: { title: string; kind: "weights" | "dataset"; file: string; sha256: string; size: number }[] = [];
  const staged = new Map<string, string>();
  const secrets: { file: string; what: string }[] = [];
  for (const [i, a] of artifacts.entries()) {
    if (!("file" in a)) continue;
    const scan = new KeyScanner();
    const copy = stage ? join(stage, String(i)) : undefined;
    const fh = copy
      ? await open(copy, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o644)
      : undefined;
    try {
      const { sha256, size } = await sha256File(a.file, progress, `hash ${a.title}`, async (chunk) => {
        scan.update(chunk);
        if (fh) await fh.write(chunk);
      });
      const what = scan.result(size);
      if (what) secrets.push({ file: a.file, what });
      hashed.push({ title: a.title, kind: a.kind, file: a.file, sha256, size });
    } finally {
      await fh?.close();
    }
    if (copy) staged.set(a.file, copy);
  }
  refuseKeyMaterial(secrets);
  return { hashed, staged };
}

async function packInto(
  o: PackOptions,
  out: string,
  format: OutputFormat,
  stage?: string,
): Promise<PackResult> {
  const created = new Date(o.sourceDateEpoch * 1000);
  const createdIso = created.toISOString().replace(/\.\d{3}Z$/, "Z");
  const { items, artifacts, images } = await collectItems(o);

  const blobs = new Map<string, Blob>();
  const layers: Descriptor[] = [];
  const summaries: LayerSummary[] = [];
  const artifactHashes: { title: string; sha256: string; size: number; kind: "weights" | "dataset" }[] = [];

  const addBlob = (b: Blob) => {
    if (!blobs.has(b.digest)) blobs.set(b.digest, b);
  };
  const addLayer = (
    title: string,
    kind: string,
    mediaType: string,
    blob: Blob,
    extra: Record<string, string> = {},
  ) => {
    addBlob(blob);
    layers.push({
      mediaType,
      digest: `sha256:${blob.digest}`,
      size: blob.size,
      annotations: { [ANNOTATION.title]: title, [ANNOTATION.kind]: kind, ...extra },
    });
    summaries.push({ title, kind, mediaType, digest: `sha256:${blob.digest}`, size: blob.size });
  };
  const bytesBlob = (data: Buffer): Blob => ({
    digest: sha256Hex(data),
    size: data.length,
    source: { kind: "bytes", data },
  });

  await checkpoint("pack:collected");
  const { hashed, staged } = await hashArtifacts(artifacts, o.progress, stage);
  for (const h of hashed) {
    artifactHashes.push({ title: h.title, sha256: h.sha256, size: h.size, kind: h.kind });
    addLayer(h.title, h.kind, h.kind === "weights" ? MEDIA.weights : MEDIA.dataset, {
      digest: h.sha256,
      size: h.size,
      source: { kind: "file", path: h.file, size: h.size, label: h.title, sha256: h.sha256 },
    });
  }
  await checkpoint("pack:hashed");

  const sbom = buildSbom({
    profile: o.profile,
    recipe: o.recipe?.recipe,
    images,
    lockfile: o.lockfile,
    artifacts: artifactHashes,
    created,
    kitVersion: KIT_VERSION,
  });
  items.push({
    title: "sbom/bom.cdx.json",
    kind: "sbom",
    text: Buffer.from(sbom),
    contentType: "application/vnd.cyclonedx+json",
  });

  for (const it of items) {
    if ("text" in it) {
      addLayer(it.title, it.kind, MEDIA.file, bytesBlob(gzipDeterministic(it.text)), {
        [ANNOTATION.contentType]: it.contentType,
        [ANNOTATION.contentDigest]: `sha256:${sha256Hex(it.text)}`,
      });
    } else if ("raw" in it) {
      addLayer(it.title, it.kind, it.mediaType, bytesBlob(it.raw));
    }
  }
  const order = layers
    .map((l, i) => [l, summaries[i]!] as const)
    .sort(([a], [b]) => {
      const ta = a.annotations![ANNOTATION.title]!;
      const tb = b.annotations![ANNOTATION.title]!;
      return ta < tb ? -1 : ta > tb ? 1 : 0;
    });
  const sortedLayers = order.map(([l]) => l);
  const sortedSummaries = order.map(([, s]) => s);

  const cc = o.profile.metadata.name;
  const config = jsonText({
    country: cc,
    displayName: o.profile.spec.displayName,
    created: createdIso,
    kitVersion: KIT_VERSION,
    profile: `profile/${cc}.yaml`,
    recipe: o.recipe
      ? {
          name: o.recipe.recipe.metadata.name,
          baseModel: `${o.recipe.recipe.spec.baseModel.name}@${o.recipe.recipe.spec.baseModel.revision}`,
          sources: o.recipe.recipe.spec.data.mixture.map((s) => ({
            id: s.id,
            licence: s.licence,
            legalBasis: s.legalBasis,
            sha256: s.provenance.sha256,
            weight: s.weight,
          })),
        }
      : null,
  });
  const configBlob = bytesBlob(config);
  addBlob(configBlob);
  const manifest = jsonText({
    schemaVersion: 2,
    mediaType: MEDIA.manifest,
    artifactType: MEDIA.artifact,
    config: { mediaType: MEDIA.config, digest: `sha256:${configBlob.digest}`, size: configBlob.size },
    layers: sortedLayers,
    annotations: { [ANNOTATION.created]: createdIso },
  });
  const manifestBlob = bytesBlob(manifest);
  addBlob(manifestBlob);
  const index = jsonText({
    schemaVersion: 2,
    mediaType: MEDIA.index,
    manifests: [
      {
        mediaType: MEDIA.manifest,
        artifactType: MEDIA.artifact,
        digest: `sha256:${manifestBlob.digest}`,
        size: manifestBlob.size,
        annotations: { [ANNOTATION.refName]: `${cc}-operations`, [ANNOTATION.created]: createdIso },
      },
    ],
  });
  const ociLayout = jsonText({ imageLayoutVersion: "1.0.0" });

  type Entry = { path: string; sha256: string; size: number; source: Blob["source"] };
  const files: Entry[] = [
    {
      path: "index.json",
      sha256: sha256Hex(index),
      size: index.length,
      source: { kind: "bytes" as const, data: index },
    },
    {
      path: "oci-layout",
      sha256: sha256Hex(ociLayout),
      size: ociLayout.length,
      source: { kind: "bytes" as const, data: ociLayout },
    },
    ...[...blobs.values()].map((b) => ({
      path: `blobs/sha256/${b.digest}`,
      sha256: b.digest,
      size: b.size,
      source: b.source,
    })),
  ].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const checksums = Buffer.from(files.map((f) => `${f.sha256}  ${f.path}\n`).join(""));
  const total = files.reduce((a, f) => a + f.size, 0);
  const bundleManifest: BundleManifest = {
    apiVersion: "sovereign.ai/v1alpha1",
    kind: "BundleManifest",
    country: cc,
    created: createdIso,
    kitVersion: KIT_VERSION,
    sequence: o.sequence ?? o.sourceDateEpoch,
    checksums: { path: CHECKSUMS_FILE, sha256: sha256Hex(checksums), files: files.length, bytes: total },
    index: { path: "index.json", sha256: sha256Hex(index) },
    signature: {
      algorithm: SIGNATURE_ALGORITHM,
      encoding: "base64-der",
      keyId: o.signingKey.keyId,
      path: SIGNATURE_FILE,
    },
  };
  const manifestBytes = jsonText(bundleManifest);
  const signature = Buffer.from(o.signingKey.sign(manifestBytes).toString("base64"));
  const control: Entry[] = [
    { path: CHECKSUMS_FILE, sha256: "", size: checksums.length, source: { kind: "bytes", data: checksums } },
    {
      path: MANIFEST_FILE,
      sha256: "",
      size: manifestBytes.length,
      source: { kind: "bytes", data: manifestBytes },
    },
    { path: SIGNATURE_FILE, sha256: "", size: signature.length, source: { kind: "bytes", data: signature } },
  ];
  const all = [...files, ...control].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));

  await checkpoint("pack:signed");
  let bytes: number;
  if (format === "dir") {
    await writeTreeAtomic(
      out,
      async (tmp) => {
      mkdirSync(join(tmp, "blobs", "sha256"), { recursive: true });
      for (const f of all) {
        const dest = join(tmp, f.path);
        const ready = f.source.kind === "file" ? staged.get(f.source.path) : undefined;
        if (f.source.kind === "bytes") writeFileSync(dest, f.source.data, { mode: 0o644, flag: "wx" });
        else if (ready) {
          // The staged copy is the very bytes that were hashed.
          renameSync(ready, dest);
          staged.delete(f.source.path);
        }
        // A second layer with the same weights file (deduplicated blob): copy the staged blob.
        else await copyFile(join(tmp, `blobs/sha256/${f.sha256}`), dest, constants.COPYFILE_EXCL);
        utimesSync(dest, o.sourceDateEpoch, o.sourceDateEpoch);
      }
      for (const d of ["blobs/sha256", "blobs", "."])
        utimesSync(join(tmp, d), o.sourceDateEpoch, o.sourceDateEpoch);
      },
      { ...o.output, owned: bundleOwnedFiles, marker: false, label: "pack" },
    );
    bytes = all.reduce((a, f) => a + f.size, 0);
  } else {
    // Control files first (manifest, signature, checksum list): a reader checks the signature and
    // learns how many bytes may follow before it reads a single blob.
    const rank = (name: string) => {
      const i = (ARCHIVE_CONTROL_ORDER as readonly string[]).indexOf(name);
      return i < 0 ? ARCHIVE_CONTROL_ORDER.length : i;
    };
    const entries: TarEntry[] = [
      { name: "blobs/", source: { kind: "dir" as const } },
      { name: "blobs/sha256/", source: { kind: "dir" as const } },
      ...all.map((f): TarEntry => ({ name: f.path, source: f.source })),
    ].sort((a, b) => rank(a.name) - rank(b.name) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    bytes = await writeArchiveAtomic(
      out,
      format,
      (sink) => writeTar(sink, entries, o.sourceDateEpoch, o.progress),
      o.zstd ?? "zstd",
    );
  }
  return {
    out,
    format,
    files: all.length,
    bytes,
    keyId: o.signingKey.keyId,
    manifestSha256: sha256Hex(manifestBytes),
    layers: sortedSummaries,
  };
}

class FileSink implements ByteSink {
  constructor(private readonly fh: Awaited<ReturnType<typeof open>>) {}
  async write(data: Uint8Array): Promise<void> {
    let off = 0;
    while (off < data.length) {
      const { bytesWritten } = await this.fh.write(data, off, data.length - off);
      off += bytesWritten;
    }
  }
  async writev(parts: Uint8Array[]): Promise<void> {
    const total = parts.reduce((a, p) => a + p.length, 0);
    const { bytesWritten } = await this.fh.writev(parts);
    if (bytesWritten === total) return;
    // Short write: finish the rest piece by piece.
    let skip = bytesWritten;
    for (const p of parts) {
      if (skip >= p.length) {
        skip -= p.length;
        continue;
      }
      await this.write(p.subarray(skip));
      skip = 0;
    }
  }
  async close(): Promise<void> {
    await this.fh.close();
  }
}

/**
 * Writes an archive into an exclusive private temp directory beside `out` (never through a planted
 * link, removed on failure or SIGINT/SIGTERM) and renames it into place only when complete.
 */
async function writeArchiveAtomic(
  out: string,
  format: "tar" | "tar.zst",
  body: (sink: ByteSink) => Promise<number>,
  zstd: string,
): Promise<number> {
  const dir = makeTempDir(dirname(out), basename(out));
  try {
    const tmp = join(dir.path, "archive");
    const fh = await open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o644);
    const file = new FileSink(fh);
    const sink = format === "tar" ? file : new ZstdSink(file, zstd);
    let n: number;
    try {
      n = await body(sink);
    } finally {
      await sink.close();
    }
    await checkpoint("pack:built");
    renameSync(tmp, out);
    return n;
  } finally {
    dir.remove();
  }
}

/** Reads a small text file, for callers that pass YAML text alongside the parsed value. */
export function readText(path: string): string {
  return readFileSync(path, "utf8");
}
