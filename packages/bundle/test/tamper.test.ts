import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import {
  appendFileSync,
  cpSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CHECKSUMS_FILE,
  MANIFEST_FILE,
  SIGNATURE_FILE,
  sha256Hex,
  tarHeader,
  type VerifyReport,
  verifyBundle,
} from "../src/index.js";
import { keyPair, packFixture, removeTmpDirs, tmpDir, verifyKey } from "./helpers.js";
afterAll(removeTmpDirs);

const keys = keyPair();
const other = keyPair();
let pristine: string;
let pristineTar: string;
let weightsDigest: string;
let textBlob: string;

function flipByte(path: string, at: number | "middle" = "middle"): void {
  const b = readFileSync(path);
  const i = at === "middle" ? Math.floor(b.length / 2) : at;
  b[i] = b[i]! ^ 0x01;
  writeFileSync(path, b);
}

function copy(): string {
  const d = join(tmpDir(), "bundle");
  cpSync(pristine, d, { recursive: true });
  return d;
}

async function verifyAt(path: string, pub = keys.pub): Promise<VerifyReport> {
  return verifyBundle(path, verifyKey(pub));
}

/** Asserts verification failed and one problem names `file` (and optionally says `what`). */
function expectNamed(r: VerifyReport, file: string, what?: RegExp): void {
  expect(r.ok).toBe(false);
  const hit = r.problems.find((p) => p.file === file || p.message.includes(file));
  expect(hit, `no problem names ${file}: ${JSON.stringify(r.problems)}`).toBeDefined();
  if (what) expect(`${hit!.file}: ${hit!.message}`).toMatch(what);
}

beforeAll(async () => {
  const t = tmpDir();
  const w = join(t, "weights.bin");
  const data = randomBytes(2 * 1024 * 1024);
  writeFileSync(w, data);
  weightsDigest = sha256Hex(data);
  pristine = join(t, "th-bundle");
  await packFixture(pristine, keys, { weights: [w] });
  pristineTar = join(t, "th.tar");
  await packFixture(pristineTar, keys, { weights: [w] });
  const index = JSON.parse(readFileSync(join(pristine, "index.json"), "utf8"));
  const m = JSON.parse(
    readFileSync(join(pristine, "blobs/sha256", index.manifests[0].digest.slice(7)), "utf8"),
  );
  textBlob = m.layers
    .find(
      (l: { annotations: Record<string, string> }) =>
        l.annotations["org.opencontainers.image.title"] === "runbooks/install.md",
    )
    .digest.slice(7);
  expect((await verifyAt(pristine)).ok).toBe(true);
  expect((await verifyAt(pristineTar)).ok).toBe(true);
});

