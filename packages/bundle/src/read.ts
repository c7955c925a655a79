import { type ChildProcessByStdio, spawn, spawnSync } from "node:child_process";
import { createHash, type Hash } from "node:crypto";
import { closeSync, constants, lstatSync, openSync, readdirSync, readSync, statSync, writeSync } from "node:fs";
import type { Readable, Writable } from "node:stream";
import { type FileHandle, open } from "node:fs/promises";
import { join } from "node:path";
import { InputError, printable, UsageError } from "@sovereign/diagnostics";
import { type BundleManifest, CHECKSUMS_FILE, MANIFEST_FILE, SIGNATURE_FILE } from "./format.js";
import { CHUNK, type Progress, readAhead } from "./hash.js";
import { readTar, TarSafetyError } from "./tar-read.js";
import { type FrameRun, frameLayout } from "./zstd.js";

/** Inputs above this size report progress while they are read (smaller ones finish before a bar would show). */
const PROGRESS_MIN = 64 * 1024 * 1024;

/** Files kept in memory while reading a bundle: the control files and OCI JSON are all small. */
const KEEP_BYTES = 1024 * 1024;

/**
 * An archive starts with its control files, in this order, so a reader knows what is signed and
 * how many bytes the archive may hold before it reads a single blob.
 */
export const ARCHIVE_CONTROL_ORDER = [MANIFEST_FILE, SIGNATURE_FILE, CHECKSUMS_FILE] as const;
/** Largest control files accepted (far above what a bundle of any size writes). */
const CONTROL_MAX: Record<string, number> = {
  [MANIFEST_FILE]: 64 * 1024,
  [SIGNATURE_FILE]: 4 * 1024,
  [CHECKSUMS_FILE]: 32 * 1024 * 1024,
};
/** How much of a file is kept in memory: the checksum list whole (up to its cap), others to 1 MiB. */
function keepLimit(name: string): number {
  return name === CHECKSUMS_FILE ? CONTROL_MAX[CHECKSUMS_FILE]! : KEEP_BYTES;
}
const BLOCK = 512;
const RECORD = 20 * BLOCK;

/** One file found in a bundle. */
export interface FoundFile {
  size: number;
  /** Hex sha256 of the content (absent when reading without hashing). */
  sha256?: string;
  /** The content, for files up to 1 MiB. */
  content?: Buffer;
  /** Where the bytes were written as they were read (blobs, when a sink directory was given). */
  written?: string;
}

/** A problem with the bundle itself (not with its contents' integrity), naming the file. */
export interface Problem {
  file: string;
  message: string;
}

export interface BundleFiles {
  kind: "dir" | "tar" | "tar.zst";
  files: Map<string, FoundFile>;
  /** Directory entries (relative paths). */
  dirs: Set<string>;
  /** Structural problems: links, special files, unsafe archive members. Reading stops at an unsafe archive. */
  problems: Problem[];
}

export interface ReadOptions {
  hash: boolean;
  progress?: Progress;
  /**
   * A private directory (the caller's, created exclusively) where every blob's bytes are written
   * as they are read and hashed: extraction uses exactly the bytes verification hashed.
   */
  blobSink?: string;
  /**
   * Checks the control files of an archive as soon as they are read (the signature); a message
   * stops the read there. Omitted: the control files are taken as they are (inspect).
   */
  trust?: (manifest: Buffer, signature: Buffer) => string | undefined;
}

const BLOB = /^blobs\/sha256\/([0-9a-f]{64})$/;

class Collector {
  readonly files = new Map<string, FoundFile>();
  constructor(private readonly o: ReadOptions) {}

