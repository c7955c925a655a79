// The stages of packing, one by one: hash (what is hashed is what the bundle holds), layout (one
// blob per content, sorted, the graph closed), sign (the list, manifest and signature agree), and
// the archive write stage's kernel-side copy (checked against the signed digest).
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { open } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CHECKSUMS_FILE, MANIFEST_FILE, SIGNATURE_FILE } from "../src/format.js";
import { PARALLEL_MIN, readAhead, sha256File } from "../src/hash.js";
import type { BundleItem } from "../src/items.js";
import { type BundleEntry, type HashedArtifact, hashArtifacts, layoutBundle, signBundle } from "../src/pack-stages.js";
import { writeBundleArchive } from "../src/pack-write.js";
import { stageAndHash } from "../src/copy.js";
import { keyPair, removeTmpDirs, tmpDir, tmpFile, verifyKey } from "./helpers.js";
import { loadSigningKey } from "../src/index.js";
afterAll(removeTmpDirs);

const sha = (b: Buffer | string) => createHash("sha256").update(b).digest("hex");
const bytes = (n: number, seed: number) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff));
const artifact = (file: string, title: string): BundleItem => ({ title, kind: "weights", file, size: statSync(file).size });
const text = (title: string, body: string): BundleItem => ({ title, kind: "runbook", text: Buffer.from(body), contentType: "text/markdown" });
const LAYOUT = { country: "zz", displayName: "Zedland", createdIso: "2023-11-14T22:13:20Z", kitVersion: "0.1.0", recipe: null };

describe("hash stage", () => {
  it("GIVEN directory output WHEN weights are hashed THEN the staged copy holds the hashed bytes and does not follow later edits of the input", async () => {
    const data = bytes(3 * 1024 * 1024 + 17, 5);
    const file = tmpFile("model.safetensors", data);
    const stage = tmpDir();
    const [h] = await hashArtifacts([artifact(file, "weights/model.safetensors")], undefined, stage);
    expect(h!.sha256).toBe(sha(data));
    expect(h!.size).toBe(data.length);
    expect(h!.staged).toBe(join(stage, "0"));
    writeFileSync(file, bytes(data.length, 6));
    expect(sha(readFileSync(h!.staged!))).toBe(sha(data));
    expect(statSync(h!.staged!).ino).not.toBe(statSync(file).ino);
  });

  it("GIVEN a staged file above the parallel threshold with a PEM key near its end WHEN hashed THEN the copy holds the input's bytes, mode 0644, and the scan saw them all and names the input", async () => {
    const size = PARALLEL_MIN + 4 * 1024 * 1024 + 5;
    const data = Buffer.alloc(size);
    for (let i = 0; i < size; i += 4096) data.writeUInt32LE((i * 2654435761) >>> 0, i);
    const file = tmpFile("big.bin", data);
    const stage = tmpDir();
    const seen = createHash("sha256");
    const done: number[] = [];
    const r = await stageAndHash(file, join(stage, "0"), (_l, n, total) => done.push(n / total), "big", (c) => {
      seen.update(c);
    });
    expect(r).toEqual({ sha256: sha(data), size });
    expect(seen.digest("hex")).toBe(sha(data));
    expect(sha(readFileSync(join(stage, "0")))).toBe(sha(data));
    expect(statSync(join(stage, "0")).mode & 0o777).toBe(0o644);
    expect(done.at(-1)).toBe(1);
    Buffer.from("-----BEGIN PRIVATE KEY-----\nMII\n").copy(data, size - 1000);
    writeFileSync(file, data);
    await expect(hashArtifacts([artifact(file, "w")], undefined, tmpDir())).rejects.toMatchObject({
      issues: [{ code: "bundle.secret", file, message: expect.stringContaining("a PEM private key") }],
    });
  });

  it("GIVEN a staged name that already exists, or an input that is a FIFO WHEN staged THEN it is refused and the existing file is left alone", async () => {
    const stage = tmpDir();
    writeFileSync(join(stage, "0"), "mine");
    await expect(stageAndHash(tmpFile("w.bin", bytes(100, 1)), join(stage, "0"), undefined, "w")).rejects.toMatchObject({ code: "EEXIST" });
    expect(readFileSync(join(stage, "0"), "utf8")).toBe("mine");
    const fifo = join(tmpDir(), "pipe");
    execFileSync("mkfifo", [fifo]);
    await expect(stageAndHash(fifo, join(stage, "1"), undefined, "w")).rejects.toMatchObject({ issues: [{ code: "file.unreadable" }] });
    expect(existsSync(join(stage, "1"))).toBe(false);
  });

  it("GIVEN archive output WHEN weights are hashed THEN nothing is staged and the input's digest is returned", async () => {
    const data = bytes(1000, 1);
    const [h] = await hashArtifacts([artifact(tmpFile("w.bin", data), "weights/w.bin")], undefined, undefined);
    expect(h).toMatchObject({ sha256: sha(data), size: 1000, staged: undefined });
  });

  it("GIVEN a weights file carrying a PEM private key WHEN hashed THEN it is refused naming the input file", async () => {
    const file = tmpFile("w.bin", Buffer.concat([bytes(5000, 2), Buffer.from("-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n")]));
    await expect(hashArtifacts([artifact(file, "weights/w.bin")], undefined, tmpDir())).rejects.toThrow(file);
  });
});

