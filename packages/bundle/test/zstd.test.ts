import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { rawFrame, zstdCompress } from "../src/zstd.js";
import { keyPair, packFixture, removeTmpDirs, tmpDir } from "./helpers.js";
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
