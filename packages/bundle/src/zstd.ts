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

/**
 * Checks the frame structure of a `.tar.zst` as it streams past, before the decoder sees it: only
 * standard zstd frames, back to back, as {@link ZstdSink} writes them. Refused: skippable frames
 * (a decoder ignores them, so they could smuggle bytes past every hash), unknown magic numbers,
 * reserved header bits or block types, dictionary frames, frames with no content, and a file that
 * ends inside a frame. Throws a message naming the byte offset.
 */
export class ZstdFrameChecker {
  private offset = 0;
  /** What the next bytes are. */
  private state: "magic" | "fhd" | "header" | "block" | "body" | "checksum" = "magic";
  private need = 4;
  private buf: number[] = [];
  private checksum = false;
  private skip = 0;
  private frameContent = 0;
  private lastBlock = false;

  update(chunk: Uint8Array): void {
    let i = 0;
    while (i < chunk.length) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, chunk.length - i);
        this.skip -= n;
        i += n;
        this.offset += n;
        if (this.skip === 0) this.afterBody();
        continue;
      }
      this.buf.push(chunk[i]!);
      i++;
      this.offset++;
      if (this.buf.length === this.need) this.step();
    }
  }

  end(): void {
    if (this.state !== "magic" || this.buf.length > 0 || this.skip > 0)
      throw new Error(`the archive ends inside a zstd frame (at byte ${this.offset}; truncated)`);
    if (this.offset === 0) throw new Error("the archive is empty");
  }

  private fail(what: string): never {
    throw new Error(`${what} at byte ${this.offset - this.buf.length} of the compressed archive`);
  }

  private next(state: ZstdFrameChecker["state"], need: number): void {
    this.state = state;
    this.need = need;
    this.buf = [];
  }

  private step(): void {
    const b = this.buf;
    switch (this.state) {
      case "magic": {
        const magic = (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0;
        if ((magic & 0xfffffff0) >>> 0 === 0x184d2a50) this.fail("skippable zstd frame (hidden data)");
        if (magic !== 0xfd2fb528) this.fail("bytes that are not a zstd frame");
        this.frameContent = 0;
        this.next("fhd", 1);
        return;
      }
      case "fhd": {
        const fhd = b[0]!;
        if (fhd & 0x08) this.fail("reserved bit set in a zstd frame header");
        if (fhd & 0x03) this.fail("zstd frame needing a dictionary");
        const fcsFlag = fhd >> 6;
        const single = (fhd >> 5) & 1;
        this.checksum = Boolean(fhd & 0x04);
        const fcsBytes = [single ? 1 : 0, 2, 4, 8][fcsFlag]!;
        const rest = (single ? 0 : 1) + fcsBytes;
        if (rest === 0) this.next("block", 3);
        else this.next("header", rest);
        return;
      }
      case "header":
        this.next("block", 3);
        return;
      case "block": {
        const v = b[0]! | (b[1]! << 8) | (b[2]! << 16);
        this.lastBlock = Boolean(v & 1);
        const type = (v >> 1) & 3;
        const size = v >>> 3;
        if (type === 3) this.fail("reserved zstd block type");
        if (size > 128 * 1024) this.fail("zstd block larger than 128 KiB");
        // Raw and compressed blocks carry `size` bytes; an RLE block one byte repeated `size` times.
        this.frameContent += type === 2 ? Math.max(size, 1) : size;
        const body = type === 1 ? 1 : size;
        this.buf = [];
        if (body === 0) this.afterBody();
        else {
          this.state = "body";
          this.skip = body;
        }
        return;
      }
      case "checksum":
        this.next("magic", 4);
        return;
      default:
        return;
    }
  }

  private afterBody(): void {
    if (!this.lastBlock) {
      this.next("block", 3);
      return;
    }
    if (this.frameContent === 0) this.fail("empty zstd frame");
    if (this.checksum) this.next("checksum", 4);
    else this.next("magic", 4);
  }
}