describe("layout stage", () => {
  const hashedOf = (file: string, title: string, data: Buffer): HashedArtifact => ({
    title,
    kind: "weights",
    file,
    sha256: sha(data),
    size: data.length,
  });

  it("GIVEN two weights titles with the same bytes WHEN laid out THEN one blob holds them, files are sorted and the index names the manifest blob", () => {
    const data = bytes(100, 3);
    const a = hashedOf("/in/a", "weights/b.bin", data);
    const b = hashedOf("/in/b", "weights/a.bin", data);
    const { files, layers } = layoutBundle(LAYOUT, [text("runbooks/x.md", "# x\n")], [a, b]);
    const paths = files.map((f) => f.path);
    expect(paths).toEqual([...paths].sort());
    expect(paths.filter((p) => p === `blobs/sha256/${sha(data)}`)).toHaveLength(1);
    expect(layers.map((l) => l.title)).toEqual(["runbooks/x.md", "weights/a.bin", "weights/b.bin"]);
    const index = JSON.parse(readBytes(files, "index.json").toString()) as { manifests: { digest: string }[] };
    const manifestPath = `blobs/sha256/${index.manifests[0]!.digest.slice("sha256:".length)}`;
    const manifest = JSON.parse(readBytes(files, manifestPath).toString()) as { layers: { digest: string }[]; config: { digest: string } };
    expect(manifest.layers.map((l) => l.digest)).toContain(`sha256:${sha(data)}`);
    expect(paths).toContain(`blobs/sha256/${manifest.config.digest.slice("sha256:".length)}`);
    for (const f of files) if (f.source.kind === "bytes") expect(sha(Buffer.from(f.source.data))).toBe(f.sha256);
  });
});

function readBytes(files: readonly BundleEntry[], path: string): Buffer {
  const f = files.find((x) => x.path === path)!;
  if (f.source.kind !== "bytes") throw new Error(`${path} is not in memory`);
  return Buffer.from(f.source.data);
}

describe("sign stage", () => {
  it("GIVEN laid-out files WHEN signed THEN the checksum list names each file in order, bundle.json commits to it and the signature verifies", () => {
    const keys = keyPair();
    const { files } = layoutBundle(LAYOUT, [text("runbooks/y.md", "# y\n")], []);
    const { all, manifest, manifestBytes } = signBundle(
      { country: "zz", createdIso: LAYOUT.createdIso, kitVersion: "0.1.0", sequence: 42, signingKey: loadSigningKey(keys.priv) },
      files,
    );
    const list = readBytes(all, CHECKSUMS_FILE).toString();
    expect(list).toBe(files.map((f) => `${f.sha256}  ${f.path}\n`).join(""));
    expect(manifest.checksums).toMatchObject({ sha256: sha(list), files: files.length, bytes: files.reduce((a, f) => a + f.size, 0) });
    expect(manifest.sequence).toBe(42);
    expect(readBytes(all, MANIFEST_FILE).equals(manifestBytes)).toBe(true);
    const der = Buffer.from(readBytes(all, SIGNATURE_FILE).toString(), "base64");
    expect(verifyKey(keys.pub).verify(manifestBytes, der)).toBe(true);
    expect(verifyKey(keys.pub).verify(Buffer.concat([manifestBytes, Buffer.from(" ")]), der)).toBe(false);
    expect(all.map((f) => f.path)).toEqual([...all.map((f) => f.path)].sort());
  });
});

