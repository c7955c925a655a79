import { spawn } from "node:child_process";
import { createHash, type Hash } from "node:crypto";
import { lstatSync, readdirSync, statSync } from "node:fs";
import { open } from "node:fs/promises";
import { join } from "node:path";
import { UsageError } from "@sovereign/diagnostics";
import { CHUNK, type Progress } from "./hash.js";
import { readTar, TarSafetyError } from "./tar-read.js";

/** Files kept in memory while reading a bundle: the control files and OCI JSON are all small. */
const KEEP_BYTES = 1024 * 1024;

/** One file found in a bundle. */
export interface FoundFile {
  size: number;
  /** Hex sha256 of the content (absent when reading without hashing). */
  sha256?: string;
  /** The content, for files up to 1 MiB. */
  content?: Buffer;
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

class Collector {
  readonly files = new Map<string, FoundFile>();
  consumer(name: string, size: number, hash: boolean) {
    const h: Hash | undefined = hash ? createHash("sha256") : undefined;
    const keep: Buffer[] | undefined = size <= KEEP_BYTES ? [] : undefined;
    let n = 0;
    return {
      update: (chunk: Buffer) => {
        h?.update(chunk);
        // Copy: the reader reuses or releases its chunks.
        keep?.push(Buffer.from(chunk));
        n += chunk.length;
      },
      end: () => {
        this.files.set(name, {
          size: n,
          sha256: h?.digest("hex"),
          content: keep ? Buffer.concat(keep) : undefined,
        });
      },
    };
  }
}

async function readDir(root: string, hash: boolean, progress?: Progress): Promise<BundleFiles> {
  const col = new Collector();
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
        await visit(r);
      } else if (!st.isFile())
        problems.push({ file: r, message: "special file (device, FIFO or socket) refused" });
      else {
        const c = col.consumer(r, st.size, hash);
        if (hash || st.size <= KEEP_BYTES) {
          const fh = await open(join(root, r), "r");
          try {
            const buf = Buffer.allocUnsafe(Math.min(CHUNK, Math.max(st.size, 1)));
            let done = 0;
            for (;;) {
              const { bytesRead } = await fh.read(buf, 0, buf.length, null);
              if (bytesRead === 0) break;
              c.update(buf.subarray(0, bytesRead));
              done += bytesRead;
              if (st.size > 64 * 1024 * 1024) progress?.(`verify ${r}`, done, st.size);
            }
          } finally {
            await fh.close();
          }
          c.end();
        } else col.files.set(r, { size: st.size });
      }
    }
  };
  await visit("");
  return { kind: "dir", files: col.files, dirs, problems };
}

async function* zstdStream(path: string): AsyncGenerator<Buffer> {
  const child = spawn("zstd", ["-q", "-d", "-c", path], { stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (d) => {
    stderr += d;
  });
  const exited = new Promise<number>((res, rej) => {
    child.on("error", rej);
    child.on("close", (code) => res(code ?? 1));
  });
  try {
    for await (const chunk of child.stdout) yield chunk as Buffer;
    const code = await exited.catch((e: NodeJS.ErrnoException) => {
      throw new UsageError(
        `cannot run zstd to read ${path}: ${e.code ?? e.message}`,
        "install the Debian package zstd",
      );
    });
    if (code !== 0)
      throw new TarSafetyError(
        path,
        `zstd could not decompress the archive (corrupt or truncated): ${stderr.trim()}`,
      );
  } finally {
    if (child.exitCode === null) child.kill();
  }
}

/**
 * Reads a file in chunks through one reused buffer. Safe because readTar consumes each chunk
 * completely (hashing, or copying what it keeps) before asking for the next.
 */
async function* fileChunks(path: string, onRead: (n: number) => void): AsyncGenerator<Buffer> {
  const fh = await open(path, "r");
  try {
    const buf = Buffer.allocUnsafe(CHUNK);
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, CHUNK, null);
      if (bytesRead === 0) return;
      onRead(bytesRead);
      yield buf.subarray(0, bytesRead);
    }
  } finally {
    await fh.close();
  }
}

async function readArchive(
  path: string,
  kind: "tar" | "tar.zst",
  hash: boolean,
  progress?: Progress,
): Promise<BundleFiles> {
  const col = new Collector();
  const dirs = new Set<string>();
  const problems: Problem[] = [];
  const size = statSync(path).size;
  let done = 0;
  const source =
    kind === "tar"
      ? fileChunks(path, (n) => {
          done += n;
          if (size > 64 * 1024 * 1024) progress?.(`verify ${path}`, done, size);
        })
      : zstdStream(path);
  try {
    await readTar(source, {
      archiveSize: kind === "tar" ? size : undefined,
      onFile: (name, n) => col.consumer(name, n, hash),
      onDir: (name) => dirs.add(name),
    });
  } catch (e) {
    if (e instanceof TarSafetyError)
      problems.push({ file: e.entry, message: e.message.slice(e.entry.length + 2) });
    else throw e;
  }
  return { kind, files: col.files, dirs, problems };
}

/** Opens a bundle directory, `.tar` or `.tar.zst` and reads every file (streaming), hashing when asked. */
export async function readBundle(
  path: string,
  opts: { hash: boolean; progress?: Progress },
): Promise<BundleFiles> {
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(path);
  } catch {
    throw new UsageError(
      `bundle not found: ${path}`,
      "pass a bundle directory, .tar or .tar.zst written by `sovereign bundle pack`",
    );
  }
  if (st.isDirectory()) return readDir(path, opts.hash, opts.progress);
  if (path.endsWith(".tar.zst") || path.endsWith(".zst"))
    return readArchive(path, "tar.zst", opts.hash, opts.progress);
  if (path.endsWith(".tar")) return readArchive(path, "tar", opts.hash, opts.progress);
  throw new UsageError(
    `${path} is neither a directory nor a .tar/.tar.zst file`,
    "pass the bundle as written by `sovereign bundle pack`",
  );
}