  consumer(name: string, size: number) {
    const h: Hash | undefined = this.o.hash ? createHash("sha256") : undefined;
    const keep: Buffer[] | undefined = size <= keepLimit(name) ? [] : undefined;
    const blob = this.o.blobSink ? BLOB.exec(name) : null;
    const dest = blob ? join(this.o.blobSink!, blob[1]!) : undefined;
    // Exclusive create: a name seen twice is a refused archive anyway, never an overwrite.
    const fd = dest
      ? openSync(dest, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600)
      : undefined;
    let n = 0;
    return {
      update: (chunk: Buffer) => {
        h?.update(chunk);
        // Copy: the reader reuses or releases its chunks.
        keep?.push(Buffer.from(chunk));
        if (fd !== undefined) {
          let off = 0;
          while (off < chunk.length) off += writeSync(fd, chunk, off, chunk.length - off);
        }
        n += chunk.length;
      },
      end: () => {
        if (fd !== undefined) closeSync(fd);
        this.files.set(name, {
          size: n,
          sha256: h?.digest("hex"),
          content: keep ? Buffer.concat(keep) : undefined,
          written: dest,
        });
      },
      abort: () => {
        if (fd !== undefined) closeSync(fd);
      },
    };
  }
}

/** Opens a regular file for reading without following a link; undefined (with a problem) otherwise. */
async function openRegular(path: string, rel: string, problems: Problem[]): Promise<FileHandle | undefined> {
  try {
    const fh = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    if ((await fh.stat()).isFile()) return fh;
    await fh.close();
    problems.push({ file: rel, message: "changed into a special file while read (refused)" });
  } catch (e) {
    problems.push({
      file: rel,
      message:
        (e as NodeJS.ErrnoException).code === "ELOOP"
          ? "symbolic link (refused: a bundle holds regular files only)"
          : `cannot be read (${(e as NodeJS.ErrnoException).code})`,
    });
  }
  return undefined;
}

async function readDir(root: string, o: ReadOptions): Promise<BundleFiles> {
  const col = new Collector(o);
  const dirs = new Set<string>();
  const problems: Problem[] = [];
  const visit = async (rel: string) => {
    for (const name of readdirSync(join(root, rel)).sort()) {
      const r = rel ? `${rel}/${name}` : name;
      const st = lstatSync(join(root, r));
      if (st.isSymbolicLink())
        problems.push({ file: r, message: "symbolic link (refused: a bundle holds regular files only)" });
      else if (st.isDirectory()) {
        dirs.add(r);
        if (dirs.size > 16) problems.push({ file: `${r}/`, message: "too many directories (a bundle has two)" });
        else await visit(r);
      } else if (!st.isFile()) problems.push({ file: r, message: "special file (device, FIFO or socket) refused" });
      else if (!o.hash && st.size > keepLimit(r)) col.files.set(r, { size: st.size });
      else {
        const fh = await openRegular(join(root, r), r, problems);
        if (!fh) continue;
        const c = col.consumer(r, st.size);
        try {
          let done = 0;
          for await (const chunk of readAhead(fh, Math.min(CHUNK, Math.max(st.size, 1)))) {
            c.update(chunk);
            done += chunk.length;
            if (st.size > PROGRESS_MIN) o.progress?.(`verify ${r}`, done, st.size);
          }
          c.end();
        } catch (e) {
          c.abort();
          throw e;
        } finally {
          await fh.close();
        }
      }
    }
  };
  await visit("");
  return { kind: "dir", files: col.files, dirs, problems };
}

/** Reads the archive through one open handle, one chunk ahead of the reader (see readAhead). */
async function* handleChunks(fh: FileHandle, onRead: (n: number) => void): AsyncGenerator<Buffer> {
  for await (const chunk of readAhead(fh)) {
    onRead(chunk.length);
    yield chunk;
  }
}

/** Decompressed bytes held from a zstd child before its output is paused (a decompression bomb waits). */
const DECODER_QUEUE = 8 * 1024 * 1024;

/**
 * One `zstd -d` process for a run of compressed frames: bytes go in with {@link write}, decoded
 * bytes come out of the same generator calls, so the child never blocks on a full output pipe
 * while this side waits for its input pipe to drain. Output beyond 8 MiB not yet taken pauses the
 * pipe. {@link finish} ends the input and yields the rest.
 */
