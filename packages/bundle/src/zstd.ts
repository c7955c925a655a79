import { type ChildProcess, spawn } from "node:child_process";
import { open } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { ExitCode, KitError } from "@sovereign/diagnostics";
import type { ByteSink } from "./tar-write.js";

/**
 * A `.tar.zst` writer that never recompresses weights. The archive is a sequence of zstd frames
 * (RFC 8878 section 3.1: concatenated frames decode to the concatenated content, and `zstd -d`,
 * `tar --zstd` and every conforming decoder read them):
 *
 * - tar headers and small (text) members are collected and compressed by the real `zstd` binary;
 * - each weight or dataset member is encoded by what a sample of its bytes shows
 *   ({@link chooseMemberEncoding}): bytes that zstd cannot shrink (random, quantised, already
 *   compressed) go into frames of raw (stored) blocks written here, so they cost a copy, not a
 *   compression pass; bytes it can shrink (bf16/fp16 tensors, whose exponent bytes are skewed)
 *   stream through one `zstd -1` process on every core, whose output goes straight into the file.
 *
 * Output is deterministic: segment boundaries and the encoding choice depend only on the archive's
 * content, and zstd's multi-threaded mode gives the same bytes whatever the number of threads.
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

const zstdMissing = (zstd: string, e: NodeJS.ErrnoException) =>
  new KitError(`cannot run ${zstd}: ${e.code ?? e.message}`, ExitCode.BadInput, {
    code: "tool.zstd_missing",
    hint: "install the Debian package zstd (scripts/setup.sh does) or write a .tar",
  });

const zstdFailed = (code: number | null, err: string) =>
  new KitError(`zstd failed (exit ${code}): ${err.trim()}`, ExitCode.Findings, {
    code: "tool.zstd_failed",
    hint: "check the archive with `zstd -t <file>`; a truncated or corrupted .tar.zst must be copied again",
  });

/** Settles when `child` exits: resolves on exit 0, rejects with a located error otherwise. */
function exited(child: ChildProcess, zstd: string): Promise<void> {
  let err = "";
  child.stderr!.on("data", (d) => {
    err += d;
  });
  child.stdin!.on("error", () => {
    // reported through "close"
  });
  return new Promise((resolve, reject) => {
    child.on("error", (e: NodeJS.ErrnoException) => reject(zstdMissing(zstd, e)));
    child.on("close", (code) => (code === 0 ? resolve() : reject(zstdFailed(code, err))));
  });
}

/**
 * Compresses one segment with the zstd binary. Single-threaded mode: its output does not depend
 * on the packing machine's core count, and segments are small (weights never come through here).
 * `level` defaults to 3 (zstd's own default), used for tar headers and text members.
 */
export async function zstdCompress(zstd: string, input: Buffer, level = 3): Promise<Buffer> {
  const child = spawn(zstd, ["-q", "--single-thread", `-${level}`, "-c", "-"], { stdio: ["pipe", "pipe", "pipe"] });
  const out: Buffer[] = [];
  child.stdout.on("data", (d: Buffer) => out.push(d));
  const done = exited(child, zstd);
  child.stdin.end(input);
  await done;
  return Buffer.concat(out);
}

/**
 * zstd level for weight and dataset members that compress: 1. On bf16 tensors (the bench's
 * Gaussian bf16, 256 MiB, zstd 1.5.4) levels 1 and 3 both keep 78.0% of the bytes (the gain is
 * Huffman coding of the skewed exponent bytes, not matches), and level 1 costs about half the CPU.
 */
export const MEMBER_LEVEL = 1;
/** Below this gain on the sample a member is stored raw: compressing it would cost CPU for nothing. */
export const MEMBER_MIN_GAIN = 0.02;
/** The sample: this many slices of {@link SAMPLE_SLICE} bytes, spread evenly over the member. */
const SAMPLE_SLICES = 4;
const SAMPLE_SLICE = 1024 * 1024;