describe("tamper detection: directory bundles", () => {
  it("GIVEN a bit flip in a text blob WHEN verified THEN that blob is named", async () => {
    const d = copy();
    flipByte(join(d, "blobs/sha256", textBlob));
    expectNamed(await verifyAt(d), `blobs/sha256/${textBlob}`, /does not match/);
  });

  it("GIVEN a bit flip in the raw weights blob WHEN verified THEN the weights blob is named", async () => {
    const d = copy();
    flipByte(join(d, "blobs/sha256", weightsDigest), 1234567);
    expectNamed(await verifyAt(d), `blobs/sha256/${weightsDigest}`);
  });

  it("GIVEN a bit flip in bundle.json WHEN verified THEN the signature over bundle.json fails", async () => {
    const d = copy();
    flipByte(join(d, MANIFEST_FILE), 40);
    expectNamed(await verifyAt(d), MANIFEST_FILE, /signature does not verify/);
  });

  it("GIVEN a bit flip in checksums.sha256 WHEN verified THEN checksums.sha256 is named", async () => {
    const d = copy();
    flipByte(join(d, CHECKSUMS_FILE), 3);
    expectNamed(await verifyAt(d), CHECKSUMS_FILE, /does not match bundle.json/);
  });

  it("GIVEN a bit flip in the signature WHEN verified THEN bundle.json.sig is named", async () => {
    const d = copy();
    const sig = Buffer.from(readFileSync(join(d, SIGNATURE_FILE), "latin1"), "base64");
    sig[sig.length - 3] = sig[sig.length - 3]! ^ 0x01;
    writeFileSync(join(d, SIGNATURE_FILE), sig.toString("base64"));
    expectNamed(await verifyAt(d), SIGNATURE_FILE, /signature does not verify/);
  });

  it("GIVEN a signature that is not base64 DER WHEN verified THEN bundle.json.sig is named as corrupted", async () => {
    const d = copy();
    writeFileSync(join(d, SIGNATURE_FILE), "not a signature!");
    expectNamed(await verifyAt(d), SIGNATURE_FILE, /corrupted/);
  });

  it("GIVEN the wrong public key WHEN verified THEN the signature fails and both key ids are shown", async () => {
    const r = await verifyAt(pristine, other.pub);
    expectNamed(r, SIGNATURE_FILE, /wrong key/);
  });

  it("GIVEN a removed blob WHEN verified THEN it is named missing", async () => {
    const d = copy();
    rmSync(join(d, "blobs/sha256", textBlob));
    expectNamed(await verifyAt(d), `blobs/sha256/${textBlob}`, /missing/);
  });

  it("GIVEN a removed signature WHEN verified THEN bundle.json.sig is named missing", async () => {
    const d = copy();
    rmSync(join(d, SIGNATURE_FILE));
    expectNamed(await verifyAt(d), SIGNATURE_FILE, /missing/);
  });

  it("GIVEN a renamed blob WHEN verified THEN the old name is missing and the new one is unlisted", async () => {
    const d = copy();
    const to = "0".repeat(64);
    renameSync(join(d, "blobs/sha256", textBlob), join(d, "blobs/sha256", to));
    const r = await verifyAt(d);
    expectNamed(r, `blobs/sha256/${textBlob}`, /missing/);
    expectNamed(r, `blobs/sha256/${to}`, /not listed/);
  });

  it("GIVEN two blobs with swapped contents WHEN verified THEN both are named", async () => {
    const d = copy();
    const [a, b] = readdirSync(join(d, "blobs/sha256")).filter((f) => f !== weightsDigest);
    const pa = join(d, "blobs/sha256", a!);
    const pb = join(d, "blobs/sha256", b!);
    const da = readFileSync(pa);
    writeFileSync(pa, readFileSync(pb));
    writeFileSync(pb, da);
    const r = await verifyAt(d);
    expectNamed(r, `blobs/sha256/${a}`);
    expectNamed(r, `blobs/sha256/${b}`);
  });

  it("GIVEN an extra file at the root WHEN verified THEN it is named as not listed", async () => {
    const d = copy();
    writeFileSync(join(d, "README.txt"), "hello");
    expectNamed(await verifyAt(d), "README.txt", /not listed/);
  });

  it("GIVEN an extra well-formed blob WHEN verified THEN it is named as not listed", async () => {
    const d = copy();
    const data = Buffer.from("smuggled");
    writeFileSync(join(d, "blobs/sha256", sha256Hex(data)), data);
    expectNamed(await verifyAt(d), `blobs/sha256/${sha256Hex(data)}`, /not listed/);
  });

  it("GIVEN an extra empty directory WHEN verified THEN it is named", async () => {
    const d = copy();
    execFileSync("mkdir", [join(d, "extra")]);
    expectNamed(await verifyAt(d), "extra/", /unexpected directory/);
  });

  it("GIVEN an edited index.json WHEN verified THEN index.json is named", async () => {
    const d = copy();
    const p = join(d, "index.json");
    writeFileSync(p, readFileSync(p, "utf8").replace("th-operations", "th-operationz"));
    expectNamed(await verifyAt(d), "index.json");
  });

  it("GIVEN an edited oci-layout WHEN verified THEN oci-layout is named", async () => {
    const d = copy();
    writeFileSync(join(d, "oci-layout"), '{"imageLayoutVersion":"9.9.9"}\n');
    expectNamed(await verifyAt(d), "oci-layout");
  });

  it("GIVEN a blob replaced by a symlink escaping the bundle WHEN verified THEN the symlink is refused by name", async () => {
    const d = copy();
    const outside = join(tmpDir(), "outside");
    writeFileSync(outside, readFileSync(join(d, "blobs/sha256", textBlob)));
    rmSync(join(d, "blobs/sha256", textBlob));
    symlinkSync(outside, join(d, "blobs/sha256", textBlob));
    expectNamed(await verifyAt(d), `blobs/sha256/${textBlob}`, /symbolic link/);
  });

  it("GIVEN a FIFO in the bundle WHEN verified THEN the special file is refused by name", async () => {
    const d = copy();
    execFileSync("mkfifo", [join(d, "pipe")]);
    expectNamed(await verifyAt(d), "pipe", /special file/);
  });

  it("GIVEN a blob edited and checksums.sha256 updated to match WHEN verified THEN checksums.sha256 no longer matches the signed manifest", async () => {
    const d = copy();
    const p = join(d, "blobs/sha256", textBlob);
    flipByte(p);
    const sums = readFileSync(join(d, CHECKSUMS_FILE), "utf8").replace(
      `${textBlob}  blobs`,
      `${sha256Hex(readFileSync(p))}  blobs`,
    );
    writeFileSync(join(d, CHECKSUMS_FILE), sums);
    expectNamed(await verifyAt(d), CHECKSUMS_FILE, /does not match bundle.json/);
  });

  it("GIVEN checksums and bundle.json rewritten consistently but not re-signed WHEN verified THEN the signature fails", async () => {
    const d = copy();
    appendFileSync(join(d, "oci-layout"), " ");
    const sums = readFileSync(join(d, CHECKSUMS_FILE), "utf8").replace(
      /^[0-9a-f]{64} {2}oci-layout$/m,
      `${sha256Hex(readFileSync(join(d, "oci-layout")))}  oci-layout`,
    );
    writeFileSync(join(d, CHECKSUMS_FILE), sums);
    const m = JSON.parse(readFileSync(join(d, MANIFEST_FILE), "utf8"));
    m.checksums.sha256 = sha256Hex(sums);
    writeFileSync(join(d, MANIFEST_FILE), `${JSON.stringify(m, null, 2)}\n`);
    const r = await verifyAt(d);
    expectNamed(r, SIGNATURE_FILE, /signature does not verify/);
    expect(r.problems).toHaveLength(1);
  });
});