class ZstdDecoder {
  private readonly child: ChildProcessByStdio<Writable | null, Readable, Readable>;
  private queue: Buffer[] = [];
  private queued = 0;
  private ended = false;
  private stderr = "";
  private wake: (() => void) | undefined;
  private readonly exited: Promise<number>;
  /** With a direct input: `dd`, which reads the run from the archive and writes zstd's input. */
  private readonly reader: ChildProcessByStdio<null, Readable, Readable> | undefined;
  private readonly readerExited: Promise<number> | undefined;
  private readerStderr = "";

  /**
   * Without `direct`, the bytes come in through {@link write}. With it (Linux), `dd` reads the
   * run's `length` bytes at `offset` from the archive's open file, reopened through
   * /proc/self/fd (the same file, never the path), straight into zstd: this process writes none of
   * them, which on a 1 GiB member saves about a second of its own copying.
   */
  constructor(
    private readonly path: string,
    direct?: { fd: number; offset: number; length: number },
  ) {
    if (direct) {
      const dd = spawn(
        "dd",
        ["if=/proc/self/fd/0", "iflag=skip_bytes,count_bytes", `skip=${direct.offset}`, `count=${direct.length}`, "bs=1M", "status=none"],
        { stdio: [direct.fd, "pipe", "pipe"] },
      ) as unknown as ChildProcessByStdio<null, Readable, Readable>;
      this.reader = dd;
      dd.stderr.on("data", (d) => {
        this.readerStderr += d;
      });
      this.readerExited = new Promise<number>((res, rej) => {
        dd.on("error", rej);
        dd.on("close", (code) => res(code ?? 1));
      });
      this.readerExited.catch(() => undefined);
      this.child = spawn("zstd", ["-q", "-d", "-c"], { stdio: [dd.stdout, "pipe", "pipe"] }) as unknown as ChildProcessByStdio<
        null,
        Readable,
        Readable
      >;
      // zstd holds its own copy of the pipe; this process never reads it.
      dd.stdout.destroy();
    } else this.child = spawn("zstd", ["-q", "-d", "-c"], { stdio: ["pipe", "pipe", "pipe"] });
    const poke = () => {
      const w = this.wake;
      this.wake = undefined;
      w?.();
    };
    this.child.stdout.on("data", (d: Buffer) => {
      this.queue.push(d);
      this.queued += d.length;
      if (this.queued > DECODER_QUEUE) this.child.stdout.pause();
      poke();
    });
    this.child.stdout.on("end", () => {
      this.ended = true;
      poke();
    });
    this.child.stderr.on("data", (d) => {
      this.stderr += d;
    });
    this.child.stdin?.on("error", () => {
      // reported through the exit status
    });
    this.exited = new Promise<number>((res, rej) => {
      this.child.on("error", (e) => {
        this.ended = true;
        poke();
        rej(e);
      });
      this.child.on("close", (code) => {
        this.ended = true;
        poke();
        res(code ?? 1);
      });
    });
    this.exited.catch(() => undefined);
  }

  /** Waits until `ready()` holds or something happens (output, drain, exit). */
  private wait(ready: () => boolean): Promise<void> {
    return new Promise<void>((r) => {
      this.wake = r;
      if (ready() || this.queue.length > 0 || this.ended) r();
    });
  }

  private *take(): Generator<Buffer> {
    while (this.queue.length > 0) {
      const d = this.queue.shift()!;
      this.queued -= d.length;
      if (this.queued <= DECODER_QUEUE) this.child.stdout.resume();
      yield d;
    }
  }

  async *write(bytes: Uint8Array): AsyncGenerator<Buffer> {
    const stdin = this.child.stdin!;
    // A copy: the caller's buffer is read into again while the pipe holds this one.
    if (stdin.write(Buffer.from(bytes))) return yield* this.take();
    let drained = false;
    const onDrain = () => {
      drained = true;
      this.wake?.();
    };
    stdin.once("drain", onDrain);
    try {
      while (!drained && !this.ended) {
        yield* this.take();
        await this.wait(() => drained);
      }
      yield* this.take();
    } finally {
      stdin.off("drain", onDrain);
    }
  }

