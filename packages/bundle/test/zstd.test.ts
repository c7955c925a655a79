import { execFileSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { verifyBundle } from "../src/index.js";
import type { BundleEntry } from "../src/pack-stages.js";
import { writeBundleArchive } from "../src/pack-write.js";
import { chooseMemberEncoding, MEMBER_LEVEL, MEMBER_MIN_GAIN, rawFrame, ZstdFrameChecker, zstdCompress } from "../src/zstd.js";
import { keyPair, packFixture, removeTmpDirs, tmpDir, verifyKey } from "./helpers.js";
afterAll(removeTmpDirs);

function decode(frames: Buffer): Buffer {
  return execFileSync("zstd", ["-q", "-d", "-c"], { input: frames, maxBuffer: 64 * 1024 * 1024 });
}

describe("zstd frames of raw blocks", () => {
  it.each([1, 128 * 1024, 128 * 1024 + 1, 3 * 1024 * 1024 + 7])(
    "GIVEN %i bytes WHEN stored as a raw-block frame THEN the zstd binary decodes them unchanged",
    (n) => {
      const data = randomBytes(n);
      expect(decode(rawFrame(data, true, true)).equals(data)).toBe(true);
    },
  );

  it("GIVEN a member streamed in chunks and framed between compressed segments WHEN decoded THEN the concatenation comes back", async () => {
    const head = Buffer.from("header ".repeat(1000));
    const a = randomBytes(200_000);
    const b = randomBytes(70_000);
    const tail = Buffer.from("tail ".repeat(500));
    const stream = Buffer.concat([
      await zstdCompress("zstd", head),
      rawFrame(a, true, false),
      rawFrame(b, false, true),
      await zstdCompress("zstd", tail),
    ]);
    expect(decode(stream).equals(Buffer.concat([head, a, b, tail]))).toBe(true);
  });

  it("GIVEN a .tar.zst bundle with weights WHEN GNU tar extracts it THEN the weights blob is the file and is stored, not recompressed", async () => {
    const t = tmpDir();
    const w = join(t, "w.bin");
    const data = randomBytes(1024 * 1024);
    writeFileSync(w, data);
    const out = join(t, "b.tar.zst");
    await packFixture(out, keyPair(), { weights: [w] });
    const x = join(t, "x");
    execFileSync("mkdir", [x]);
    execFileSync("tar", ["--zstd", "-xf", out, "-C", x]);
    const digest = execFileSync("sha256sum", [w], { encoding: "utf8" }).split(" ")[0]!;
    expect(readFileSync(join(x, "blobs/sha256", digest)).equals(data)).toBe(true);
    const info = execFileSync("zstd", ["-l", out], { encoding: "utf8" });
    expect(Number(/^\s*(\d+)\s/m.exec(info.split("\n")[1]!)![1])).toBeGreaterThanOrEqual(3);
  });
});

/** bf16-like bytes: a random mantissa byte, then one of four exponent bytes (skewed, like tensors). */
function tensorBytes(n: number): Buffer {
  const b = randomBytes(n);
  for (let i = 1; i < n; i += 2) b[i] = [0x3c, 0x3d, 0xbc, 0xbd][b[i]! & 3]!;
  return b;
}

describe("encoding of weight members in a .tar.zst", () => {
  it("GIVEN random bytes and tensor-like bytes WHEN sampled THEN random ones are stored raw and tensor ones compressed at level 1", async () => {
    const t = tmpDir();
    const random = join(t, "random.bin");
    const tensor = join(t, "tensor.bin");
    writeFileSync(random, randomBytes(6 * 1024 * 1024));
    writeFileSync(tensor, tensorBytes(6 * 1024 * 1024));
    const r = await chooseMemberEncoding("zstd", random, 6 * 1024 * 1024);
    const s = await chooseMemberEncoding("zstd", tensor, 6 * 1024 * 1024);
    expect(r.encoding).toBe("raw");
    expect(r.sampleGain).toBeLessThan(MEMBER_MIN_GAIN);
    expect(s.encoding).toBe("zstd");
    expect(s.sampleGain).toBeGreaterThan(0.2);
    expect(MEMBER_LEVEL).toBe(1);
  });

  it("GIVEN tensor-like weights WHEN packed twice as .tar.zst THEN the archive is compressed, byte-identical, extracts to the file and verifies", async () => {
    const t = tmpDir();
    const w = join(t, "w.bin");
    const data = tensorBytes(5 * 1024 * 1024 + 11);
    writeFileSync(w, data);
    const keys = keyPair();
    const [a, b] = [join(t, "a.tar.zst"), join(t, "b.tar.zst")];
    await packFixture(a, keys, { weights: [w] });
    await packFixture(b, keys, { weights: [w] });
    expect(readFileSync(a).equals(readFileSync(b))).toBe(true);
    expect(statSync(a).size).toBeLessThan(0.85 * data.length);
    const x = join(t, "x");
    execFileSync("mkdir", [x]);
    execFileSync("tar", ["--zstd", "-xf", a, "-C", x]);
    const digest = createHash("sha256").update(data).digest("hex");
    expect(readFileSync(join(x, "blobs/sha256", digest)).equals(data)).toBe(true);
    expect((await verifyBundle(a, verifyKey(keys.pub))).ok).toBe(true);
  });

  it.each([
    ["compressible (tensor)", () => tensorBytes(9 * 1024 * 1024 + 5)],
    ["incompressible (random)", () => randomBytes(9 * 1024 * 1024 + 5)],
  ])("GIVEN %s weights of three chunks WHEN written into a .tar.zst THEN GNU tar extracts exactly their bytes (the two read buffers are reused safely)", async (_kind, make) => {
    const t = tmpDir();
    const data = make();
    const digest = createHash("sha256").update(data).digest("hex");
    const input = join(t, "w.bin");
    writeFileSync(input, data);
    const out = join(t, "b.tar.zst");
    const entry: BundleEntry = { path: `blobs/sha256/${digest}`, sha256: digest, size: data.length, source: { kind: "file", path: input, size: data.length, sha256: digest } };
    await writeBundleArchive({ out, sourceDateEpoch: 1, zstd: "zstd", owned: () => undefined }, [entry], "tar.zst");
    const x = join(t, "x");
    execFileSync("mkdir", [x]);
    execFileSync("tar", ["--zstd", "-xf", out, "-C", x]);
    expect(readFileSync(join(x, "blobs/sha256", digest)).equals(data)).toBe(true);
  });

  it("GIVEN a weights file that shrank after it was hashed WHEN streamed into a .tar.zst THEN it is refused as shrunk and no archive is left", async () => {
    const t = tmpDir();
    const data = randomBytes(5 * 1024 * 1024);
    const input = join(t, "w.bin");
    writeFileSync(input, data.subarray(0, 3 * 1024 * 1024));
    const digest = createHash("sha256").update(data).digest("hex");
    const out = join(t, "b.tar.zst");
    const entry: BundleEntry = { path: `blobs/sha256/${digest}`, sha256: digest, size: data.length, source: { kind: "file", path: input, size: data.length, sha256: digest } };
    await expect(writeBundleArchive({ out, sourceDateEpoch: 1, zstd: "zstd", owned: () => undefined }, [entry], "tar.zst")).rejects.toThrow(/shrank/);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(t).filter((n) => n.startsWith(".sovereign-tmp"))).toEqual([]);
  });

  it("GIVEN a compressible weights file that changed after it was hashed WHEN written into a .tar.zst THEN it is refused and no archive is left", async () => {
    const t = tmpDir();
    const data = tensorBytes(3 * 1024 * 1024);
    const file = join(t, "w.bin");
    writeFileSync(file, data);
    const other = tensorBytes(data.length);
    const digest = createHash("sha256").update(other).digest("hex");
    const out = join(t, "b.tar.zst");
    const entry: BundleEntry = { path: `blobs/sha256/${digest}`, sha256: digest, size: data.length, source: { kind: "file", path: file, size: data.length, sha256: digest } };
    await expect(writeBundleArchive({ out, sourceDateEpoch: 1, zstd: "zstd", owned: () => undefined }, [entry], "tar.zst")).rejects.toMatchObject({
      code: "bundle.input_changed",
    });
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(t).filter((n) => n.startsWith(".sovereign-tmp"))).toEqual([]);
  });

  it("GIVEN a zstd binary that fails WHEN a compressible member is streamed through it THEN the pack fails with tool.zstd_failed and leaves nothing", async () => {
    const t = tmpDir();
    const data = tensorBytes(3 * 1024 * 1024);
    const file = join(t, "w.bin");
    writeFileSync(file, data);
    const digest = createHash("sha256").update(data).digest("hex");
    // Compresses samples like zstd, but fails when streaming a member (-T given).
    const fake = join(t, "zstd");
    writeFileSync(fake, `#!/bin/sh\ncase "$*" in *-T*) echo broken >&2; exit 9;; esac\nexec zstd "$@"\n`, { mode: 0o755 });
    const out = join(t, "b.tar.zst");
    const entry: BundleEntry = { path: `blobs/sha256/${digest}`, sha256: digest, size: data.length, source: { kind: "file", path: file, size: data.length, sha256: digest } };
    await expect(writeBundleArchive({ out, sourceDateEpoch: 1, zstd: fake, owned: () => undefined }, [entry], "tar.zst")).rejects.toMatchObject({
      code: "tool.zstd_failed",
    });
    expect(existsSync(out)).toBe(false);
  });
});

