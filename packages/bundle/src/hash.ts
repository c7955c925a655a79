import { createHash } from "node:crypto";
import { constants } from "node:fs";
import { open } from "node:fs/promises";
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
    const buf = Buffer.allocUnsafe(CHUNK);
    let size = 0;
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, CHUNK, null);
      if (bytesRead === 0) break;
      const chunk = buf.subarray(0, bytesRead);
      h.update(chunk);
      await each?.(chunk);
      size += bytesRead;
      progress?.(label, size, total);
    }
    return { sha256: h.digest("hex"), size };
  } finally {
    await fh.close();
  }
}
