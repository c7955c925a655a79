import { createHash } from "node:crypto";
import { open } from "node:fs/promises";

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
 * flat for multi-GiB weights.
 */
export async function sha256File(
  path: string,
  progress?: Progress,
  label = path,
): Promise<{ sha256: string; size: number }> {
  const fh = await open(path, "r");
  try {
    const total = (await fh.stat()).size;
    const h = createHash("sha256");
    const buf = Buffer.allocUnsafe(CHUNK);
    let size = 0;
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, CHUNK, null);
      if (bytesRead === 0) break;
      h.update(buf.subarray(0, bytesRead));
      size += bytesRead;
      progress?.(label, size, total);
    }
    return { sha256: h.digest("hex"), size };
  } finally {
    await fh.close();
  }
}