  async *finish(): AsyncGenerator<Buffer> {
    this.child.stdin?.end();
    while (!this.ended) {
      yield* this.take();
      await this.wait(() => false);
    }
    yield* this.take();
    const code = await this.exited.catch((e: NodeJS.ErrnoException) => {
      throw new UsageError(`cannot run zstd to read ${this.path}: ${e.code ?? e.message}`, "install the Debian package zstd");
    });
    const readerCode = await this.readerExited?.catch((e: NodeJS.ErrnoException) => {
      throw new UsageError(`cannot run dd to read ${this.path}: ${e.code ?? e.message}`, "install the Debian package coreutils");
    });
    if (code !== 0)
      throw new TarSafetyError("(zstd)", `zstd could not decompress the archive (corrupt or truncated): ${printable(this.stderr.trim())}`);
    if (readerCode !== undefined && readerCode !== 0)
      throw new TarSafetyError("(zstd)", `dd could not read the archive: ${printable(this.readerStderr.trim())}`);
  }

  kill(): void {
    if (this.child.exitCode === null) this.child.kill();
    if (this.reader && this.reader.exitCode === null) this.reader.kill();
  }
}

/** zstd runs at least this long are read by the decoder itself (Linux, GNU dd): below it, one more process costs more than it saves. */
export const DIRECT_DECODE_MIN = 1024 * 1024;

/** How many zstd runs this process decoded each way (read by the tests). */
export const decodedRuns = { direct: 0, fed: 0 };

/**
 * Whether `dd --version` printed this is GNU coreutils' dd, whose `iflag=skip_bytes,count_bytes`
 * (since 8.16) and `status=none` (since 8.20) the direct decoder uses (upstream/coreutils-dd.json).
 * BusyBox's dd has them only in some builds, so any other dd leaves the runs fed from here.
 */
export function isGnuDd(versionOutput: string): boolean {
  return /^dd \((GNU )?coreutils\) \d/m.test(versionOutput);
}

let directDecode: boolean | undefined;
/** Linux with GNU dd, probed once per process. */
function canDecodeDirect(): boolean {
  directDecode ??= process.platform === "linux" && isGnuDd(spawnSync("dd", ["--version"], { encoding: "utf8" }).stdout ?? "");
  return directDecode;
}

/** The archive's size, and its identity and state: any change of `key` between two reads means it changed while it was read. */
async function fileState(fh: FileHandle): Promise<{ key: string; size: number }> {
  const st = await fh.stat({ bigint: true });
  return { key: [st.dev, st.ino, st.size, st.mtimeNs, st.ctimeNs].join(":"), size: Number(st.size) };
}

/** The stored frames' content of consecutive raw runs, read once over the range that holds them. */
async function* rawContent(fh: FileHandle, runs: readonly FrameRun[]): AsyncGenerator<Buffer> {
  const from = runs[0]!.offset;
  const last = runs.at(-1)!;
  let k = 0;
  let at = from;
  for await (const chunk of readAhead(fh, CHUNK, { from, length: last.offset + last.length - from })) {
    const end = at + chunk.length;
    while (k < runs.length && runs[k]!.offset < end) {
      const r = runs[k]!;
      const a = Math.max(r.offset, at);
      const b = Math.min(r.offset + r.length, end);
      if (b > a) yield chunk.subarray(a - at, b - at);
      if (r.offset + r.length > end) break;
      k++;
    }
    at = end;
  }
  if (at !== last.offset + last.length) throw new TarSafetyError("(zstd framing)", "the archive changed while it was read (it is shorter)");
}

/**
 * Decodes a `.tar.zst` read from the open handle (the archive is never reopened by name). Its
 * frame layout is walked and checked first, header by header ({@link frameLayout}: skippable,
 * unknown or dictionary frames, reserved bits and truncation are refused before anything is
 * decoded). Then, in order: the content of stored frames as the kit writes them (weights that do
 * not compress) is read here and needs no decoder; each run of other frames goes through one
 * `zstd -d`, fed from this process when short and read from the archive by `dd` when long (Linux
 * with GNU dd).
 * The archive's identity, size and times must be the same at the end as at the start: both reads
 * saw the same bytes. `afterLayout` is a test hook.
 */
