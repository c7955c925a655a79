import { type ChildProcess, spawn } from "node:child_process";
import { constants, mkdirSync, renameSync, utimesSync, writeFileSync } from "node:fs";
import { copyFile, type FileHandle, open } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { checkpoint, makeTempDir, type OutputOptions, type OwnedFiles, writeTreeAtomic } from "@sovereign/diagnostics";
import { followAppend, kernelCopy } from "./copy.js";
import { chunksOf, hashInOrder, type Progress } from "./hash.js";
import type { BundleEntry } from "./pack-stages.js";
import { ARCHIVE_CONTROL_ORDER } from "./read.js";
import { type ByteSink, inputChanged, type TarEntry, writeTar } from "./tar-write.js";
import { ZstdSink } from "./zstd.js";

/** What the write stage needs besides the files. */
export interface WriteInput {
  out: string;
  sourceDateEpoch: number;
  progress?: Progress;
  zstd: string;
  output?: OutputOptions;
  owned: (dir: string) => OwnedFiles | undefined;
}

/**
 * The write stage for a directory: a private temp tree moved into place when complete. Weights
 * are not copied again: their staged copies (the hashed bytes) are renamed into the tree.
 */
export async function writeBundleDir(w: WriteInput, all: readonly BundleEntry[], staged: Map<string, string>): Promise<number> {
  const stamp = (p: string) => utimesSync(p, w.sourceDateEpoch, w.sourceDateEpoch);
  await writeTreeAtomic(
    w.out,
    async (tmp) => {
      mkdirSync(join(tmp, "blobs", "sha256"), { recursive: true });
      for (const f of all) {
        const dest = join(tmp, f.path);
        const ready = f.source.kind === "file" ? staged.get(f.source.path) : undefined;
        if (f.source.kind === "bytes") writeFileSync(dest, f.source.data, { mode: 0o644, flag: "wx" });
        else if (ready) {
          renameSync(ready, dest);
          staged.delete(f.source.path);
        }
        // A second input with the same bytes as a staged one shares its blob; never reached for
        // a blob listed once, kept so a missing staged copy is an error rather than a gap.
        else await copyFile(join(tmp, `blobs/sha256/${f.sha256}`), dest, constants.COPYFILE_EXCL);
        stamp(dest);
      }
      for (const d of ["blobs/sha256", "blobs", "."]) stamp(join(tmp, d));
    },
    { ...w.output, owned: w.owned, marker: false, label: "pack" },
  );
  return all.reduce((a, f) => a + f.size, 0);
}

/**
 * The write stage for an archive: control files first (manifest, signature, checksum list), so a
 * reader checks the signature and learns how many bytes may follow before it reads a blob; then
 * the two directories and every file by path.
 */
export async function writeBundleArchive(w: WriteInput, all: readonly BundleEntry[], format: "tar" | "tar.zst"): Promise<number> {
  const rank = (name: string) => {
    const i = (ARCHIVE_CONTROL_ORDER as readonly string[]).indexOf(name);
    return i < 0 ? ARCHIVE_CONTROL_ORDER.length : i;
  };
  const entries: TarEntry[] = [
    { name: "blobs/", source: { kind: "dir" as const } },
    { name: "blobs/sha256/", source: { kind: "dir" as const } },
    ...all.map((f): TarEntry => ({ name: f.path, source: f.source })),
  ].sort((a, b) => rank(a.name) - rank(b.name) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return writeArchiveAtomic(w.out, format, (sink) => writeTar(sink, entries, w.sourceDateEpoch, w.progress), w.zstd);
}

class FileSink implements ByteSink {
  /** Bytes written so far: the archive is written front to back, so also the file's size. */
  private at = 0;
  constructor(private readonly fh: FileHandle) {}

  async write(data: Uint8Array): Promise<void> {
    let off = 0;
    while (off < data.length) {
      const { bytesWritten } = await this.fh.write(data, off, data.length - off);
      off += bytesWritten;
    }
    this.at += data.length;
  }

  async writev(parts: Uint8Array[]): Promise<void> {
    const total = parts.reduce((a, p) => a + p.length, 0);
    const { bytesWritten } = await this.fh.writev(parts);
    this.at += bytesWritten;
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

  /**
   * Appends a whole input file with a kernel-side copy and, while the kernel copies, reads the
   * appended bytes back (from the page cache) as they land and hashes them: the copy (in `cat`,
   * on another core) and the check overlap. The result must match the digest that was signed: a
   * file that grew, shrank or changed since the hash stage is refused.
   */
  async copyFrom(path: string, size: number, sha256: string, progress: (done: number) => void): Promise<void> {
    const src = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
    let copying: Promise<void> | undefined;
    try {
      if (!(await src.stat()).isFile()) throw inputChanged(path, "became a special file");
      copying = kernelCopy(src, this.fh, path);
      copying.catch(() => undefined); // reported by the check's last read, or awaited below
      const seen = await hashInOrder(chunksOf(followAppend(this.fh, copying, this.at, size)), undefined, progress);
      await copying;
      const end = (await this.fh.stat()).size;
      if (end !== this.at + size) throw inputChanged(path, `changed size (${end - this.at} bytes, not ${size})`);
      if (seen.size !== size || seen.sha256 !== sha256) throw inputChanged(path, "changed");
      this.at = end;
    } finally {
      await copying?.catch(() => undefined);
      await src.close();
    }
  }

  /**
   * Runs a process whose stdout is this file: it writes at the shared file offset, after every
   * byte written so far. `settled` (called once it exited) moves the count to the file's new end.
   */
  spawnInto(cmd: string, args: string[]): { child: ChildProcess; settled: () => Promise<void> } {
    const child = spawn(cmd, args, { stdio: ["pipe", this.fh.fd, "pipe"] });
    return {
      child,
      settled: async () => {
        this.at = (await this.fh.stat()).size;
      },
    };
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
    // Read and write: the tar form reads back what the kernel copied, to check it.
    const fh = await open(tmp, constants.O_RDWR | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o644);
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
