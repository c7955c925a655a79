import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { appendFileSync, writeFileSync } from "node:fs";
import { open } from "node:fs/promises";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { DIRECT_DECODE_MIN, decodedRuns, isGnuDd, zstdStream } from "../src/read.js";
import { type FrameRun, frameLayout, rawFrame, ZstdFrameChecker, zstdCompress } from "../src/zstd.js";
import { removeTmpDirs, tmpDir } from "./helpers.js";
afterAll(removeTmpDirs);

/** The runs the streaming checker emits for a whole buffer fed `step` bytes at a time, merged by position. */
function streamedRuns(stream: Buffer, step: number): FrameRun[] {
  const c = new ZstdFrameChecker();
  const runs: FrameRun[] = [];
  for (let i = 0; i < stream.length; i += step)
    c.update(stream.subarray(i, i + step), (kind, bytes, offset) => {
      const last = runs.at(-1);
      if (bytes.length === 0) return;
      if (last && last.kind === kind && last.offset + last.length === offset) last.length += bytes.length;
      else runs.push({ kind, offset, length: bytes.length });
    });
  c.end();
  return runs;
}

const layoutOf = (stream: Buffer) => frameLayout((offset, length) => stream.subarray(offset, offset + length), stream.length);

/** Text that compresses (so zstd writes compressed blocks), `n` bytes. */
/** Hex text of random bytes: compresses to about half, so `n` random bytes give a run of about `n` compressed bytes. */
const hexOf = (n: number) => Buffer.from(randomBytes(n).toString("hex"));
const text = (n: number, seed = 1) => Buffer.from(Array.from({ length: n }, (_, i) => String.fromCharCode(97 + ((i * seed) % 23) + (i % 7 === 0 ? 1 : 0))).join(""));

describe("frame layout of a .tar.zst, walked header by header", () => {
  it("GIVEN compressed, stored and compressed frames WHEN walked THEN the runs are the streaming checker's, by position, whatever the chunking", async () => {
    const head = await zstdCompress("zstd", text(300_000));
    const tail = await zstdCompress("zstd", text(50_000, 3));
    const stream = Buffer.concat([head, rawFrame(randomBytes(300_000), true, false), rawFrame(randomBytes(70_000), false, true), tail]);
    const runs = layoutOf(stream);
    for (const step of [1, 13, 4096, 1 << 20]) expect(runs).toEqual(streamedRuns(stream, step));
    expect(runs[0]).toEqual({ kind: "zstd", offset: 0, length: head.length });
    expect(runs.at(-1)).toEqual({ kind: "zstd", offset: stream.length - tail.length, length: tail.length });
    // Stored content only: the raw runs add up to the stored bytes, headers excluded.
    expect(runs.filter((r) => r.kind === "raw").reduce((a, r) => a + r.length, 0)).toBe(370_000);
  });

  it("GIVEN 60 random sequences of frames WHEN walked THEN the runs equal the streaming checker's", async () => {
    const compressed = await Promise.all([1, 2, 3, 4].map((k) => zstdCompress("zstd", text(1000 * k * k * 50, k))));
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.integer({ min: 0, max: 3 }).map((k) => compressed[k]!), fc.integer({ min: 1, max: 300_000 }).map((n) => rawFrame(randomBytes(n), true, true))), {
          minLength: 1,
          maxLength: 6,
        }),
        (frames) => {
          const stream = Buffer.concat(frames);
          expect(layoutOf(stream)).toEqual(streamedRuns(stream, 65_536));
        },
      ),
      { numRuns: 60, seed: 15 },
    );
  });

  it.each([
    ["a skippable frame", (s: Buffer) => Buffer.concat([s, Buffer.from([0x50, 0x2a, 0x4d, 0x18, 4, 0, 0, 0, 1, 2, 3, 4])])],
    ["a truncated frame", (s: Buffer) => s.subarray(0, s.length - 5)],
    ["bytes that are no frame", (s: Buffer) => Buffer.concat([s, Buffer.from("not zstd")])],
    ["a reserved header bit", (s: Buffer) => Buffer.concat([s.subarray(0, 4), Buffer.from([s[4]! | 0x08]), s.subarray(5)])],
  ])("GIVEN %s WHEN walked THEN it is refused with the streaming checker's message", async (_, damage) => {
    const good = Buffer.concat([await zstdCompress("zstd", text(200_000)), rawFrame(randomBytes(200_000), true, true)]);
    const bad = damage(good);
    let streamed = "";
    try {
      streamedRuns(bad, 4096);
    } catch (e) {
      streamed = (e as Error).message;
    }
    expect(streamed).not.toBe("");
    expect(() => layoutOf(bad)).toThrow(streamed);
  });
});