/** How one weight or dataset member is stored in a `.tar.zst`, and what its sample showed. */
export interface MemberEncoding {
  encoding: "raw" | "zstd";
  /** 1 - compressed / sample size at {@link MEMBER_LEVEL}, on the sampled bytes. */
  sampleGain: number;
}

/**
 * Measures how well `path` compresses: {@link SAMPLE_SLICES} slices of 1 MiB spread evenly over
 * the file (the whole file when smaller), compressed at {@link MEMBER_LEVEL}. The choice depends
 * only on the file's bytes, so the archive stays reproducible; it decides the encoding, never
 * what is stored (the streamed bytes are hashed as they are written, whatever the choice).
 */
export async function chooseMemberEncoding(zstd: string, path: string, size: number): Promise<MemberEncoding> {
  if (size === 0) return { encoding: "raw", sampleGain: 0 };
  const fh = await open(path, "r");
  const slices: Buffer[] = [];
  try {
    const whole = size <= SAMPLE_SLICES * SAMPLE_SLICE;
    const n = whole ? 1 : SAMPLE_SLICES;
    const len = whole ? size : SAMPLE_SLICE;
    for (let i = 0; i < n; i++) {
      const at = n === 1 ? 0 : Math.floor((i * (size - len)) / (n - 1));
      const buf = Buffer.allocUnsafe(len);
      const { bytesRead } = await fh.read(buf, 0, len, at);
      slices.push(buf.subarray(0, bytesRead));
    }
  } finally {
    await fh.close();
  }
  const sample = Buffer.concat(slices);
  if (sample.length === 0) return { encoding: "raw", sampleGain: 0 };
  const sampleGain = 1 - (await zstdCompress(zstd, sample, MEMBER_LEVEL)).length / sample.length;
  return { encoding: sampleGain >= MEMBER_MIN_GAIN ? "zstd" : "raw", sampleGain };
}

/** A byte sink that can also hand its file to a child process as stdout, at the current end. */
export interface ChildCapableSink extends ByteSink {
  /**
   * Runs `cmd` with stdout appended to the file (the shared file offset, so the child's bytes land
   * after everything written so far); returns the child and a function to call once it exited.
   */
  spawnInto(cmd: string, args: string[]): { child: ChildProcess; settled: () => Promise<void> };
}

const hasSpawnInto = (s: ByteSink): s is ChildCapableSink => typeof (s as Partial<ChildCapableSink>).spawnInto === "function";

/** Interface writeTar uses to pass member bytes through uncompressed. */
export interface RawCapableSink extends ByteSink {
  /** Bytes of a stored member; `last` marks the member's final chunk. */
  writeRaw(data: Uint8Array, last: boolean): Promise<void>;
}

/** One member being compressed by a zstd process that writes into the archive file. */
interface MemberStream {
  child: ChildProcess;
  done: Promise<void>;
}

export class ZstdSink implements RawCapableSink {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private inRaw = false;
  private member: MemberStream | undefined;
  /** Encodings chosen so far, by member path, in archive order (for reports and tests). */
  readonly encodings = new Map<string, MemberEncoding>();

  constructor(
    private readonly out: ByteSink,
    private readonly zstd: string,
  ) {}

  /**
   * Called before a weight or dataset member's bytes: samples the file and, when it compresses,
   * starts one `zstd -1` process over all cores (output independent of their number) writing into
   * the archive file; its chunks then go to that process instead of raw frames.
   */
  async startMember(path: string, size: number): Promise<void> {
    const choice = await chooseMemberEncoding(this.zstd, path, size);
    this.encodings.set(path, choice);
    if (choice.encoding === "raw" || !hasSpawnInto(this.out)) return;
    await this.flush();
    const threads = Math.max(1, availableParallelism());
    const { child, settled } = this.out.spawnInto(this.zstd, ["-q", `-${MEMBER_LEVEL}`, `-T${threads}`, "-c", "-"]);
    const done = exited(child, this.zstd).then(settled);
    done.catch(() => undefined); // awaited when the member ends or the sink closes
    this.member = { child, done };
  }

