import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyBundle } from "../src/index.js";
import { keyPair, packFixture, removeTmpDirs, tmpDir, verifyKey } from "./helpers.js";
afterAll(removeTmpDirs);

describe("any single bit flip in a .tar bundle", () => {
  const keys = keyPair();
  let tar: Buffer;
  let dir: string;

  beforeAll(async () => {
    dir = tmpDir();
    await packFixture(join(dir, "b.tar"), keys);
    tar = readFileSync(join(dir, "b.tar"));
    expect((await verifyBundle(join(dir, "b.tar"), verifyKey(keys.pub))).ok).toBe(true);
  });

  it("GIVEN a bit flipped at a random offset (headers, data, padding, end marker) WHEN verified THEN verification fails with a named problem", async () => {
    const path = join(dir, "flipped.tar");
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: tar.length - 1 }), fc.nat({ max: 7 }), async (at, bit) => {
        const b = Buffer.from(tar);
        b[at] = b[at]! ^ (1 << bit);
        writeFileSync(path, b);
        const r = await verifyBundle(path, verifyKey(keys.pub));
        expect(r.ok).toBe(false);
        expect(r.problems[0]!.file.length).toBeGreaterThan(0);
      }),
      { numRuns: 150, seed: 20261123 },
    );
  });
});