export async function* zstdStream(fh: FileHandle, path: string, afterLayout?: () => Promise<void>): AsyncGenerator<Buffer> {
  const { key: before, size } = await fileState(fh);
  let runs: FrameRun[];
  try {
    runs = frameLayout((offset, length) => {
      const buf = Buffer.allocUnsafe(length);
      return buf.subarray(0, readSync(fh.fd, buf, 0, length, offset));
    }, size);
  } catch (e) {
    throw new TarSafetyError("(zstd framing)", (e as Error).message);
  }
  await afterLayout?.();
  let decoder: ZstdDecoder | undefined;
  try {
    for (let i = 0; i < runs.length; ) {
      const run = runs[i]!;
      if (run.kind === "raw") {
        let j = i;
        while (j < runs.length && runs[j]!.kind === "raw") j++;
        yield* rawContent(fh, runs.slice(i, j));
        i = j;
        continue;
      }
      if (run.length >= DIRECT_DECODE_MIN && canDecodeDirect()) {
        decoder = new ZstdDecoder(path, { fd: fh.fd, ...run });
        decodedRuns.direct++;
      } else {
        decoder = new ZstdDecoder(path);
        decodedRuns.fed++;
        for await (const chunk of readAhead(fh, CHUNK, { from: run.offset, length: run.length })) yield* decoder.write(chunk);
      }
      yield* decoder.finish();
      decoder = undefined;
      i++;
    }
  } finally {
    decoder?.kill();
  }
  if ((await fileState(fh)).key !== before)
    throw new TarSafetyError("(archive)", "the archive changed while it was read; verify it again once nothing writes to it");
}

/**
 * Limits an archive by what its manifest declares: the control files come first; once they are
 * read, the members may add up to `checksums.bytes` and the stream to that plus tar framing. A
 * 300 KiB archive that expands to 10 GiB stops at the first byte past its declared size.
 */
class ArchiveBudget {
  private seen = 0;
  private members = 0;
  private declared: number | undefined;
  private stream = 0;
  private streamCap = 3 * RECORD + Object.values(CONTROL_MAX).reduce((a, b) => a + b + 2 * BLOCK, 0);

  constructor(private readonly o: ReadOptions) {}

  /** Called for each file header, in order. */
  member(name: string, size: number): void {
    const i = this.members++;
    if (i < ARCHIVE_CONTROL_ORDER.length) {
      if (name !== ARCHIVE_CONTROL_ORDER[i])
        throw new TarSafetyError(
          name,
          `refused: an archive starts with ${ARCHIVE_CONTROL_ORDER.join(", ")} (found ${i === 0 ? "" : `${ARCHIVE_CONTROL_ORDER.slice(0, i).join(", ")}, then `}${printable(name)})`,
        );
      if (size > CONTROL_MAX[name]!) throw new TarSafetyError(name, `refused: ${size} bytes is too large for ${name}`);
      return;
    }
    this.seen += size;
    if (this.declared === undefined || this.seen > this.declared)
      throw new TarSafetyError(name, `refused: members add up to more than the ${this.declared} bytes ${MANIFEST_FILE} declares`);
  }

  /** Called once the control files are read. */
  controlRead(files: Map<string, FoundFile>): void {
    const m = files.get(MANIFEST_FILE)?.content;
    const sig = files.get(SIGNATURE_FILE)?.content;
    if (!m || !sig) throw new TarSafetyError(MANIFEST_FILE, "refused: control files missing");
    const untrusted = this.o.trust?.(m, sig);
    if (untrusted) throw new TarSafetyError(SIGNATURE_FILE, untrusted);
    let manifest: Partial<BundleManifest> | undefined;
    try {
      manifest = JSON.parse(m.toString("utf8")) as Partial<BundleManifest>;
    } catch {
      throw new TarSafetyError(MANIFEST_FILE, "is not valid JSON");
    }
    const c = manifest?.checksums;
    if (!c || !Number.isSafeInteger(c.bytes) || !Number.isSafeInteger(c.files) || c.bytes < 0 || c.files < 0)
      throw new TarSafetyError(MANIFEST_FILE, "does not declare the bundle's files and bytes");
    this.declared = c.bytes;
    const controlBytes = [...files.values()].reduce((a, f) => a + f.size, 0);
    // Every member: a header and up to a block of padding; plus two directories, the end marker and a record.
    this.streamCap = controlBytes + c.bytes + (c.files + 3 + 2) * 2 * BLOCK + 2 * BLOCK + RECORD;
  }