// Crafted archives: the pristine tar's members, then one hostile member, then the end marker.
function header(name: string, size: number, typeflag: string, link = ""): Buffer {
  const h = tarHeader(name.length <= 100 ? name : "x", size, "file", 0);
  if (name.length > 100) throw new Error("test names stay short");
  h[156] = typeflag.charCodeAt(0);
  Buffer.from(link).copy(h, 157);
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  Buffer.from(`${sum.toString(8).padStart(6, "0")}\0 `).copy(h, 148);
  return h;
}

function member(name: string, data: Buffer, typeflag = "0", link = ""): Buffer {
  const pad = Buffer.alloc((512 - (data.length % 512)) % 512);
  return Buffer.concat([header(name, data.length, typeflag, link), data, pad]);
}

function pristineMembers(): Buffer {
  // Strip the end marker and record padding: everything after the last member's data.
  const tar = readFileSync(pristineTar);
  let off = 0;
  while (off + 512 <= tar.length) {
    const h = tar.subarray(off, off + 512);
    if (h.every((b) => b === 0)) break;
    const size = Number.parseInt(
      h.subarray(124, 136).toString("latin1").replace(/\0.*$/, "").trim() || "0",
      8,
    );
    off += 512 + Math.ceil(size / 512) * 512;
  }
  return tar.subarray(0, off);
}