describe("archive write stage", () => {
  const write = (file: string, digest: string, size: number) => {
    const out = join(tmpDir(), "b.tar");
    const entry: BundleEntry = { path: `blobs/sha256/${digest}`, sha256: digest, size, source: { kind: "file", path: file, size, sha256: digest } };
    const small: BundleEntry = { path: "oci-layout", sha256: "", size: 3, source: { kind: "bytes", data: Buffer.from("{}\n") } };
    return { out, run: () => writeBundleArchive({ out, sourceDateEpoch: 1, zstd: "zstd", owned: () => undefined }, [entry, small], "tar") };
  };

  it("GIVEN a weights file WHEN written into a .tar by the kernel copy THEN GNU tar extracts exactly its bytes", async () => {
    const data = bytes(2 * 1024 * 1024 + 3, 9);
    const file = tmpFile("w.bin", data);
    const w = write(file, sha(data), data.length);
    await w.run();
    const dest = tmpDir();
    execFileSync("tar", ["-xf", w.out, "-C", dest]);
    expect(sha(readFileSync(join(dest, "blobs", "sha256", sha(data))))).toBe(sha(data));
    expect(readFileSync(join(dest, "oci-layout"), "utf8")).toBe("{}\n");
  });

  it("GIVEN a weights file that changed after it was hashed (same size) WHEN written THEN it is refused and no archive is left", async () => {
    const data = bytes(70_000, 4);
    const file = tmpFile("w.bin", data);
    const w = write(file, sha(bytes(70_000, 5)), data.length);
    await expect(w.run()).rejects.toMatchObject({ code: "bundle.input_changed" });
    expect(existsSync(w.out)).toBe(false);
    expect(readdirSync(join(w.out, "..")).filter((n) => n.startsWith(".sovereign-tmp"))).toEqual([]);
  });

  it("GIVEN a weights file that grew after it was hashed WHEN written THEN it is refused for its size", async () => {
    const data = bytes(70_000, 4);
    const file = tmpFile("w.bin", Buffer.concat([data, Buffer.from("more")]));
    const w = write(file, sha(data), data.length);
    await expect(w.run()).rejects.toThrow(/changed size \(70004 bytes, not 70000\)/);
    expect(existsSync(w.out)).toBe(false);
  });
  it("GIVEN a weights file that shrank after it was hashed WHEN written THEN the check that follows the copy stops at its end and refuses it", async () => {
    const data = bytes(5 * 1024 * 1024, 4);
    const file = tmpFile("w.bin", data.subarray(0, 3 * 1024 * 1024));
    const w = write(file, sha(data), data.length);
    await expect(w.run()).rejects.toThrow(/changed size \(3145728 bytes, not 5242880\)/);
    expect(existsSync(w.out)).toBe(false);
  });

  it("GIVEN a weights file of several chunks WHEN written into a .tar THEN the archive holds it whole and GNU tar lists its size", async () => {
    const data = bytes(9 * 1024 * 1024 + 5, 3);
    const file = tmpFile("w.bin", data);
    const w = write(file, sha(data), data.length);
    await w.run();
    const listing = execFileSync("tar", ["-tvf", w.out], { encoding: "utf8" });
    expect(listing).toContain(String(data.length));
    const dest = tmpDir();
    execFileSync("tar", ["-xf", w.out, "-C", dest]);
    expect(readFileSync(join(dest, "blobs", "sha256", sha(data))).equals(data)).toBe(true);
  });
});

describe("readAhead", () => {
  it("GIVEN a range WHEN read THEN exactly those bytes come back, in order, and the handle's position is untouched", async () => {
    const data = bytes(10_000, 7);
    const fh = await open(tmpFile("r.bin", data), "r");
    try {
      const got: Buffer[] = [];
      for await (const c of readAhead(fh, 1024, { from: 1234, length: 5000 })) got.push(Buffer.from(c));
      expect(Buffer.concat(got).equals(data.subarray(1234, 6234))).toBe(true);
      const first: Buffer[] = [];
      for await (const c of readAhead(fh, 4096)) first.push(Buffer.from(c));
      expect(Buffer.concat(first).equals(data)).toBe(true);
    } finally {
      await fh.close();
    }
  });
});

describe("sha256File with a second thread", () => {
  it("GIVEN a file above the parallel threshold with a PEM key near its end WHEN hashed with a scan THEN the digest is the file's, the scan saw every byte in order and found the key", async () => {
    const size = PARALLEL_MIN + 4 * 1024 * 1024 + 5;
    const data = Buffer.alloc(size);
    for (let i = 0; i < size; i += 4096) data.writeUInt32LE(i * 2654435761 >>> 0, i);
    const key = Buffer.from("-----BEGIN PRIVATE KEY-----\nMII\n");
    key.copy(data, size - 1000);
    const file = tmpFile("big.bin", data);
    const seen = createHash("sha256");
    let chunks = 0;
    const r = await sha256File(file, undefined, "big", (c) => {
      seen.update(c);
      chunks++;
    });
    const whole = createHash("sha256").update(data).digest("hex");
    expect(r).toEqual({ sha256: whole, size });
    expect(seen.digest("hex")).toBe(whole);
    expect(chunks).toBeGreaterThan(3);
    await expect(hashArtifacts([artifact(file, "w")], undefined, undefined)).rejects.toMatchObject({
      issues: [{ code: "bundle.secret", message: expect.stringContaining("a PEM private key") }],
    });
  });
});
