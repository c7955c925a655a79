import { mkdirSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { gunzipSync } from "node:zlib";
import { checkOutput, checkpoint, InputError, makeTempDir, type OutputOptions, type OwnedFiles } from "@sovereign/diagnostics";
import type { CountryProfile } from "@sovereign/profile";
import { packageCharts } from "./content/charts.js";
import { collectImages } from "./content/images.js";
import { gpuAlertRules, gpuDashboard, servingAlertRules, servingDashboard } from "./content/observability.js";
import { runbooks } from "./content/runbooks.js";
import { buildSbom } from "./content/sbom.js";
import { collectProviders, mirrorInstructions } from "./content/terraform.js";
import { CHECKSUMS_FILE, jsonText, MANIFEST_FILE, MEDIA, SIGNATURE_FILE } from "./format.js";
import { type Progress, sha256Hex } from "./hash.js";
import { type BundleItem, contentTypeOf, listFiles, refuseSecrets, textItemsFrom } from "./items.js";
import type { SigningKey } from "./keys.js";
import { type HashedArtifact, hashArtifacts, type LayerSummary, layoutBundle, signBundle } from "./pack-stages.js";
import { writeBundleArchive, writeBundleDir } from "./pack-write.js";
import type { TrainingRecipe } from "./recipe/schema.js";
import { KeyScanner, refuseKeyMaterial } from "./secrets.js";
import { readTar } from "./tar-read.js";
import { checkWeightsInputs } from "./weights-manifest.js";

export type { LayerSummary } from "./pack-stages.js";

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
 * Packs a bundle in stages: collect (read every input once, refuse key material) → hash (each
 * weights file read once, hashed and scanned; for a directory, the file is copied by the kernel
 * into a private staging directory and the copy is hashed as it lands) → layout and sign (the
 * checksum list, manifest and signature commit to digests known up front) → write (a temp tree
 * or archive beside the output, moved into place only when complete; the archive forms re-hash
 * every weight as they write it and refuse one that changed since it was hashed).
 */
export async function packBundle(o: PackOptions): Promise<PackResult> {
  const out = resolve(o.out);
  const format = outputFormatOf(out);
  checkOutput(out, format === "dir" ? "dir" : "file", { ...o.output, owned: bundleOwnedFiles });
  mkdirSync(dirname(out), { recursive: true });
  // A directory stages its weights (see hashArtifacts); an archive reads them in place.
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

/** The recipe as the OCI config summarises it. */
function recipeSummary(o: PackOptions): unknown {
  const r = o.recipe?.recipe;
  if (!r) return null;
  return {
    name: r.metadata.name,
    baseModel: `${r.spec.baseModel.name}@${r.spec.baseModel.revision}`,
    sources: r.spec.data.mixture.map((s) => ({
      id: s.id,
      licence: s.licence,
      legalBasis: s.legalBasis,
      sha256: s.provenance.sha256,
      weight: s.weight,
    })),
  };
}

/** The SBOM, which lists every weights and dataset digest, as one more text item. */
function sbomItem(o: PackOptions, images: ReturnType<typeof collectImages>, hashed: readonly HashedArtifact[], created: Date): BundleItem {
  const sbom = buildSbom({
    profile: o.profile,
    recipe: o.recipe?.recipe,
    images,
    lockfile: o.lockfile,
    artifacts: hashed.map((h) => ({ title: h.title, sha256: h.sha256, size: h.size, kind: h.kind })),
    created,
    kitVersion: KIT_VERSION,
  });
  return { title: "sbom/bom.cdx.json", kind: "sbom", text: Buffer.from(sbom), contentType: "application/vnd.cyclonedx+json" };
}

/** collect → hash → layout and sign → write; each stage is a function of the previous one's result. */
async function packInto(o: PackOptions, out: string, format: OutputFormat, stage?: string): Promise<PackResult> {
  const created = new Date(o.sourceDateEpoch * 1000);
  const createdIso = created.toISOString().replace(/\.\d{3}Z$/, "Z");
  const country = o.profile.metadata.name;
  const { items, artifacts, images } = await collectItems(o);
  await checkpoint("pack:collected");
  const hashed = await hashArtifacts(artifacts, o.progress, stage);
  await checkpoint("pack:hashed");
  const { files, layers } = layoutBundle(
    { country, displayName: o.profile.spec.displayName, createdIso, kitVersion: KIT_VERSION, recipe: recipeSummary(o) },
    [...items, sbomItem(o, images, hashed, created)],
    hashed,
  );
  const { all, manifestBytes } = signBundle(
    { country, createdIso, kitVersion: KIT_VERSION, sequence: o.sequence ?? o.sourceDateEpoch, signingKey: o.signingKey },
    files,
  );
  await checkpoint("pack:signed");
  const w = { out, sourceDateEpoch: o.sourceDateEpoch, progress: o.progress, zstd: o.zstd ?? "zstd", output: o.output, owned: bundleOwnedFiles };
  const staged = new Map(hashed.flatMap((h) => (h.staged ? [[h.file, h.staged] as const] : [])));
  const bytes = format === "dir" ? await writeBundleDir(w, all, staged) : await writeBundleArchive(w, all, format);
  return { out, format, files: all.length, bytes, keyId: o.signingKey.keyId, manifestSha256: sha256Hex(manifestBytes), layers };
}

/** Reads a small text file, for callers that pass YAML text alongside the parsed value. */
export function readText(path: string): string {
  return readFileSync(path, "utf8");
}