function craft(...extra: Buffer[]): string {
  const p = join(tmpDir(), "crafted.tar");
  writeFileSync(p, Buffer.concat([pristineMembers(), ...extra, Buffer.alloc(1024)]));
  return p;
}

describe("tamper detection and safe extraction: tar bundles", () => {
  it("GIVEN the crafting helper with no extra member WHEN verified THEN the bundle still passes (control)", async () => {
    expect((await verifyAt(craft())).ok).toBe(true);
  });

  it("GIVEN a truncated archive WHEN verified THEN truncation is reported naming the cut entry", async () => {
    const p = join(tmpDir(), "t.tar");
    cpSync(pristineTar, p);
    truncateSync(p, Math.floor(readFileSync(p).length * 0.4));
    const r = await verifyAt(p);
    expect(r.ok).toBe(false);
    expect(r.problems[0]!.message).toMatch(/truncated|remain in the archive/);
    expect(r.problems[0]!.file).toMatch(/^blobs\/sha256\/[0-9a-f]{64}$/);
  });

  it("GIVEN an archive missing its end-of-archive marker WHEN verified THEN it is reported truncated", async () => {
    const p = join(tmpDir(), "t.tar");
    writeFileSync(p, pristineMembers());
    expectNamed(await verifyAt(p), "(end of archive)", /no end-of-archive marker/);
  });

  it("GIVEN bytes appended after the end marker WHEN verified THEN the appended data is reported", async () => {
    const p = join(tmpDir(), "t.tar");
    cpSync(pristineTar, p);
    appendFileSync(p, Buffer.from("trailing payload"));
    expectNamed(await verifyAt(p), "(end of archive)", /appended data/);
  });

  it("GIVEN a file appended as a tar member (tar -r) WHEN verified THEN it is named as beyond the signed size", async () => {
    const p = join(tmpDir(), "t.tar");
    cpSync(pristineTar, p);
    execFileSync("tar", [
      "-rf",
      p,
      "-C",
      join(import.meta.dirname, "fixtures", "policies"),
      "residency-core.yaml",
    ]);
    expectNamed(await verifyAt(p), "residency-core.yaml", /more than the \d+ bytes bundle\.json declares/);
  });

  it("GIVEN a bit flip inside a member of the .tar WHEN verified THEN that member is named", async () => {
    const p = join(tmpDir(), "t.tar");
    cpSync(pristineTar, p);
    const tar = readFileSync(p);
    // The member's header (at a block boundary), not the checksum list that names it first.
    let at = tar.indexOf(Buffer.from(`blobs/sha256/${weightsDigest}`));
    while (at % 512 !== 0) at = tar.indexOf(Buffer.from(`blobs/sha256/${weightsDigest}`), at + 1);
    tar[at + 512 + 1000] = tar[at + 512 + 1000]! ^ 0x80;
    writeFileSync(p, tar);
    expectNamed(await verifyAt(p), `blobs/sha256/${weightsDigest}`, /does not match/);
  });

  it("GIVEN a path traversal member WHEN verified THEN it is refused by name", async () => {
    expectNamed(
      await verifyAt(craft(member("../evil.sh", Buffer.from("x")))),
      "../evil.sh",
      /path traversal/,
    );
  });

  it("GIVEN a nested path traversal member WHEN verified THEN it is refused by name", async () => {
    expectNamed(
      await verifyAt(craft(member("blobs/../../etc/cron.d/x", Buffer.from("x")))),
      "blobs/../../etc/cron.d/x",
      /path traversal/,
    );
  });

  it("GIVEN an absolute path member WHEN verified THEN it is refused by name", async () => {
    expectNamed(
      await verifyAt(craft(member("/etc/passwd", Buffer.from("x")))),
      "/etc/passwd",
      /absolute path/,
    );
  });

  it("GIVEN a symlink member pointing out of the tree WHEN verified THEN it is refused by name", async () => {
    expectNamed(
      await verifyAt(craft(member("blobs/sha256/link", Buffer.alloc(0), "2", "/etc/shadow"))),
      "blobs/sha256/link",
      /symbolic link -> \/etc\/shadow/,
    );
  });

  it("GIVEN a hardlink member WHEN verified THEN it is refused by name", async () => {
    expectNamed(
      await verifyAt(craft(member("hard", Buffer.alloc(0), "1", "oci-layout"))),
      "hard",
      /hard link/,
    );
  });

  it("GIVEN a character device member WHEN verified THEN it is refused by name", async () => {
    expectNamed(
      await verifyAt(craft(member("dev/null", Buffer.alloc(0), "3"))),
      "dev/null",
      /character device/,
    );
  });

  it("GIVEN a FIFO member WHEN verified THEN it is refused by name", async () => {
    expectNamed(await verifyAt(craft(member("fifo", Buffer.alloc(0), "6"))), "fifo", /FIFO/);
  });

  it("GIVEN a duplicate member WHEN verified THEN the second copy is refused by name", async () => {
    expectNamed(
      await verifyAt(craft(member("oci-layout", Buffer.from('{"imageLayoutVersion":"1.0.0"}\n')))),
      "oci-layout",
      /duplicate entry/,
    );
  });

  it("GIVEN a header declaring more bytes than the archive holds WHEN verified THEN it is refused by name", async () => {
    const h = header("huge.bin", 0, "0");
    Buffer.from("77777777777\0").copy(h, 124);
    h.fill(0x20, 148, 156);
    let sum = 0;
    for (const b of h) sum += b;
    Buffer.from(`${sum.toString(8).padStart(6, "0")}\0 `).copy(h, 148);
    expectNamed(await verifyAt(craft(h)), "huge.bin", /declares 8589934591 bytes/);
  });

  it("GIVEN a header with a base-256 size beyond 2^53 WHEN verified THEN it is refused by name", async () => {
    const h = header("huge2.bin", 0, "0");
    h[124] = 0x80;
    h.fill(0xff, 125, 136);
    h.fill(0x20, 148, 156);
    let sum = 0;
    for (const b of h) sum += b;
    Buffer.from(`${sum.toString(8).padStart(6, "0")}\0 `).copy(h, 148);
    expectNamed(await verifyAt(craft(h)), "huge2.bin", /oversized size/);
  });

  it("GIVEN a header with a corrupted checksum WHEN verified THEN it is refused by name", async () => {
    const m = member("note.txt", Buffer.from("hi"));
    m[0] = "N".charCodeAt(0);
    expectNamed(await verifyAt(craft(m)), "Note.txt", /checksum mismatch/);
  });
});

