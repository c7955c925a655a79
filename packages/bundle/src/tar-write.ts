import { createHash } from "node:crypto";
import { open } from "node:fs/promises";
import { ExitCode, KitError } from "@sovereign/diagnostics";
import { CHUNK, type Progress, readAhead } from "./hash.js";

/**
 * A deterministic ustar writer: entries in the caller's order, fixed mtime, uid/gid 0, empty
 * owner names, modes 0644/0755. Sizes of 8 GiB and more use the GNU base-256 size field, which GNU
 * tar, bsdtar and node-tar read.
 */

/** Where archive bytes go: a file, or a zstd writer. */
export interface ByteSink {
  /** Writes bytes; the buffer may be reused by the caller once the promise settles. */
  write(data: Uint8Array): Promise<void>;
  /**
   * Optional: bytes of a file member that must not be recompressed (weights, datasets); `last`
   * marks the member's final chunk. Sinks without it receive those bytes through `write`. As with
   * `write`, the caller reuses the buffer once the promise settles.
   */
  writeRaw?(data: Uint8Array, last: boolean): Promise<void>;
  /**
   * Optional: called before the chunks of a file member go to `writeRaw`, with the input file, so
   * the sink can choose how to encode them (a `.tar.zst` samples the file: stored or compressed).
   */
  startMember?(path: string, size: number): Promise<void>;
  /** Optional gathered write (one syscall for many small pieces). */
  writev?(parts: Uint8Array[]): Promise<void>;
  /**
   * Optional: appends a whole file member without passing its bytes through this process (a
   * kernel-side copy), then checks the appended bytes against `sha256`, refusing a changed file.
   * Used for members with a known digest; `progress` sees the bytes checked so far.
   */
  copyFrom?(path: string, size: number, sha256: string, progress: (done: number) => void): Promise<void>;
  close(): Promise<void>;
}

/** A weights or dataset file that changed between its hash and its write: refused, nothing written. */
export const inputChanged = (path: string, what: string) =>
  new KitError(`${path} ${what} while it was being packed (the archive would not match the digest that was signed); nothing was written`, ExitCode.BadInput, {
    code: "bundle.input_changed",
    hint: "pack again once nothing writes to the weights or dataset files",
  });

const BLOCK = 512;
const RECORD = 20 * BLOCK;
const OCTAL_SIZE_MAX = 0o77777777777;

function putString(h: Buffer, off: number, len: number, s: string): void {
  const b = Buffer.from(s, "utf8");
  if (b.length > len) throw new Error(`tar field too long: ${s}`);
  b.copy(h, off);
}

function putOctal(h: Buffer, off: number, len: number, n: number): void {
  putString(h, off, len, `${n.toString(8).padStart(len - 1, "0")}\0`);
}

function putSize(h: Buffer, off: number, n: number): void {
  if (n <= OCTAL_SIZE_MAX) {
    putOctal(h, off, 12, n);
    return;
  }
  h[off] = 0x80;
  let v = BigInt(n);
  for (let i = off + 11; i > off; i--) {
    h[i] = Number(v & 0xffn);
    v >>= 8n;
  }
}

/** One 512-byte ustar header. Names over 100 bytes are split into prefix/name at a slash. */
export function tarHeader(name: string, size: number, type: "file" | "dir", mtime: number): Buffer {
  const h = Buffer.alloc(BLOCK);
  let prefix = "";
  let base = name;
  if (Buffer.byteLength(name) > 100) {
    const cut = name.lastIndexOf("/", 155);
    if (cut <= 0 || Buffer.byteLength(name.slice(cut + 1)) > 100)
      throw new Error(`path too long for ustar: ${name}`);
    prefix = name.slice(0, cut);
    base = name.slice(cut + 1);
  }
  putString(h, 0, 100, base);
  putOctal(h, 100, 8, type === "dir" ? 0o755 : 0o644);
  putOctal(h, 108, 8, 0);
  putOctal(h, 116, 8, 0);
  putSize(h, 124, type === "dir" ? 0 : size);
  putOctal(h, 136, 12, mtime);
  h.fill(0x20, 148, 156);
  h[156] = type === "dir" ? 0x35 : 0x30;
  putString(h, 257, 6, "ustar\0");
  putString(h, 263, 2, "00");
  putOctal(h, 329, 8, 0);
  putOctal(h, 337, 8, 0);
  putString(h, 345, 155, prefix);
  let sum = 0;
  for (const b of h) sum += b;
  putString(h, 148, 8, `${sum.toString(8).padStart(6, "0")}\0 `);
  return h;
}

