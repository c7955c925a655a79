import { spawn } from "node:child_process";
import { createHash, type Hash } from "node:crypto";
import { closeSync, constants, lstatSync, openSync, readdirSync, statSync, writeSync } from "node:fs";
import { type FileHandle, open } from "node:fs/promises";
import { join } from "node:path";
import { InputError, printable, UsageError } from "@sovereign/diagnostics";
import { type BundleManifest, CHECKSUMS_FILE, MANIFEST_FILE, SIGNATURE_FILE } from "./format.js";
import { CHUNK, type Progress, readAhead } from "./hash.js";
import { readTar, TarSafetyError } from "./tar-read.js";
import { ZstdFrameChecker } from "./zstd.js";

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
            if (st.size > 64 * 1024 * 1024) o.progress?.(`verify ${r}`, done, st.size);
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

/** Resolves when the child's stdin drains or the child exits; removes both listeners either way. */
function drained(child: ReturnType<typeof spawn>): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      child.stdin!.off("drain", done);
      child.off("close", done);
      resolve();
    };
    child.stdin!.once("drain", done);
    child.once("close", done);
  });
}

/**
 * Decompresses through the zstd binary, fed from the open handle (the archive is never reopened
 * by name) after the frame structure is checked, byte for byte, on the way in.
 */
async function* zstdStream(fh: FileHandle, path: string): AsyncGenerator<Buffer> {
  const child = spawn("zstd", ["-q", "-d", "-c"], { stdio: ["pipe", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (d) => {
    stderr += d;
  });
  const exited = new Promise<number>((res, rej) => {
    child.on("error", rej);
    child.on("close", (code) => res(code ?? 1));
  });
  child.stdin.on("error", () => {
    // reported through the exit status
  });
  const frames = new ZstdFrameChecker();
  let frameError: string | undefined;
  const pump = (async () => {
    try {
      for await (const c of handleChunks(fh, () => {})) {
        frames.update(c);
        if (!child.stdin.write(Buffer.from(c))) await drained(child);
      }
      frames.end();
    } catch (e) {
      frameError = (e as Error).message;
      child.kill();
    } finally {
      child.stdin.end();
    }
  })();
  try {
    for await (const chunk of child.stdout) {
      if (frameError) break;
      yield chunk as Buffer;
    }
    await pump;
    if (frameError) throw new TarSafetyError("(zstd framing)", frameError);
    const code = await exited.catch((e: NodeJS.ErrnoException) => {
      throw new UsageError(`cannot run zstd to read ${path}: ${e.code ?? e.message}`, "install the Debian package zstd");
    });
    if (code !== 0)
      throw new TarSafetyError("(zstd)", `zstd could not decompress the archive (corrupt or truncated): ${printable(stderr.trim())}`);
  } finally {
    if (child.exitCode === null) child.kill();
  }
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

  /** Counts decompressed bytes against the cap. */
  async *counted(source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
    for await (const c of source) {
      this.stream += c.length;
      if (this.stream > this.streamCap)
        throw new TarSafetyError(
          "(archive)",
          `refused: expands past ${this.streamCap} bytes, more than ${MANIFEST_FILE} declares (decompression bomb or appended data)`,
        );
      yield c;
    }
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
    let done = 0;
    const source =
      kind === "tar"
        ? handleChunks(fh, (n) => {
            done += n;
            if (size > 64 * 1024 * 1024) o.progress?.(`verify ${path}`, done, size);
          })
        : zstdStream(fh, path);
    let controls = 0;
    await readTar(budget.counted(source), {
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