describe("splitting a .tar.zst into stored and compressed frames", () => {
  const split = (stream: Buffer, step: number) => {
    const c = new ZstdFrameChecker();
    const raw: Buffer[] = [];
    const zstd: Buffer[] = [];
    const order: string[] = [];
    for (let i = 0; i < stream.length; i += step)
      c.update(stream.subarray(i, i + step), (kind, bytes) => {
        (kind === "raw" ? raw : zstd).push(Buffer.from(bytes));
        if (order.at(-1) !== kind) order.push(kind);
      });
    c.end();
    return { raw: Buffer.concat(raw), zstd: Buffer.concat(zstd), order };
  };

  it.each([1, 7, 4096, 1 << 20])(
    "GIVEN compressed, stored and compressed frames fed %i bytes at a time WHEN split THEN stored content comes out raw and the compressed frames whole, in order",
    async (step) => {
      const head = await zstdCompress("zstd", Buffer.from("header ".repeat(1000)));
      const tail = await zstdCompress("zstd", Buffer.from("tail ".repeat(500)));
      const a = randomBytes(200_000);
      const b = randomBytes(70_000);
      const got = split(Buffer.concat([head, rawFrame(a, true, false), rawFrame(b, false, true), tail]), step);
      expect(got.raw.equals(Buffer.concat([a, b]))).toBe(true);
      expect(got.zstd.equals(Buffer.concat([head, tail]))).toBe(true);
      expect(got.order).toEqual(["zstd", "raw", "zstd"]);
    },
  );

  it("GIVEN a frame with the kit's stored-frame header that holds a compressed block WHEN split THEN it is refused at that block", () => {
    const frame = rawFrame(Buffer.from("x".repeat(100)), true, true);
    frame[6] = frame[6]! | 0x04; // block type 2 (compressed) instead of 0 (raw)
    expect(() => split(frame, 4096)).toThrow(/compressed block in a stored frame at byte 6/);
  });

  it("GIVEN a .tar.zst bundle with random weights (stored frames) and one with tensor weights (compressed) WHEN verified, and one tampered in a stored frame THEN the first two pass and the tampered one fails", async () => {
    const t = tmpDir();
    const keys = keyPair();
    for (const [name, data] of [
      ["random", randomBytes(3 * 1024 * 1024)],
      ["tensor", tensorBytes(3 * 1024 * 1024)],
    ] as const) {
      const w = join(t, `${name}.bin`);
      writeFileSync(w, data);
      const out = join(t, `${name}.tar.zst`);
      await packFixture(out, keys, { weights: [w] });
      expect((await verifyBundle(out, verifyKey(keys.pub))).ok).toBe(true);
      if (name !== "random") continue;
      const bytes = readFileSync(out);
      const at = bytes.indexOf(data.subarray(1000, 1064));
      expect(at).toBeGreaterThan(0);
      bytes[at] = bytes[at]! ^ 0xff;
      writeFileSync(out, bytes);
      expect((await verifyBundle(out, verifyKey(keys.pub))).ok).toBe(false);
    }
  });
});
