import { createHash } from "node:crypto";
import { closeSync, constants, fstatSync, openSync, readSync } from "node:fs";
import { InputError } from "./issue.js";

/**
 * Default cap on one text input (profile, recipe, manifest, key, policy): far above any real
 * one, far below what would exhaust memory. Raised with `--max-input-size`.
 */
export const DEFAULT_INPUT_LIMIT = 16 * 1024 * 1024;

/** An input read once: its bytes and their sha256, carried through the command. */
export interface InputFile {
  path: string;
  bytes: Buffer;
  sha256: string;
}

function unreadable(file: string, message: string, hint: string): InputError {
  return new InputError([{ code: "file.unreadable", path: [], file, message, hint }]);
}

/**
 * Reads a regular file, bounded: a FIFO, device, socket or directory is refused at once (opened
 * non-blocking, so a FIFO cannot hang the command), and a file over `limit` bytes is refused
 * without reading it. Every failure is an InputError (exit 2) naming the file.
 */
export function readInputFile(
  path: string,
  o: {
    limit?: number;
    displayName?: string;
    what?: string;
    /** Fix shown for a file over the limit. @default raise it with --max-input-size */
    overLimitHint?: string;
  } = {},
): InputFile {
  const shown = o.displayName ?? path;
  const what = o.what ?? "input";
  const limit = o.limit ?? DEFAULT_INPUT_LIMIT;
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw unreadable(
      shown,
      code === "ENOENT" ? `file not found: ${shown}` : `cannot read ${what} ${shown}: ${code}`,
      "check the path; relative paths are resolved from the current directory",
    );
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) {
      const kind = st.isDirectory()
        ? "a directory"
        : st.isFIFO()
          ? "a FIFO"
          : st.isCharacterDevice() || st.isBlockDevice()
            ? "a device"
            : "not a regular file";
      throw unreadable(shown, `${what} ${shown} is ${kind}; only regular files are read`, "pass a regular file");
    }
    if (st.size > limit) {
      throw unreadable(
        shown,
        `${what} ${shown} is ${st.size} bytes, over the ${limit}-byte limit`,
        o.overLimitHint ?? "check that this is the right file; raise the limit with --max-input-size <bytes> if it is",
      );
    }
    // Read at most limit + 1 bytes: a file that grows while read is refused, not followed.
    const buf = Buffer.alloc(Math.min(limit, st.size) + 1);
    let n = 0;
    for (;;) {
      const r = readSync(fd, buf, n, buf.length - n, null);
      if (r === 0) break;
      n += r;
      if (n > limit || n === buf.length) {
        throw unreadable(shown, `${what} ${shown} grew while being read`, "pass a file that is not being written");
      }
    }
    const bytes = buf.subarray(0, n);
    return { path, bytes, sha256: createHash("sha256").update(bytes).digest("hex") };
  } finally {
    closeSync(fd);
  }
}
