import { type ChildProcess, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { constants, mkdirSync, renameSync, utimesSync, writeFileSync } from "node:fs";
import { copyFile, type FileHandle, open } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { checkpoint, ExitCode, KitError, makeTempDir, type OutputOptions, type OwnedFiles, writeTreeAtomic } from "@sovereign/diagnostics";
import { CHUNK, type Progress, readAhead } from "./hash.js";
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

/**
 * Copies from one open file to another at their current positions with `cat`, which GNU coreutils
 * (9.0 and later) does with copy_file_range: the bytes move inside the kernel, never through this
 * process. Resolves false when `cat` cannot be started (the caller copies in user space).
 */
function kernelCopy(from: number, to: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const child = spawn("cat", [], { stdio: [from, to, "pipe"] });
    let err = "";
    child.stderr!.on("data", (d) => {
      err += d;
    });
    child.on("error", () => resolve(false));
    child.on("close", (code) => {
      if (code === 0) resolve(true);
      else
        reject(
          new KitError(`copying weights into the archive failed: ${err.trim()}`, ExitCode.BadInput, {
            code: "bundle.copy_failed",
            hint: "check the free space and permissions beside the output; nothing was written",
          }),
        );
    });
  });
}

/**
 * Hashes `length` bytes of `fh` from `from` while another writer (`copying`) is still appending
 * them: reads return what has landed so far (one chunk read ahead while the previous is hashed);
 * at the current end it waits for more until the writer settles. Returns how many bytes it saw
 * (fewer than `length` when the writer stopped short) and their digest.
 */
async function followAppend(
  fh: FileHandle,
  from: number,
  length: number,
  copying: Promise<void>,
  progress: (done: number) => void,
): Promise<{ done: number; digest: string }> {
  let settled = false;
  const over = copying.then(
    () => {
      settled = true;
    },
    () => {
      settled = true;
    },
  );
  const h = createHash("sha256");
  const bufs = [Buffer.allocUnsafe(CHUNK), Buffer.allocUnsafe(CHUNK)];
  let turn = 0;
  let done = 0;
  const read = (buf: Buffer) => fh.read(buf, 0, Math.min(CHUNK, length - done), from + done);
  while (done < length) {
    const wasSettled = settled;
    let { bytesRead } = await read(bufs[turn]!);
    while (bytesRead > 0) {
      const current = bufs[turn]!.subarray(0, bytesRead);
      done += bytesRead;
      turn ^= 1;
      const next = done < length ? read(bufs[turn]!) : undefined;
      h.update(current);
      progress(done);
      bytesRead = next ? (await next).bytesRead : 0;
    }
    if (done >= length || wasSettled) break;
    // At the end of what has landed: wait for the writer to add more, or to finish.
    await Promise.race([over, new Promise((r) => setTimeout(r, 2))]);
  }
  return { done, digest: h.digest("hex") };
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
      copying = kernelCopy(src.fd, this.fh.fd).then(async (ok) => {
        if (!ok) for await (const chunk of readAhead(src)) await this.fh.write(chunk, 0, chunk.length);
      });
      const { done, digest } = await followAppend(this.fh, this.at, size, copying, progress);
      await copying;
      const end = (await this.fh.stat()).size;
      if (end !== this.at + size) throw inputChanged(path, `changed size (${end - this.at} bytes, not ${size})`);
      if (done !== size || digest !== sha256) throw inputChanged(path, "changed");
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
