import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import {
  closeSync,
  createReadStream,
  mkdirSync,
  openSync,
  readFileSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { copyFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { gunzipSync } from "node:zlib";
import { ExitCode, KitError, writeTreeAtomic } from "@sovereign/diagnostics";
import { ANNOTATION, MEDIA } from "./format.js";
import { CHUNK, type Progress } from "./hash.js";
import type { VerifyKey } from "./keys.js";
import { checkEntryName, readTar, type TarFileConsumer } from "./tar-read.js";
import { type VerifyReport, verifyAndRead } from "./verify.js";

interface Layer {
  title: string;
  mediaType: string;
  hex: string;
}

/** Result of `bundle extract`: the verification, and the files written when it passed. */
export interface ExtractResult {
  report: VerifyReport;
  /** Paths written under the output directory (logical titles, plus unpacked chart files). */
  written: string[];
}

async function* chunksOf(path: string, kind: "tar" | "tar.zst"): AsyncGenerator<Buffer> {
  if (kind === "tar") {
    for await (const c of createReadStream(path, { highWaterMark: CHUNK })) yield c as Buffer;
    return;
  }
  const child = spawn("zstd", ["-q", "-d", "-c", path], { stdio: ["ignore", "pipe", "ignore"] });
  for await (const c of child.stdout) yield c as Buffer;
}

/** Unpacks a helm chart archive through the same strict reader `verify` uses. */
async function unpackChart(tgz: Buffer, into: string, written: string[], root: string): Promise<void> {
  const tar = gunzipSync(tgz);
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
            mkdirSync(dirname(dest), { recursive: true });
            writeFileSync(dest, Buffer.concat(parts), { mode: 0o644 });
            written.push(dest.slice(root.length + 1));
          },
        };
      },
    },
  );
}

/**
 * Verifies a bundle and, only if it passes, writes its logical files (`synth/…`, `runbooks/…`,
 * `weights/…`) into `outDir`: text decompressed, weights copied as they are, charts also unpacked
 * under `charts/<name>/` so the stacks' relative chart paths resolve. Nothing is written when
 * verification fails; the tree appears atomically. Archive blobs are hashed again as they are
 * written, so a file swapped between the two reads is caught.
 */
export async function extractBundle(
  path: string,
  key: VerifyKey,
  outDir: string,
  progress?: Progress,
): Promise<ExtractResult> {
  const { report, files } = await verifyAndRead(path, key, progress);
  if (!report.ok) return { report, written: [] };
  const index = JSON.parse(files.files.get("index.json")!.content!.toString("utf8")) as {
    manifests: { digest: string }[];
  };
  const manifest = JSON.parse(
    files.files.get(`blobs/sha256/${index.manifests[0]!.digest.slice(7)}`)!.content!.toString("utf8"),
  ) as {
    layers: { mediaType: string; digest: string; annotations?: Record<string, string> }[];
  };
  const layers: Layer[] = manifest.layers.map((l) => ({
    title: l.annotations?.[ANNOTATION.title] ?? "",
    mediaType: l.mediaType,
    hex: l.digest.slice(7),
  }));
  const seen = new Set<string>();
  for (const l of layers) {
    const bad = checkEntryName(l.title);
    if (bad || seen.has(l.title))
      throw new KitError(`layer title ${JSON.stringify(l.title)} refused: ${bad ?? "duplicate"}`, ExitCode.Findings, {
        code: "bundle.layer_title",
        hint: "the bundle was not written by `sovereign bundle pack`; do not extract it",
      });
    seen.add(l.title);
  }
  const written: string[] = [];
  await writeTreeAtomic(outDir, async (tmp) => {
    const emit = (l: Layer, data: Buffer) => {
      const dest = join(tmp, l.title);
      mkdirSync(dirname(dest), { recursive: true });
      writeFileSync(dest, l.mediaType === MEDIA.file ? gunzipSync(data) : data, { mode: 0o644 });
      written.push(l.title);
    };
    const large = new Map<string, Layer[]>();
    for (const l of layers) {
      const f = files.files.get(`blobs/sha256/${l.hex}`)!;
      if (f.content) emit(l, f.content);
      else if (files.kind === "dir" && l.mediaType !== MEDIA.file) {
        const dest = join(tmp, l.title);
        mkdirSync(dirname(dest), { recursive: true });
        await copyFile(join(path, "blobs/sha256", l.hex), dest);
        written.push(l.title);
      } else if (files.kind === "dir") emit(l, readFileSync(join(path, "blobs/sha256", l.hex)));
      else large.set(`blobs/sha256/${l.hex}`, [...(large.get(`blobs/sha256/${l.hex}`) ?? []), l]);
    }
    if (large.size > 0 && files.kind !== "dir") {
      await readTar(chunksOf(path, files.kind), {
        onFile: (name): TarFileConsumer => {
          const targets = large.get(name);
          if (!targets) return { update: () => {}, end: () => {} };
          const h = createHash("sha256");
          const gz = targets[0]!.mediaType === MEDIA.file;
          const parts: Buffer[] = [];
          const fds = gz
            ? []
            : targets.map((l) => {
                const dest = join(tmp, l.title);
                mkdirSync(dirname(dest), { recursive: true });
                return openSync(dest, "w", 0o644);
              });
          return {
            update: (c) => {
              h.update(c);
              if (gz) parts.push(Buffer.from(c));
              else for (const fd of fds) writeSync(fd, c);
            },
            end: () => {
              for (const fd of fds) closeSync(fd);
              if (h.digest("hex") !== name.slice("blobs/sha256/".length)) {
                throw new KitError(`${name} changed between verification and extraction`, ExitCode.Findings, {
                  code: "bundle.changed_during_extract",
                  hint: "nothing else may write to the bundle while it is extracted; copy it somewhere private and retry",
                });
              }
              if (gz) for (const l of targets) emit(l, Buffer.concat(parts));
              else written.push(...targets.map((l) => l.title));
            },
          };
        },
      });
    }
    for (const l of layers.filter((x) => x.mediaType === MEDIA.chart)) {
      await unpackChart(readFileSync(join(tmp, l.title)), join(tmp, "charts"), written, tmp);
    }
  });
  written.sort();
  return { report, written };
}