  private async streamMember(data: Uint8Array, last: boolean): Promise<void> {
    const m = this.member!;
    const stdin = m.child.stdin!;
    // Settles once the pipe has taken the bytes (the caller reuses the buffer), or zstd ended.
    if (data.length > 0) await Promise.race([new Promise<void>((r) => stdin.write(data, () => r())), m.done]);
    if (!last) return;
    this.member = undefined;
    stdin.end();
    await m.done;
  }

  async write(data: Uint8Array): Promise<void> {
    // Copy: callers may reuse their buffer once this resolves.
    this.pending.push(Buffer.from(data));
    this.pendingBytes += data.length;
    if (this.pendingBytes >= SEGMENT) await this.flush();
  }

  async writeRaw(data: Uint8Array, last: boolean): Promise<void> {
    if (this.member) return this.streamMember(data, last);
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
    try {
      if (this.member) {
        // Closed inside a member: a failed write; the temp archive is discarded.
        this.member.child.kill();
        await this.member.done.catch(() => undefined);
        this.member = undefined;
      } else await this.flush();
    } finally {
      await this.out.close();
    }
  }
}

/**
 * Where a span of a `.tar.zst` goes: "raw", content of a stored frame; "zstd", bytes for a decoder.
 * `offset` is the position of the span's first byte in the compressed stream.
 */
export type FrameSpan = (kind: "raw" | "zstd", bytes: Uint8Array, offset: number) => void;

/** A run of a `.tar.zst`, by position: content of the kit's stored frames ("raw") or whole other frames ("zstd"). */
export interface FrameRun {
  kind: "raw" | "zstd";
  offset: number;
  length: number;
}

/** Bytes read at a time for frame and block headers when walking a layout (a body is skipped unread). */
const LAYOUT_WINDOW = 64;

/**
 * The frame layout of a `.tar.zst` of `size` bytes, read through `readAt` (a positional read that
 * returns at most `length` bytes) without reading block bodies: the same checks, the same order
 * and the same spans as streaming every byte through {@link ZstdFrameChecker}, merged into runs.
 * A block header says how long its body is, so a 1 GiB member costs one small read per 128 KiB
 * block. Throws the checker's message naming the byte offset.
 */
export function frameLayout(readAt: (offset: number, length: number) => Uint8Array, size: number): FrameRun[] {
  const c = new ZstdFrameChecker();
  const runs: FrameRun[] = [];
  const add = (kind: FrameRun["kind"], offset: number, length: number) => {
    if (length === 0) return;
    const last = runs.at(-1);
    if (last && last.kind === kind && last.offset + last.length === offset) last.length += length;
    else runs.push({ kind, offset, length });
  };
  let pos = 0;
  while (pos < size) {
    const body = c.unreadBody();
    if (body > 0) {
      const n = Math.min(body, size - pos);
      c.skipBody(n, add);
      pos += n;
      continue;
    }
    const win = readAt(pos, Math.min(LAYOUT_WINDOW, size - pos));
    if (win.length === 0) throw new Error(`the archive ends early (at byte ${pos}; it changed while it was read)`);
    c.update(win, (kind, bytes, offset) => add(kind, offset, bytes.length));
    pos += win.length;
  }
  c.end();
  return runs;
}

/** A stored frame as {@link ZstdSink} writes it: no checksum, no content size, window 128 KiB. */
const isKitRawHeader = (fhd: number, wd: number) => fhd === RAW_FRAME_HEADER[4] && wd === RAW_FRAME_HEADER[5];