/** Content of one tar entry. */
export type TarSource =
  | { kind: "dir" }
  | { kind: "bytes"; data: Uint8Array }
  | {
      kind: "file";
      path: string;
      size: number;
      label?: string;
      /** Digest the file had when it was hashed: streamed bytes are hashed again and must match. */
      sha256?: string;
    };

export interface TarEntry {
  name: string;
  source: TarSource;
}

/** Streams entries into the sink, then the two zero blocks and padding to a 10 KiB record. */
export async function writeTar(
  sink: ByteSink,
  entries: readonly TarEntry[],
  mtime: number,
  progress?: Progress,
): Promise<number> {
  let written = 0;
  const emit = async (b: Uint8Array) => {
    await sink.write(b);
    written += b.length;
  };
  const pad = async (n: number) => {
    const r = n % BLOCK;
    if (r !== 0) await emit(Buffer.alloc(BLOCK - r));
  };
  for (const e of entries) {
    const src = e.source;
    if (src.kind === "dir") {
      await emit(tarHeader(e.name.endsWith("/") ? e.name : `${e.name}/`, 0, "dir", mtime));
    } else if (src.kind === "bytes") {
      await emit(tarHeader(e.name, src.data.length, "file", mtime));
      await emit(src.data);
      await pad(src.data.length);
    } else if (sink.copyFrom && src.sha256) {
      await emit(tarHeader(e.name, src.size, "file", mtime));
      await sink.copyFrom(src.path, src.size, src.sha256, (done) => progress?.(src.label ?? e.name, done, src.size));
      written += src.size;
      await pad(src.size);
    } else {
      await emit(tarHeader(e.name, src.size, "file", mtime));
      const fh = await open(src.path, "r");
      try {
        let done = 0;
        const again = src.sha256 ? createHash("sha256") : undefined;
        if (sink.writeRaw && src.size > 0) await sink.startMember?.(src.path, src.size);
        // One chunk read ahead into two reused buffers: every sink is done with a chunk when its
        // write settles, and a fresh multi-MiB buffer per chunk would cost a page fault per 4 KiB.
        const range = { from: 0, length: src.size };
        for await (const chunk of readAhead(fh, Math.max(1, Math.min(CHUNK, src.size)), range)) {
          done += chunk.length;
          // The write is handed to the thread pool (or zstd's pipe) first and the same bytes are
          // hashed here while it runs: both only read the chunk, and it is not reused before the
          // write settles. A chunk then costs the longer of the two, not their sum.
          const writing = sink.writeRaw ? sink.writeRaw(chunk, done === src.size) : emit(chunk);
          try {
            again?.update(chunk);
          } finally {
            await writing;
          }
          if (sink.writeRaw) written += chunk.length;
          progress?.(src.label ?? e.name, done, src.size);
        }
        if (done < src.size) throw inputChanged(src.path, "shrank");
        if (again && again.digest("hex") !== src.sha256) throw inputChanged(src.path, "changed");
      } finally {
        await fh.close();
      }
      await pad(src.size);
    }
  }
  await emit(Buffer.alloc(2 * BLOCK));
  const r = written % RECORD;
  if (r !== 0) await emit(Buffer.alloc(RECORD - r));
  return written;
}
