import { createHash } from "node:crypto";
import { constants } from "node:fs";
import { type FileHandle, open } from "node:fs/promises";
import { InputError } from "@sovereign/diagnostics";

/** Chunk size for streaming reads: large enough that syscalls do not dominate hashing. */
export const CHUNK = 4 * 1024 * 1024;

/** Reports progress of a long operation on one file. */
export type Progress = (label: string, done: number, total: number) => void;

/** Hex sha256 of bytes. */
export function sha256Hex(data: Uint8Array | string): string {
  return createHash("sha256").update(data).digest("hex");
}

/**
 * Streams a file through sha256 without holding it in memory; one reused buffer, so memory stays
 * flat for multi-GiB weights. Regular files only (a FIFO or device is an InputError, exit 2).
 * `each` sees every chunk as it is hashed (a key scan, a copy): the file is read once for all.
 */
export async function sha256File(
  path: string,
  progress?: Progress,
  label = path,
  each?: (chunk: Buffer) => void | Promise<void>,
): Promise<{ sha256: string; size: number }> {
  const fh = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const st = await fh.stat();
    if (!st.isFile()) {
      throw new InputError([
        {
          code: "file.unreadable",
          path: [],
          file: path,
          message: `${path} is not a regular file (device, FIFO or socket)`,
          hint: "pass regular files only",
        },
      ]);
    }
    const total = st.size;
    const h = createHash("sha256");
    let size = 0;
    for await (const chunk of readAhead(fh)) {
      h.update(chunk);
      await each?.(chunk);
      size += chunk.length;
      progress?.(label, size, total);
    }
    return { sha256: h.digest("hex"), size };
  } finally {
    await fh.close();
  }
}

/**
 * Chunks of an open file, read one chunk ahead: the next read runs on the thread pool while the
 * caller hashes or writes the current chunk, so a hash pass costs the hashing, not hashing plus
 * read waits. Two buffers alternate: a chunk stays valid until the caller asks for the one after
 * next (callers that keep bytes copy them). Without `range` it reads from the handle's position to
 * the end of the file; with it, exactly `length` bytes from `from` (positional reads, which leave
 * the handle's position alone), and a file that ends early is reported by the shorter total.
 */
export async function* readAhead(
  fh: FileHandle,
  chunk = CHUNK,
  range?: { from: number; length: number },
): AsyncGenerator<Buffer> {
  const bufs = [Buffer.allocUnsafe(chunk), Buffer.allocUnsafe(chunk)];
  let turn = 0;
  let done = 0;
  const read = (buf: Buffer) =>
    range
      ? fh.read(buf, 0, Math.min(chunk, range.length - done), range.from + done)
      : fh.read(buf, 0, chunk, null);
  let next: Promise<{ bytesRead: number }> | undefined = read(bufs[0]!);
  try {
    for (;;) {
      const { bytesRead } = await next;
      next = undefined;
      if (bytesRead === 0) return;
      done += bytesRead;
      const current = bufs[turn]!;
      turn ^= 1;
      if (!range || done < range.length) next = read(bufs[turn]!);
      yield current.subarray(0, bytesRead);
      if (!next) return;
    }
  } finally {
    // A read still in flight when the caller stops must settle before the handle is closed.
    await next?.catch(() => undefined);
  }
}