describe("tamper detection: .tar.zst bundles", () => {
  let zst: string;
  beforeAll(async () => {
    zst = join(tmpDir(), "th.tar.zst");
    await packFixture(zst, keys);
  });

  it("GIVEN a truncated .tar.zst WHEN verified THEN it fails naming the archive", async () => {
    const p = join(tmpDir(), "t.tar.zst");
    cpSync(zst, p);
    truncateSync(p, Math.floor(readFileSync(p).length / 2));
    const r = await verifyAt(p);
    expect(r.ok).toBe(false);
    expect(r.problems[0]!.file === p || /truncated/.test(r.problems[0]!.message)).toBe(true);
  });

  it("GIVEN a .tar.zst whose decompressed tar carries a traversal member WHEN verified THEN it is refused by name", async () => {
    const p = join(tmpDir(), "evil.tar.zst");
    execFileSync("zstd", ["-q", "-f", craft(member("../../x", Buffer.from("x"))), "-o", p]);
    expectNamed(await verifyAt(p), "../../x", /path traversal/);
  });

  it("GIVEN the wrong key WHEN a .tar.zst is verified THEN bundle.json.sig is named", async () => {
    expectNamed(await verifyAt(zst, other.pub), SIGNATURE_FILE, /wrong key/);
  });
});