/**
 * Checks the frame structure of a `.tar.zst` as it streams past, before the decoder sees it: only
 * standard zstd frames, back to back, as {@link ZstdSink} writes them. Refused: skippable frames
 * (a decoder ignores them, so they could smuggle bytes past every hash), unknown magic numbers,
 * reserved header bits or block types, dictionary frames, frames with no content, and a file that
 * ends inside a frame. Throws a message naming the byte offset.
 *
 * With `out`, it also splits the stream: the content of stored frames with the kit's own header
 * (raw blocks only; any other block there is refused) goes out as "raw" and needs no decoder;
 * every other frame goes out whole, as "zstd", for the zstd binary. Order is kept.
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
  private fhd = 0;
  /** The current frame: a stored frame of the kit's, another frame, or not known yet. */
  private kind: "raw" | "zstd" | "pending" = "pending";
  /** The current frame's bytes while its kind is not known yet. */
  private head: number[] = [];

  update(chunk: Uint8Array, out?: FrameSpan): void {
    let i = 0;
    const base = this.offset;
    // Start of the run of this chunk's bytes that belong to a "zstd" frame, or -1.
    let from = this.kind === "zstd" ? 0 : -1;
    const flush = () => {
      if (out && from >= 0 && i > from) out("zstd", chunk.subarray(from, i), base + from);
      from = -1;
    };
    while (i < chunk.length) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, chunk.length - i);
        if (this.kind === "raw") out?.("raw", chunk.subarray(i, i + n), this.offset);
        this.skip -= n;
        i += n;
        this.offset += n;
        if (this.skip === 0) {
          this.afterBody();
          if (this.kind === "pending") flush();
        }
        continue;
      }
      const b = chunk[i]!;
      this.buf.push(b);
      i++;
      this.offset++;
      if (this.kind === "pending") this.head.push(b);
      if (this.buf.length !== this.need) continue;
      const before = this.kind;
      this.step();
      if (before === "pending" && this.kind !== "pending") {
        if (this.kind === "zstd") {
          out?.("zstd", Buffer.from(this.head), this.offset - this.head.length);
          from = i;
        }
        this.head = [];
      } else if (before === "zstd" && this.kind === "pending") flush();
    }
    flush();
  }

  /** Body bytes the checker is about to skip without looking at them (0 outside a block body). */
  unreadBody(): number {
    return this.skip;
  }

  /** Steps over `n` of those body bytes unread, reporting where they go by position (see {@link frameLayout}). */
  skipBody(n: number, out: (kind: FrameRun["kind"], offset: number, length: number) => void): void {
    if (n <= 0 || n > this.skip) throw new Error(`cannot skip ${n} of ${this.skip} body bytes`);
    out(this.kind === "raw" ? "raw" : "zstd", this.offset, n);
    this.skip -= n;
    this.offset += n;
    if (this.skip === 0) this.afterBody();
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
        this.fhd = fhd;
        if (fhd & 0x08) this.fail("reserved bit set in a zstd frame header");
        if (fhd & 0x03) this.fail("zstd frame needing a dictionary");
        const fcsFlag = fhd >> 6;
        const single = (fhd >> 5) & 1;
        this.checksum = Boolean(fhd & 0x04);
        const fcsBytes = [single ? 1 : 0, 2, 4, 8][fcsFlag]!;
        const rest = (single ? 0 : 1) + fcsBytes;
        if (rest === 0) {
          this.kind = "zstd";
          this.next("block", 3);
        }
        else this.next("header", rest);
        return;
      }
      case "header":
        this.kind = isKitRawHeader(this.fhd, b[0]!) && b.length === 1 ? "raw" : "zstd";
        this.next("block", 3);
        return;
      case "block": {
        const v = b[0]! | (b[1]! << 8) | (b[2]! << 16);
        this.lastBlock = Boolean(v & 1);
        const type = (v >> 1) & 3;
        const size = v >>> 3;
        if (type === 3) this.fail("reserved zstd block type");
        if (this.kind === "raw" && type !== 0) this.fail("compressed block in a stored frame");
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
        this.frameEnd();
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
    else this.frameEnd();
  }

  private frameEnd(): void {
    this.kind = "pending";
    this.next("magic", 4);
  }
}