  /**
   * Counts decompressed bytes against the cap. `report`, when given, sees them against it once the
   * control files are read (a `.tar.zst`'s tar size is known only as that bound until its end),
   * and the final count as the total at the end.
   */
  async *counted(source: AsyncIterable<Buffer>, report?: (done: number, total: number) => void): AsyncGenerator<Buffer> {
    for await (const c of source) {
      this.stream += c.length;
      if (this.stream > this.streamCap)
        throw new TarSafetyError(
          "(archive)",
          `refused: expands past ${this.streamCap} bytes, more than ${MANIFEST_FILE} declares (decompression bomb or appended data)`,
        );
      if (this.declared !== undefined) report?.(this.stream, this.streamCap);
      yield c;
    }
    report?.(this.stream, this.stream);
  }
}

async function openArchive(path: string): Promise<FileHandle> {
  let fh: FileHandle;
  try {
    fh = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    throw new UsageError(`cannot read bundle ${path}: ${(e as NodeJS.ErrnoException).code}`, "pass the bundle as written by `sovereign bundle pack`");
  }
  if (!(await fh.stat()).isFile()) {
    await fh.close();
    throw new InputError([
      { code: "file.unreadable", path: [], file: path, message: `bundle ${path} is not a regular file`, hint: "pass a bundle directory, .tar or .tar.zst" },
    ]);
  }
  return fh;
}

async function readArchive(path: string, kind: "tar" | "tar.zst", o: ReadOptions): Promise<BundleFiles> {
  const col = new Collector(o);
  const dirs = new Set<string>();
  const problems: Problem[] = [];
  const fh = await openArchive(path);
  const budget = new ArchiveBudget(o);
  try {
    const size = (await fh.stat()).size;
    const report = (done: number, total: number) => {
      if (total > PROGRESS_MIN) o.progress?.(`verify ${path}`, done, total);
    };
    let done = 0;
    // A .tar reports the archive bytes read; a .tar.zst the bytes decompressed (budget.counted).
    const source =
      kind === "tar"
        ? handleChunks(fh, (n) => {
            done += n;
            report(done, size);
          })
        : zstdStream(fh, path);
    let controls = 0;
    await readTar(budget.counted(source, kind === "tar.zst" ? report : undefined), {
      archiveSize: kind === "tar" ? size : undefined,
      recordEnd: RECORD,
      onFile: (name, n) => {
        budget.member(name, n);
        const c = col.consumer(name, n);
        return {
          update: c.update,
          end: () => {
            c.end();
            if (++controls === ARCHIVE_CONTROL_ORDER.length) budget.controlRead(col.files);
          },
        };
      },
      onDir: (name) => dirs.add(name),
    });
  } catch (e) {
    if (e instanceof TarSafetyError)
      problems.push({ file: printable(e.entry), message: printable(e.message.slice(e.entry.length + 2)) });
    else throw e;
  } finally {
    await fh.close();
  }
  return { kind, files: col.files, dirs, problems };
}

/** Opens a bundle directory, `.tar` or `.tar.zst` and reads every file once (streaming), hashing when asked. */
export async function readBundle(path: string, opts: ReadOptions): Promise<BundleFiles> {
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(path);
  } catch {
    throw new UsageError(
      `bundle not found: ${path}`,
      "pass a bundle directory, .tar or .tar.zst written by `sovereign bundle pack`",
    );
  }
  if (st.isDirectory()) return readDir(path, opts);
  if (path.endsWith(".tar.zst") || path.endsWith(".zst")) return readArchive(path, "tar.zst", opts);
  if (path.endsWith(".tar")) return readArchive(path, "tar", opts);
  throw new UsageError(
    `${path} is neither a directory nor a .tar/.tar.zst file`,
    "pass the bundle as written by `sovereign bundle pack`",
  );
}
