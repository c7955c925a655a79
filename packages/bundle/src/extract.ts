import { constants, copyFileSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { gunzipSync } from "node:zlib";
import { checkpoint, ExitCode, KitError, type OutputOptions, printable, writeTreeAtomic } from "@sovereign/diagnostics";
import { MEDIA } from "./format.js";
import type { Graph, GraphLayer } from "./graph.js";
import type { Progress } from "./hash.js";
import type { VerifyKey } from "./keys.js";
import type { BundleFiles } from "./read.js";
import { checkEntryName, readTar } from "./tar-read.js";
import { type VerifyExpectations, type VerifyReport, verifyAndRead } from "./verify.js";

/** Result of `bundle extract`: the verification, and the files written when it passed. */
export interface ExtractResult {
  report: VerifyReport;
  /** Paths written under the output directory (logical titles, plus unpacked chart files). */
  written: string[];
}

/** Largest text or chart layer unpacked (gzip can expand ~1000:1; a real one is a few MiB). */
const MAX_UNPACKED = 512 * 1024 * 1024;
/** Where blobs land while the bundle is read, inside the private temp tree. */
const BLOB_DIR = ".blobs";

class NotVerified extends Error {}

function gunzipBounded(data: Buffer, title: string): Buffer {
  try {
    return gunzipSync(data, { maxOutputLength: MAX_UNPACKED });
  } catch (e) {
    throw new KitError(`layer ${printable(title)} does not decompress within ${MAX_UNPACKED} bytes: ${(e as Error).message}`, ExitCode.Findings, {
      code: "bundle.layer_unpack",
      hint: "the layer is corrupt or not written by `sovereign bundle pack`; do not extract this bundle",
    });
  }
}

/** Writes a new file in the private tree; an existing name (a duplicate) is an error, never an overwrite. */
function writeNew(dest: string, data: Uint8Array): void {
  mkdirSync(dirname(dest), { recursive: true });
  writeFileSync(dest, data, { mode: 0o644, flag: "wx" });
}

/** Unpacks a helm chart archive through the same strict reader `verify` uses. */
async function unpackChart(tgz: Buffer, title: string, into: string, written: string[], root: string): Promise<void> {
  const tar = gunzipBounded(tgz, title);
  await readTar(
    (async function* () {
      yield tar;
    })(),
    {
      archiveSize: tar.length,
      onFile: (name) => {
        const parts: Buffer[] = [];
        return {
          update: (c) => parts.push(Buffer.from(c)),
          end: () => {
            const dest = join(into, name);
            writeNew(dest, Buffer.concat(parts));
            written.push(dest.slice(root.length + 1));
          },
        };
      },
    },
  );
}

/** Refuses layer titles that could leave the tree, collide, or shadow the kit's own bookkeeping. */
function checkTitles(layers: readonly GraphLayer[]): void {
  const seen = new Set<string>();
  for (const l of layers) {
    const bad = checkEntryName(l.title) ?? (l.title.startsWith(".") ? "hidden top-level name" : undefined);
    if (bad || seen.has(l.title))
      throw new KitError(`layer title ${JSON.stringify(printable(l.title))} refused: ${bad ?? "duplicate"}`, ExitCode.Findings, {
        code: "bundle.layer_title",
        hint: "the bundle was not written by `sovereign bundle pack`; do not extract it",
      });
    seen.add(l.title);
  }
}

/**
 * Writes the verified layers from the blobs read in the same pass: raw layers are moved (or
 * copied, when two titles share a blob) out of the private blob directory, text layers
 * decompressed, charts also unpacked under `charts/<name>/`.
 */
async function materialize(graph: Graph, files: BundleFiles, tmp: string): Promise<string[]> {
  checkTitles(graph.layers);
  const uses = new Map<string, number>();
  for (const l of graph.layers) uses.set(l.hex, (uses.get(l.hex) ?? 0) + 1);
  const written: string[] = [];
  for (const l of graph.layers) {
    const f = files.files.get(`blobs/sha256/${l.hex}`)!;
    const dest = join(tmp, l.title);
    if (l.mediaType === MEDIA.file) {
      writeNew(dest, gunzipBounded(f.content ?? readFileSync(f.written!), l.title));
    } else {
      mkdirSync(dirname(dest), { recursive: true });
      const left = uses.get(l.hex)! - 1;
      uses.set(l.hex, left);
      if (left === 0) renameSync(f.written!, dest);
      else copyFileSync(f.written!, dest, constants.COPYFILE_EXCL);
    }
    written.push(l.title);
  }
  for (const l of graph.layers.filter((x) => x.mediaType === MEDIA.chart))
    await unpackChart(readFileSync(join(tmp, l.title)), l.title, join(tmp, "charts"), written, tmp);
  return written;
}

/**
 * Verifies a bundle and extracts it in one pass: every file is read once, blobs are written into
 * a private temp tree as they are hashed, and only when the whole bundle verified are the layers
 * the verified manifest lists moved into place. Nothing is read again after verification (a bundle
 * swapped meanwhile cannot slip in), nothing is opened through a link, and nothing is written
 * when verification fails. The output follows the kit's output discipline (`output`).
 */
export async function extractBundle(
  path: string,
  key: VerifyKey,
  outDir: string,
  progress?: Progress,
  o: { expect?: VerifyExpectations; output?: OutputOptions } = {},
): Promise<ExtractResult> {
  let report: VerifyReport | undefined;
  let written: string[] = [];
  try {
    await writeTreeAtomic(
      outDir,
      async (tmp) => {
        const sink = join(tmp, BLOB_DIR);
        mkdirSync(sink, { mode: 0o700 });
        const r = await verifyAndRead(path, key, { progress, blobSink: sink, expect: o.expect });
        const { graph, ...rest } = r.report;
        report = rest;
        if (!rest.ok || !graph) throw new NotVerified();
        await checkpoint("extract:verified");
        written = await materialize(graph, r.files, tmp);
        rmSync(sink, { recursive: true, force: true });
      },
      { label: "extract", ...o.output },
    );
  } catch (e) {
    if (e instanceof NotVerified && report) return { report, written: [] };
    throw e;
  }
  written.sort();
  return { report: report!, written };
}
