import { createHash, randomBytes } from "node:crypto";
import { readFileSync, renameSync, rmSync, symlinkSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  CHECKSUMS_FILE,
  extractBundle,
  loadSigningKey,
  MANIFEST_FILE,
  MEDIA,
  type Progress,
  SIGNATURE_FILE,
  verifyBundle,
} from "../src/index.js";
import { keyPair, packFixture, removeTmpDirs, tmpDir, verifyKey } from "./helpers.js";
afterAll(removeTmpDirs);

// Issue 9, item 3: extract writes exactly the bytes that were verified, read once.
const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");
/** Weights just over the 64 MiB threshold above which the reader reports progress per file. */
const BIG = 64 * 1024 * 1024 + 4096;

function bigWeights(dir: string, fill: number): string {
  const w = join(dir, "model.bin");
  writeFileSync(w, Buffer.alloc(4096, fill));
  truncateSync(w, BIG);
  return w;
}

describe("extract uses the verified bytes, never a second read", () => {
  const keys = keyPair();

  it("GIVEN a directory bundle whose weights blob is rewritten right after it was hashed WHEN extracted THEN the verified bytes are written, not the new ones", async () => {
    const t = tmpDir();
    const w = bigWeights(t, 1);
    const digest = sha(readFileSync(w));
    const b = join(t, "b");
    await packFixture(b, keys, { weights: [w] });
    const blob = join(b, "blobs/sha256", digest);
    let swapped = false;
    const swap: Progress = (label, done, total) => {
      if (!swapped && label === `verify blobs/sha256/${digest}` && done === total) {
        swapped = true;
        const evil = Buffer.alloc(BIG, 0x66);
        rmSync(blob);
        writeFileSync(blob, evil);
      }
    };
    const r = await extractBundle(b, verifyKey(keys.pub), join(t, "out"), swap);
    expect(swapped).toBe(true);
    expect(r.report.ok).toBe(true);
    expect(sha(readFileSync(join(t, "out", "weights/model.bin")))).toBe(digest);
  });

  it("GIVEN a directory bundle whose weights blob becomes a symlink right after it was hashed WHEN extracted THEN the verified bytes are written and the link is never followed", async () => {
    const t = tmpDir();
    const w = bigWeights(t, 2);
    const digest = sha(readFileSync(w));
    const b = join(t, "b");
    await packFixture(b, keys, { weights: [w] });
    const target = join(t, "elsewhere.bin");
    writeFileSync(target, "not the weights");
    const swap: Progress = (label, done, total) => {
      if (label === `verify blobs/sha256/${digest}` && done === total) {
        rmSync(join(b, "blobs/sha256", digest));
        symlinkSync(target, join(b, "blobs/sha256", digest));
      }
    };
    const r = await extractBundle(b, verifyKey(keys.pub), join(t, "out"), swap);
    expect(r.report.ok).toBe(true);
    expect(sha(readFileSync(join(t, "out", "weights/model.bin")))).toBe(digest);
  });

  it("GIVEN a .tar bundle replaced by another signed bundle right after it was read WHEN extracted THEN the first (verified) bundle's content is written", async () => {
    const t = tmpDir();
    const w = bigWeights(t, 3);
    const digest = sha(readFileSync(w));
    const b = join(t, "b.tar");
    await packFixture(b, keys, { weights: [w] });
    const w2 = join(t, "w2");
    writeFileSync(w2, randomBytes(1000));
    await packFixture(join(t, "c.tar"), keys, { weights: [w2] });
    const swap: Progress = (label, done, total) => {
      if (label === `verify ${b}` && done === total) renameSync(join(t, "c.tar"), b);
    };
    const r = await extractBundle(b, verifyKey(keys.pub), join(t, "out"), swap);
    expect(r.report.ok).toBe(true);
    expect(sha(readFileSync(join(t, "out", "weights/model.bin")))).toBe(digest);
  });
});

