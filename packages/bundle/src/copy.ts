import { spawn } from "node:child_process";
import { constants } from "node:fs";
import { type FileHandle, open } from "node:fs/promises";
import { ExitCode, KitError } from "@sovereign/diagnostics";
import { type ChunkRead, chunksOf, hashBesideWork, hashInOrder, openRegular, PARALLEL_MIN, type Progress, readAhead } from "./hash.js";

/**
 * Copies from one open file (the input `path`, named in errors) to another at their current
 * positions with `cat`, which GNU coreutils (9.0 and later) does with copy_file_range: the bytes
 * move inside the kernel, never through this process, and a file system that can share extents
 * (XFS, Btrfs) clones them instead. When `cat` cannot be started, the bytes are copied here, in
 * user space. Rejects with a located error naming the input when the copy fails (a full disk, an
 * unreadable input).
 */
export async function kernelCopy(from: FileHandle, to: FileHandle, path: string): Promise<void> {
  const started = await new Promise<boolean>((resolve, reject) => {
    const child = spawn("cat", [], { stdio: [from.fd, to.fd, "pipe"] });
    let err = "";
    child.stderr!.on("data", (d) => {
      err += d;
    });
    child.on("error", () => resolve(false));
    child.on("close", (code) => {
      if (code === 0) resolve(true);
      else
        reject(
          new KitError(`copying ${path} failed: ${err.trim()}`, ExitCode.BadInput, {
            code: "bundle.copy_failed",
            hint: "check the free space and permissions beside the output; nothing was written",
          }),
        );
    });
  });
  if (!started) for await (const chunk of readAhead(from)) await to.write(chunk, 0, chunk.length);
}

/**
 * Reads `fh` from `from` while another writer (`writing`) is still appending to it: each read
 * returns what has landed so far, and at the current end it waits for more until the writer
 * settles; then the rest, and 0 at the end (or once `length` bytes were read). A writer that
 * failed is reported by the read that reaches the end.
 */
export function followAppend(fh: FileHandle, writing: Promise<void>, from = 0, length = Infinity): ChunkRead {
  let settled = false;
  let failure: { error: unknown } | undefined;
  const over = writing.then(
    () => {
      settled = true;
    },
    (error: unknown) => {
      settled = true;
      failure = { error };
    },
  );
  let done = 0;
  return async (buf) => {
    for (;;) {
      if (done >= length) return 0;
      const wasSettled = settled;
      const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, length - done), from + done);
      if (bytesRead > 0) {
        done += bytesRead;
        return bytesRead;
      }
      if (wasSettled) {
        if (failure) throw failure.error;
        return 0;
      }
      // At the end of what has landed: wait for the writer to add more, or to finish.
      await Promise.race([over, new Promise((r) => setTimeout(r, 2))]);
    }
  };
}

/**
 * Stages one input: `from` is copied by the kernel into `to` (created here, exclusively, mode
 * 0644, never through a planted name or link), and the copy is hashed, and seen by `each` (the key
 * scan), as it lands, so the copy and the hash overlap. The digest is that of the staged bytes,
 * whatever happens to the input meanwhile: the bundle is written from the staged copy. Large
 * files are hashed on a second thread beside `each`.
 */
export async function stageAndHash(
  from: string,
  to: string,
  progress: Progress | undefined,
  label: string,
  each?: (chunk: Buffer) => void | Promise<void>,
): Promise<{ sha256: string; size: number }> {
  const { fh: src, size } = await openRegular(from);
  const report = (done: number) => progress?.(label, done, size);
  try {
    const dst = await open(to, constants.O_RDWR | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o644);
    try {
      const copying = kernelCopy(src, dst, from);
      copying.catch(() => undefined); // reported by the read that reaches the end
      try {
        const read = followAppend(dst, copying);
        return each && size >= PARALLEL_MIN ? await hashBesideWork(read, each, report) : await hashInOrder(chunksOf(read), each, report);
      } finally {
        await copying.catch(() => undefined);
      }
    } finally {
      await dst.close();
    }
  } finally {
    await src.close();
  }
}