describe("decoding a .tar.zst from its layout", () => {
  const decode = (frames: Buffer) => execFileSync("zstd", ["-q", "-d", "-c"], { input: frames, maxBuffer: 256 * 1024 * 1024 });
  const collect = async (file: string, afterLayout?: () => Promise<void>) => {
    const fh = await open(file, "r");
    try {
      const out: Buffer[] = [];
      for await (const b of zstdStream(fh, file, afterLayout)) out.push(Buffer.from(b));
      return Buffer.concat(out);
    } finally {
      await fh.close();
    }
  };

  it("GIVEN a long compressed run between stored frames WHEN streamed THEN the bytes are what zstd -d makes of the whole file", async () => {
    const long = await zstdCompress("zstd", hexOf(1.5 * DIRECT_DECODE_MIN));
    expect(long.length).toBeGreaterThan(DIRECT_DECODE_MIN);
    const stream = Buffer.concat([await zstdCompress("zstd", text(5000)), rawFrame(randomBytes(400_000), true, true), long, rawFrame(randomBytes(9), true, true)]);
    const file = join(tmpDir(), "a.tar.zst");
    writeFileSync(file, stream);
    const before = { ...decodedRuns };
    expect((await collect(file)).equals(decode(stream))).toBe(true);
    // The short run is fed from here; the long one is read by dd + zstd (Linux with GNU dd).
    const direct = process.platform === "linux" && isGnuDd(execFileSync("dd", ["--version"], { encoding: "utf8" }));
    expect(decodedRuns.fed - before.fed).toBe(direct ? 1 : 2);
    expect(decodedRuns.direct - before.direct).toBe(direct ? 1 : 0);
  });

  it.each([
    ["dd (coreutils) 9.1\nCopyright (C) 2022 Free Software Foundation, Inc.\n", true],
    ["dd (GNU coreutils) 8.32\n", true],
    ["", false], // BusyBox's dd rejects --version and prints nothing on stdout
    ["BusyBox v1.36.1 (2023-07-27) multi-call binary.\n", false],
  ])("GIVEN dd --version printing %j THEN the direct decoder is used only for GNU dd (%s)", (out, gnu) => {
    expect(isGnuDd(out)).toBe(gnu);
  });

  it("GIVEN a long compressed run with one byte of a block changed WHEN streamed THEN zstd's refusal is reported", async () => {
    const long = Buffer.from(await zstdCompress("zstd", hexOf(1.5 * DIRECT_DECODE_MIN)));
    expect(long.length).toBeGreaterThan(DIRECT_DECODE_MIN);
    long[Math.floor(long.length / 2)]! ^= 0x5a;
    const file = join(tmpDir(), "b.tar.zst");
    writeFileSync(file, long);
    await expect(collect(file)).rejects.toThrow(/zstd could not decompress/);
  });

  it("GIVEN an archive that grows after its layout was walked WHEN streamed THEN it is refused as changed while it was read", async () => {
    const stream = Buffer.concat([await zstdCompress("zstd", hexOf(1.5 * DIRECT_DECODE_MIN)), rawFrame(randomBytes(1000), true, true)]);
    const file = join(tmpDir(), "c.tar.zst");
    writeFileSync(file, stream);
    await expect(
      collect(file, async () => {
        appendFileSync(file, Buffer.from([0x50, 0x2a, 0x4d, 0x18, 1, 0, 0, 0, 7]));
      }),
    ).rejects.toThrow(/changed while it was read/);
    // Untouched, the same file streams.
    writeFileSync(file, stream);
    expect((await collect(file)).equals(decode(stream))).toBe(true);
  });
});