/** Rewrites index.json with `edit`, then the checksum list, manifest and signature, validly signed. */
function resign(dir: string, priv: string, edit: (index: Record<string, unknown>) => void, extra: Record<string, Buffer> = {}): void {
  const index = JSON.parse(readFileSync(join(dir, "index.json"), "utf8")) as Record<string, unknown>;
  edit(index);
  const indexBytes = Buffer.from(`${JSON.stringify(index, null, 2)}\n`);
  writeFileSync(join(dir, "index.json"), indexBytes);
  for (const [name, data] of Object.entries(extra)) writeFileSync(join(dir, name), data);
  const lines = readFileSync(join(dir, CHECKSUMS_FILE), "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => (l.endsWith("  index.json") ? `${sha(indexBytes)}  index.json` : l));
  for (const [name, data] of Object.entries(extra)) lines.push(`${sha(data)}  ${name}`);
  lines.sort((a, b) => (a.slice(66) < b.slice(66) ? -1 : 1));
  const checksums = Buffer.from(`${lines.join("\n")}\n`);
  writeFileSync(join(dir, CHECKSUMS_FILE), checksums);
  const m = JSON.parse(readFileSync(join(dir, MANIFEST_FILE), "utf8"));
  m.checksums.sha256 = sha(checksums);
  m.index.sha256 = sha(indexBytes);
  const mBytes = Buffer.from(`${JSON.stringify(m, null, 2)}\n`);
  writeFileSync(join(dir, MANIFEST_FILE), mBytes);
  writeFileSync(join(dir, SIGNATURE_FILE), loadSigningKey(priv).sign(mBytes).toString("base64"));
}

describe("verify refuses an OCI graph it cannot walk completely", () => {
  const keys = keyPair();

  it("GIVEN a validly signed bundle whose index points at a nested image index WHEN verified THEN it fails naming index.json", async () => {
    const b = join(tmpDir(), "b");
    await packFixture(b, keys);
    resign(b, keys.priv, (i) => {
      (i.manifests as { mediaType: string }[])[0]!.mediaType = MEDIA.index;
    });
    const r = await verifyBundle(b, verifyKey(keys.pub));
    expect(r.ok).toBe(false);
    expect(r.problems).toContainEqual(expect.objectContaining({ file: "index.json", message: expect.stringMatching(/not an OCI image manifest/) }));
  });

  it("GIVEN a validly signed bundle with a second index entry WHEN verified THEN index.json is named", async () => {
    const b = join(tmpDir(), "b");
    await packFixture(b, keys);
    resign(b, keys.priv, (i) => {
      const m = i.manifests as Record<string, unknown>[];
      m.push({ ...m[0], annotations: {} });
    });
    const r = await verifyBundle(b, verifyKey(keys.pub));
    expect(r.ok).toBe(false);
    expect(r.problems).toContainEqual({ file: "index.json", message: "lists 2 manifests; a bundle has exactly one" });
  });

  it("GIVEN a validly signed bundle with an extra listed blob nothing references WHEN verified THEN the blob is named", async () => {
    const b = join(tmpDir(), "b");
    await packFixture(b, keys);
    const extra = Buffer.from("smuggled\n");
    resign(b, keys.priv, () => {}, { [`blobs/sha256/${sha(extra)}`]: extra });
    const r = await verifyBundle(b, verifyKey(keys.pub));
    expect(r.ok).toBe(false);
    expect(r.problems).toContainEqual({
      file: `blobs/sha256/${sha(extra)}`,
      message: "not referenced by the OCI index or manifest (unexpected blob)",
    });
  });

  it("GIVEN a signed index whose entry is not an object WHEN extracted THEN verification fails (exit 1 path), no exception", async () => {
    const t = tmpDir();
    const b = join(t, "b");
    await packFixture(b, keys);
    resign(b, keys.priv, (i) => {
      i.manifests = ["not a descriptor"];
    });
    const r = await extractBundle(b, verifyKey(keys.pub), join(t, "out"));
    expect(r.report.ok).toBe(false);
    expect(r.written).toEqual([]);
  });
});

describe("verify reports progress on a large archive", () => {
  const keys = keyPair();

  it.each(["b.tar", "b.tar.zst"])(
    "GIVEN a %s with weights over the progress threshold WHEN verified THEN progress rises under one label and ends with done equal to total",
    async (name) => {
      const t = tmpDir();
      const b = join(t, name);
      await packFixture(b, keys, { weights: [bigWeights(t, 5)] });
      const seen: [string, number, number][] = [];
      const r = await verifyBundle(b, verifyKey(keys.pub), (label, done, total) => seen.push([label, done, total]));
      expect(r.ok).toBe(true);
      const mine = seen.filter(([label]) => label === `verify ${b}`);
      expect(mine.length).toBeGreaterThan(2);
      expect(mine.some(([, done, total]) => done < total)).toBe(true);
      for (let i = 1; i < mine.length; i++) expect(mine[i]![1]).toBeGreaterThanOrEqual(mine[i - 1]![1]);
      const [, lastDone, lastTotal] = mine.at(-1)!;
      expect(lastDone).toBe(lastTotal);
      expect(lastTotal).toBeGreaterThan(BIG);
    },
  );
});
