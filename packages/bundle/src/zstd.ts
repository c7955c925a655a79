import { spawn } from "node:child_process";
import { ExitCode, KitError } from "@sovereign/diagnostics";
import type { ByteSink } from "./tar-write.js";

/**
 * A `.tar.zst` writer that never recompresses weights. The archive is a sequence of zstd frames
 * (RFC 8878 section 3.1: concatenated frames decode to the concatenated content, and `zstd -d`,
 * `tar --zstd` and every conforming decoder read them):
 *
 * - tar headers and small (text) members are collected and compressed by the real `zstd` binary;
 * - the bytes of weight and dataset members go into frames of raw (stored) blocks written here, so
 *   incompressible multi-GiB files cost a copy, not a compression pass.
 *
 * Output is deterministic: segment boundaries depend only on the archive's content.
 */

const MAGIC = Buffer.from([0x28, 0xb5, 0x2f, 0xfd]);
/** Frame header: no content size, no checksum, no dictionary; window 128 KiB (log 17). */
const RAW_FRAME_HEADER = Buffer.concat([MAGIC, Buffer.from([0x00, (17 - 10) << 3])]);
const BLOCK_MAX = 128 * 1024;
/** Compressible bytes are handed to zstd in segments of at most this size. */
const SEGMENT = 8 * 1024 * 1024;

function blockHeader(size: number, last: boolean): Buffer {
  // Block_Type 0 (raw) in bits 1-2, Last_Block in bit 0, Block_Size in bits 3-23.
  const v = (size << 3) | (last ? 1 : 0);
  return Buffer.from([v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff]);
}

/** Raw blocks holding `data`, preceded by a frame header when `startFrame`; views, no copies. */
export function rawFrameParts(data: Uint8Array, startFrame: boolean, endFrame: boolean): Uint8Array[] {
  const parts: Uint8Array[] = startFrame ? [RAW_FRAME_HEADER] : [];
  for (let off = 0; off < data.length; off += BLOCK_MAX) {
    const end = Math.min(off + BLOCK_MAX, data.length);
    parts.push(blockHeader(end - off, endFrame && end === data.length), data.subarray(off, end));
  }
  return parts;
}

/** {@link rawFrameParts} as one buffer. */
export function rawFrame(data: Uint8Array, startFrame: boolean, endFrame: boolean): Buffer {
  return Buffer.concat(rawFrameParts(data, startFrame, endFrame));
}

/**
 * Compresses one segment with the zstd binary. Single-threaded mode: its output does not depend
 * on the packing machine's core count, and segments are small (weights never come through here).
 */
export function zstdCompress(zstd: string, input: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn(zstd, ["-q", "--single-thread", "-3", "-c", "-"], {
      stdio: ["pipe", "pipe", "pipe"],
    });
    const out: Buffer[] = [];
    let err = "";
    child.stdout.on("data", (d: Buffer) => out.push(d));
    child.stderr.on("data", (d) => {
      err += d;
    });
    child.on("error", (e: NodeJS.ErrnoException) =>
      reject(
        new KitError(
          `cannot run ${zstd}: ${e.code ?? e.message}`,
          ExitCode.BadInput,
          { code: "tool.zstd_missing", hint: "install the Debian package zstd (scripts/setup.sh does) or write a .tar" },
        ),
      ),
    );
    child.on("close", (code) => {
      if (code === 0) resolve(Buffer.concat(out));
      else
        reject(
          new KitError(`zstd failed (exit ${code}): ${err.trim()}`, ExitCode.Findings, {
            code: "tool.zstd_failed",
            hint: "check the archive with `zstd -t <file>`; a truncated or corrupted .tar.zst must be copied again",
          }),
        );
    });
    child.stdin.on("error", () => {
      // reported through "close"
    });
    child.stdin.end(input);
  });
}

/** Interface writeTar uses to pass member bytes through uncompressed. */
export interface RawCapableSink extends ByteSink {
  /** Bytes of a stored member; `last` marks the member's final chunk. */
  writeRaw(data: Uint8Array, last: boolean): Promise<void>;
}

export class ZstdSink implements RawCapableSink {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private inRaw = false;

  constructor(
    private readonly out: ByteSink,
    private readonly zstd: string,
  ) {}

  async write(data: Uint8Array): Promise<void> {
    // Copy: callers may reuse their buffer once this resolves.
    this.pending.push(Buffer.from(data));
    this.pendingBytes += data.length;
    if (this.pendingBytes >= SEGMENT) await this.flush();
  }

  async writeRaw(data: Uint8Array, last: boolean): Promise<void> {
    if (!this.inRaw) await this.flush();
    if (data.length === 0 && !last) return;
    if (data.length === 0) {
      // Close an open frame with an empty last block.
      if (this.inRaw) await this.out.write(blockHeader(0, true));
      this.inRaw = false;
      return;
    }
    const parts = rawFrameParts(data, !this.inRaw, last);
    if (this.out.writev) await this.out.writev(parts);
    else await this.out.write(Buffer.concat(parts));
    this.inRaw = !last;
  }

  private async flush(): Promise<void> {
    if (this.pendingBytes === 0) return;
    const input = Buffer.concat(this.pending);
    this.pending = [];
    this.pendingBytes = 0;
    await this.out.write(await zstdCompress(this.zstd, input));
  }

  async close(): Promise<void> {
    await this.flush();
    await this.out.close();
  }
}
