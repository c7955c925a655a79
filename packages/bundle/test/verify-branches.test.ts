// Every refusal branch of the bundle check (checkBundle), on small in-memory bundles: one valid
// bundle is built, one thing is broken, the file set is re-signed where the case says so, and the
// problem must name the file and say what is wrong. Independent of pack: only the verify API.
import { createHash, generateKeyPairSync, verify } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { type BundleFiles, type FoundFile, readBundle } from "../src/read.js";
import { checkBundle, CHECKSUMS_FILE, MANIFEST_FILE, MEDIA, SIGNATURE_FILE, signDer, type VerifyKey } from "../src/index.js";

const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");
const keyOf = (): { key: VerifyKey; priv: bigint } => {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
  const keyId = sha(publicKey.export({ type: "spki", format: "der" }));
  // The private scalar, so signatures are the kit's own deterministic low-s DER (what verify requires).
  const d = BigInt(`0x${Buffer.from(privateKey.export({ format: "jwk" }).d!, "base64url").toString("hex")}`);
  return { priv: d, key: { keyId, verify: (data, der) => verify("sha256", data, publicKey, der) } };
};
const signer = keyOf();
const stranger = keyOf();

/** A valid bundle as a mutable map of path → bytes (control files are derived by `seal`). */
function contents(): Map<string, Buffer> {
  const layer = Buffer.from("weights of a very small model\n");
  const config = Buffer.from("{}");
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MEDIA.manifest,
      config: { mediaType: MEDIA.config, digest: `sha256:${sha(config)}`, size: config.length },
      layers: [{ mediaType: MEDIA.weights, digest: `sha256:${sha(layer)}`, size: layer.length }],
    }),
  );
  const index = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      manifests: [{ mediaType: MEDIA.manifest, digest: `sha256:${sha(manifest)}`, size: manifest.length }],
    }),
  );
  return new Map([
    ["oci-layout", Buffer.from('{"imageLayoutVersion":"1.0.0"}')],
    ["index.json", index],
    [`blobs/sha256/${sha(layer)}`, layer],
    [`blobs/sha256/${sha(config)}`, config],
    [`blobs/sha256/${sha(manifest)}`, manifest],
  ]);
}

interface Seal {
  /** Edits the checksum list text before it is hashed into bundle.json. */
  checksums?: (text: string) => string;
  /** Edits bundle.json before signing. */
  manifest?: (m: Record<string, unknown>) => unknown;
  /** Replaces bundle.json's bytes after signing (breaks the signature). */
  tamperManifest?: (b: Buffer) => Buffer;
  signature?: (sig: string) => string;
  priv?: typeof signer.priv;
}

/** Adds checksums.sha256, bundle.json and its signature, the way pack does. */
function seal(files: Map<string, Buffer>, o: Seal = {}): Map<string, Buffer> {
  const out = new Map(files);
  const listed = [...files.keys()].sort();
  let sums = listed.map((p) => `${sha(files.get(p)!)}  ${p}\n`).join("");
  sums = o.checksums ? o.checksums(sums) : sums;
  out.set(CHECKSUMS_FILE, Buffer.from(sums));
  const m = {
    apiVersion: "sovereign.ai/v1alpha1",
    kind: "BundleManifest",
    country: "TH",
    created: "2026-01-01T00:00:00Z",
    kitVersion: "0.1.0",
    sequence: 1,
    checksums: { path: CHECKSUMS_FILE, sha256: sha(Buffer.from(sums)), files: listed.length, bytes: 0 },
    index: { path: "index.json", sha256: files.has("index.json") ? sha(files.get("index.json")!) : "" },
    signature: { algorithm: "ecdsa-p256-sha256", keyId: signer.key.keyId, file: SIGNATURE_FILE },
  };
  let mBytes: Buffer = Buffer.from(JSON.stringify(o.manifest ? o.manifest(m) : m));
  const sig = signDer(o.priv ?? signer.priv, mBytes).toString("base64");
  if (o.tamperManifest) mBytes = o.tamperManifest(mBytes);
  out.set(MANIFEST_FILE, mBytes);
  out.set(SIGNATURE_FILE, Buffer.from(`${o.signature ? o.signature(sig) : sig}\n`));
  return out;
}

function asRead(files: Map<string, Buffer>, extra: Partial<BundleFiles> = {}): BundleFiles {
  const found = new Map<string, FoundFile>(
    [...files].map(([p, b]) => [p, { size: b.length, sha256: sha(b), content: b }]),
  );
  return { kind: "dir", files: found, dirs: new Set(["blobs", "blobs/sha256"]), problems: [], ...extra };
}

const check = (b: BundleFiles, key = signer.key) => checkBundle(b, key, "b");
const lines = (b: BundleFiles, key = signer.key) => check(b, key).problems.map((p) => `${p.file}: ${p.message}`);

function blobPath(files: Map<string, Buffer>, content: string): string {
  return [...files.keys()].find((p) => p.startsWith("blobs/") && files.get(p)!.toString() === content)!;
}

describe("bundle verify: every refusal branch", () => {
  it("GIVEN a well-formed signed bundle WHEN checked THEN ok with no problem", () => {
    const r = check(asRead(seal(contents())));
    expect(r.problems).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.files).toBe(8);
    expect(r.keyId).toBe(signer.key.keyId);
  });

  it("GIVEN a blob renamed to another digest (and listed under that name) WHEN checked THEN the name-digest mismatch is named", () => {
    const c = contents();
    const layer = blobPath(c, "weights of a very small model\n");
    const fake = `blobs/sha256/${"0".repeat(64)}`;
    c.set(fake, c.get(layer)!);
    c.delete(layer);
    const got = lines(asRead(seal(c)));
    expect(got).toContain(`${fake}: blob content has digest ${layer.slice(13)}, not the one in its name`);
  });

  it("GIVEN a file under blobs/ that is not blobs/sha256/<hex> WHEN checked THEN 'not a sha256 blob path'", () => {
    const c = contents();
    c.set("blobs/md5/abc", Buffer.from("x"));
    expect(lines(asRead(seal(c)))).toContain("blobs/md5/abc: not a sha256 blob path");
  });

  it("GIVEN a directory outside blobs/sha256 WHEN checked THEN 'unexpected directory'", () => {
    const b = asRead(seal(contents()));
    b.dirs.add("blobs/sha512");
    expect(lines(b)).toEqual(["blobs/sha512/: unexpected directory"]);
  });

  it("GIVEN a blob whose size differs from the index WHEN checked THEN the size mismatch names the blob and both sizes", () => {
    const c = contents();
    const index = JSON.parse(c.get("index.json")!.toString());
    index.manifests[0].size += 1;
    c.set("index.json", Buffer.from(JSON.stringify(index)));
    const size = index.manifests[0].size - 1;
    expect(lines(asRead(seal(c)))).toEqual([
      `blobs/sha256/${index.manifests[0].digest.slice(7)}: size ${size} differs from its descriptor in index.json (${size + 1})`,
    ]);
  });

  it("GIVEN a layer whose size differs from its manifest descriptor WHEN checked THEN the size mismatch names the layer", () => {
    const c = contents();
    const mPath = blobPath(c, c.get(`blobs/sha256/${JSON.parse(c.get("index.json")!.toString()).manifests[0].digest.slice(7)}`)!.toString());
    const m = JSON.parse(c.get(mPath)!.toString());
    m.layers[0].size = 3;
    const mBytes = Buffer.from(JSON.stringify(m));
    c.delete(mPath);
    c.set(`blobs/sha256/${sha(mBytes)}`, mBytes);
    c.set("index.json", Buffer.from(JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: MEDIA.manifest, digest: `sha256:${sha(mBytes)}`, size: mBytes.length }] })));
    const layer = m.layers[0].digest.slice(7);
    expect(lines(asRead(seal(c)))).toEqual([`blobs/sha256/${layer}: size 30 differs from its descriptor in blobs/sha256/${sha(mBytes)} (3)`]);
  });

  it("GIVEN a referenced blob that is absent WHEN checked THEN 'missing (referenced by …)'", () => {
    const c = contents();
    const layer = blobPath(c, "weights of a very small model\n");
    c.delete(layer);
    expect(lines(asRead(seal(c)))).toEqual([expect.stringMatching(new RegExp(`^${layer}: missing \\(referenced by blobs/sha256/[0-9a-f]{64}\\)$`))]);
  });

  it("GIVEN a file whose content changed after sealing WHEN checked THEN its checksum mismatch and the blob-digest mismatch are named", () => {
    const s = seal(contents());
    const layer = blobPath(s, "weights of a very small model\n");
    s.set(layer, Buffer.from("weights of a very small modeL\n"));
    const got = lines(asRead(s));
    expect(got).toContain(`${layer}: content does not match its checksum (sha256 ${sha(s.get(layer)!)}, expected ${layer.slice(13)})`);
    expect(got).toContain(`${layer}: blob content has digest ${sha(s.get(layer)!)}, not the one in its name`);
  });

  it("GIVEN a file added after sealing WHEN checked THEN 'not listed in checksums.sha256'", () => {
    const s = seal(contents());
    s.set("README", Buffer.from("hi"));
    expect(lines(asRead(s))).toEqual(["README: not listed in checksums.sha256 (unexpected file)"]);
  });

  it("GIVEN a listed file removed WHEN checked THEN 'missing (listed in checksums.sha256)'", () => {
    const s = seal(contents());
    s.delete("oci-layout");
    expect(lines(asRead(s))).toEqual(["oci-layout: missing (listed in checksums.sha256)", "oci-layout: missing"]);
  });

  it.each([CHECKSUMS_FILE, MANIFEST_FILE, SIGNATURE_FILE])("GIVEN control file %s removed WHEN checked THEN it is named missing", (f) => {
    const s = seal(contents());
    s.delete(f);
    expect(lines(asRead(s))).toContain(`${f}: missing`);
  });

  it("GIVEN a signature that is not base64 DER WHEN checked THEN 'corrupted'", () => {
    const b = asRead(seal(contents(), { signature: () => "not*base64" }));
    expect(lines(b)).toEqual([`${SIGNATURE_FILE}: is not a base64 DER ECDSA signature (corrupted)`]);
  });

  it("GIVEN bundle.json modified after signing WHEN checked THEN the signature does not verify and says what was modified", () => {
    const b = asRead(seal(contents(), { tamperManifest: (m) => Buffer.from(m.toString().replace('"files":5', '"files":6')) }));
    expect(lines(b)).toEqual([
      `${SIGNATURE_FILE}: signature does not verify over ${MANIFEST_FILE} with key ${signer.key.keyId.slice(0, 16)}… (${MANIFEST_FILE} or ${SIGNATURE_FILE} was modified)`,
    ]);
  });

  it("GIVEN a bundle checked with another key WHEN checked THEN 'wrong key?' naming both key ids", () => {
    const got = lines(asRead(seal(contents())), stranger.key);
    expect(got).toEqual([
      `${SIGNATURE_FILE}: signature does not verify: ${MANIFEST_FILE} says it was signed by key ${signer.key.keyId.slice(0, 16)}…, the given key is ${stranger.key.keyId.slice(0, 16)}… (wrong key?)`,
    ]);
  });

  it("GIVEN bundle.json that is not JSON, or not a BundleManifest WHEN checked THEN each is named", () => {
    expect(lines(asRead(seal(contents(), { tamperManifest: () => Buffer.from("{") })))).toContain(`${MANIFEST_FILE}: is not valid JSON`);
    expect(lines(asRead(seal(contents(), { manifest: (m) => ({ ...m, kind: "Other" }) })))).toEqual([
      `${MANIFEST_FILE}: is not a BundleManifest with country, created, kitVersion, sequence, checksums and index`,
    ]);
  });

  it("GIVEN checksums.sha256 not matching bundle.json WHEN checked THEN both digests are named", () => {
    const s = seal(contents());
    s.set(CHECKSUMS_FILE, Buffer.concat([s.get(CHECKSUMS_FILE)!, Buffer.from(`${"1".repeat(64)}  zz\n`)]));
    expect(lines(asRead(s))[0]).toMatch(new RegExp(`^${CHECKSUMS_FILE}: sha256 [0-9a-f]{64} does not match ${MANIFEST_FILE} \\([0-9a-f]{64}\\)$`));
  });

  it.each([
    ["without a final newline", (t: string) => t.slice(0, -1), "does not end with a newline (truncated?)"],
    ["with a malformed line", (t: string) => `${t}xyz\n`, "line 6 is not \"<sha256>  <path>\""],
    ["out of order", (t: string) => t.split("\n").slice(0, -1).reverse().join("\n") + "\n", "line 2: "],
    ["listing a path twice", (t: string) => t + t.split("\n").at(-2) + "\n", "line 6: oci-layout is out of order or listed twice"],
  ])("GIVEN a checksum list %s WHEN checked THEN the list is refused naming the line", (_w, edit, message) => {
    const got = lines(asRead(seal(contents(), { checksums: edit })));
    expect(got.filter((l) => l.startsWith(`${CHECKSUMS_FILE}: `)).join("\n")).toContain(message);
  });

  it("GIVEN index.json changed and the checksum list resealed WHEN checked THEN index.json does not match bundle.json", () => {
    const b = asRead(seal(contents(), { manifest: (m) => ({ ...m, index: { path: "index.json", sha256: "f".repeat(64) } }) }));
    expect(lines(b)).toEqual([`index.json: sha256 does not match ${MANIFEST_FILE}`]);
  });

  it("GIVEN an unsafe archive (reading stopped) WHEN checked THEN only the reader's problems are reported; a directory's are kept with the rest", () => {
    const unsafe = { file: "../evil", message: "path escapes the bundle" };
    const tar = asRead(seal(contents()), { kind: "tar", problems: [unsafe] });
    expect(check(tar).problems).toEqual([unsafe]);
    expect(check(tar).ok).toBe(false);
    const dir = asRead(seal(contents()), { problems: [unsafe] });
    expect(check(dir).problems).toEqual([unsafe]);
  });
});

describe("bundle verify: the signed manifest's fields and the expectations", () => {
  const bad = `${MANIFEST_FILE}: is not a BundleManifest with country, created, kitVersion, sequence, checksums and index`;
  it.each([
    ["null", () => null],
    ["an array", () => []],
    ["without country", (m: Record<string, unknown>) => ({ ...m, country: undefined })],
    ["with a numeric country", (m: Record<string, unknown>) => ({ ...m, country: 764 })],
    ["without created", (m: Record<string, unknown>) => ({ ...m, created: undefined })],
    ["with a created that is no date", (m: Record<string, unknown>) => ({ ...m, created: "yesterday" })],
    ["without kitVersion", (m: Record<string, unknown>) => ({ ...m, kitVersion: undefined })],
    ["with a fractional sequence", (m: Record<string, unknown>) => ({ ...m, sequence: 1.5 })],
    ["with a string sequence", (m: Record<string, unknown>) => ({ ...m, sequence: "1" })],
    ["without the checksums digest", (m: Record<string, unknown>) => ({ ...m, checksums: { path: CHECKSUMS_FILE } })],
    ["without checksums", (m: Record<string, unknown>) => ({ ...m, checksums: undefined })],
    ["without the index digest", (m: Record<string, unknown>) => ({ ...m, index: { path: "index.json" } })],
    ["without index", (m: Record<string, unknown>) => ({ ...m, index: undefined })],
  ])("GIVEN a signed bundle.json %s WHEN checked THEN it is refused as no BundleManifest, and nothing it says is reported", (_what, edit) => {
    const r = check(asRead(seal(contents(), { manifest: edit })));
    expect(r.problems.map((p) => `${p.file}: ${p.message}`)).toContain(bad);
    expect(r.ok).toBe(false);
    expect([r.country, r.created, r.sequence, r.kitVersion]).toEqual([undefined, undefined, undefined, undefined]);
  });

  it("GIVEN a valid bundle WHEN checked THEN the report carries the signed fields, the byte total and the walked graph", () => {
    const s = seal(contents());
    const r = check(asRead(s));
    expect([r.country, r.created, r.sequence, r.kitVersion]).toEqual(["TH", "2026-01-01T00:00:00Z", 1, "0.1.0"]);
    expect(r.manifest?.kind).toBe("BundleManifest");
    expect(r.bytes).toBe([...s.values()].reduce((a, b) => a + b.length, 0));
    expect(r.bundle).toBe("b");
    expect(r.kind).toBe("dir");
    expect(r.graph?.referenced.size).toBe(3);
  });

  it("GIVEN a bundle signed by another key WHEN checked THEN the manifest is read but none of its fields are reported, and no graph", () => {
    const r = check(asRead(seal(contents())), stranger.key);
    expect(r.manifest?.country).toBe("TH");
    expect([r.country, r.created, r.sequence, r.kitVersion]).toEqual([undefined, undefined, undefined, undefined]);
    expect(r.graph).toBeUndefined();
  });

  it("GIVEN a signed bundle for TH, created 2026-01-01, sequence 1 WHEN expectations are at each limit and one past it THEN only past the limit is refused", () => {
    const b = asRead(seal(contents()));
    const got = (e: Parameters<typeof checkBundle>[3]) => checkBundle(b, signer.key, "b", e).problems.map((p) => `${p.file}: ${p.message}`);
    expect(got({ country: "TH", notBefore: new Date("2026-01-01T00:00:00Z"), minSequence: 1 })).toEqual([]);
    expect(got({ country: "th" })).toEqual([`${MANIFEST_FILE}: signed for country TH, not th (another country's bundle)`]);
    expect(got({ notBefore: new Date("2026-01-01T00:00:00.001Z") })).toEqual([
      `${MANIFEST_FILE}: created 2026-01-01T00:00:00Z, before --not-before 2026-01-01T00:00:00.001Z (an older release)`,
    ]);
    expect(got({ minSequence: 2 })).toEqual([
      `${MANIFEST_FILE}: sequence 1 is below --min-sequence 2 (a rollback to an older bundle)`,
    ]);
    expect(got({ country: "KR", minSequence: 9 })).toHaveLength(2);
    // Unsigned claims are not compared: the signature problem is the only one.
    expect(checkBundle(b, stranger.key, "b", { country: "KR" }).problems).toHaveLength(1);
  });

  it("GIVEN the same problem found twice WHEN reported THEN it is listed once", () => {
    const unsafe = { file: "oci-layout", message: "missing" };
    const s = seal(contents());
    s.delete("oci-layout");
    const r = check(asRead(s, { problems: [unsafe] }));
    expect(r.problems.filter((p) => p.file === "oci-layout" && p.message === "missing")).toHaveLength(1);
  });
});

describe("bundle verify: signature encodings", () => {
  const der = () => {
    let sig = "";
    seal(contents(), { signature: (x) => (sig = x) });
    return Buffer.from(sig, "base64");
  };
  const corrupted = `${SIGNATURE_FILE}: is not a base64 DER ECDSA signature (corrupted)`;
  it.each([
    ["base64 with a character outside the alphabet", (d: Buffer) => `${d.toString("base64")}!`],
    ["base64 with three padding characters", (d: Buffer) => `${d.toString("base64").replace(/=*$/, "")}===`],
    ["base64url instead of base64", (d: Buffer) => d.toString("base64url")],
    ["a 7-byte DER", (d: Buffer) => d.subarray(0, 7).toString("base64")],
    ["a DER not starting with SEQUENCE", (d: Buffer) => Buffer.concat([Buffer.from([0x31]), d.subarray(1)]).toString("base64")],
    ["empty", () => ""],
  ])("GIVEN a signature that is %s WHEN checked THEN corrupted", (_what, enc) => {
    const d = der();
    expect(lines(asRead(seal(contents(), { signature: () => enc(d) })))).toEqual([corrupted]);
  });

  it("GIVEN the signature with surrounding whitespace WHEN checked THEN it verifies (the file is trimmed)", () => {
    expect(check(asRead(seal(contents(), { signature: (x) => `  ${x}\n` }))).ok).toBe(true);
  });

  it("GIVEN a DER with a high s (the malleated twin) WHEN checked THEN refused as not strict low-s", () => {
    const d = der();
    // SEQUENCE { INTEGER r, INTEGER s }: replace s by n - s.
    const n = BigInt("0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551");
    const rLen = d[3]!;
    const sOff = 4 + rLen;
    const s = BigInt(`0x${d.subarray(sOff + 2, sOff + 2 + d[sOff + 1]!).toString("hex")}`);
    let hi = (n - s).toString(16).padStart(64, "0");
    if (Number.parseInt(hi.slice(0, 2), 16) >= 0x80) hi = `00${hi}`;
    const sBytes = Buffer.from(hi, "hex");
    const r = d.subarray(2, sOff);
    const body = Buffer.concat([r, Buffer.from([0x02, sBytes.length]), sBytes]);
    const twin = Buffer.concat([Buffer.from([0x30, body.length]), body]);
    expect(lines(asRead(seal(contents(), { signature: () => twin.toString("base64") })))).toEqual([
      `${SIGNATURE_FILE}: is not a strict DER low-s signature (a malleated copy of a signature is refused)`,
    ]);
  });

  it("GIVEN bundle.json replaced by non-JSON under a valid-looking signature WHEN checked THEN 'was modified', not 'wrong key'", () => {
    const got = lines(asRead(seal(contents(), { tamperManifest: () => Buffer.from("{") })));
    expect(got).toContain(
      `${SIGNATURE_FILE}: signature does not verify over ${MANIFEST_FILE} with key ${signer.key.keyId.slice(0, 16)}… (${MANIFEST_FILE} or ${SIGNATURE_FILE} was modified)`,
    );
  });
});

describe("bundle verify: listing, layout and report details", () => {
  it("GIVEN a listed extra file whose name sorts before every other (upper case) WHEN checked THEN the list is in order and the bundle ok", () => {
    const c = contents();
    c.set("LICENSE", Buffer.from("terms\n"));
    expect(lines(asRead(seal(c)))).toEqual([]);
  });

  it("GIVEN a checksum line with a prefix before the digest, or with CRLF line ends WHEN checked THEN the line is refused", () => {
    const prefixed = (t: string) => t.replace(/^/, "x");
    expect(lines(asRead(seal(contents(), { checksums: prefixed })))).toContain(`${CHECKSUMS_FILE}: line 1 is not "<sha256>  <path>"`);
    const crlf = (t: string) => t.replace(/\n/g, "\r\n");
    expect(lines(asRead(seal(contents(), { checksums: crlf })))).toContain(`${CHECKSUMS_FILE}: line 1 is not "<sha256>  <path>"`);
  });

  it("GIVEN two unlisted files and two unexpected directories added out of order WHEN checked THEN each is named, in name order", () => {
    const s = seal(contents());
    s.set("zz", Buffer.from("z"));
    s.set("README", Buffer.from("r"));
    const b = asRead(s);
    b.dirs.add("zdir");
    b.dirs.add("adir");
    expect(lines(b)).toEqual([
      "README: not listed in checksums.sha256 (unexpected file)",
      "zz: not listed in checksums.sha256 (unexpected file)",
      "adir/: unexpected directory",
      "zdir/: unexpected directory",
    ]);
  });

  it("GIVEN a blob named by its own digest and listed, but referenced by nothing WHEN checked THEN 'unexpected blob'", () => {
    const c = contents();
    const stray = Buffer.from("stray\n");
    c.set(`blobs/sha256/${sha(stray)}`, stray);
    expect(lines(asRead(seal(c)))).toEqual([`blobs/sha256/${sha(stray)}: not referenced by the OCI index or manifest (unexpected blob)`]);
  });

  it("GIVEN a blob path nested under another directory WHEN checked THEN it is not taken for a blob (only the directories are refused)", () => {
    const c = contents();
    const layer = blobPath(c, "weights of a very small model\n");
    c.set(`extra/${layer}`, c.get(layer)!);
    const b = asRead(seal(c));
    b.dirs.add("extra");
    expect(lines(b)).toEqual(["extra/: unexpected directory"]);
  });

  it("GIVEN a file under blobs/sha256 whose name continues past the digest on a new line WHEN checked THEN not a sha256 blob path", () => {
    const s = seal(contents());
    const layer = blobPath(s, "weights of a very small model\n");
    s.set(`${layer}\nx`, s.get(layer)!);
    expect(lines(asRead(s)).filter((l) => l.endsWith(": not a sha256 blob path"))).toHaveLength(1);
  });

  it("GIVEN bundle.json removed WHEN checked THEN exactly that is reported (no JSON error on the absent file)", () => {
    const s = seal(contents());
    s.delete(MANIFEST_FILE);
    const r = check(asRead(s));
    expect(r.problems.map((p) => `${p.file}: ${p.message}`)).toEqual([`${MANIFEST_FILE}: missing`]);
  });

  it("GIVEN the signature removed WHEN checked THEN bundle.json is read but none of its claims are reported", () => {
    const s = seal(contents());
    s.delete(SIGNATURE_FILE);
    const r = check(asRead(s), signer.key);
    expect(r.manifest?.country).toBe("TH");
    expect([r.country, r.created, r.sequence, r.kitVersion]).toEqual([undefined, undefined, undefined, undefined]);
    expect(checkBundle(asRead(s), signer.key, "b", { country: "KR" }).problems.map((p) => p.file)).toEqual([SIGNATURE_FILE]);
  });

  it("GIVEN an unsafe tar whose files are also incomplete WHEN checked THEN only the reader's problem; the same from a directory THEN every problem", () => {
    const s = seal(contents());
    s.delete(MANIFEST_FILE);
    const unsafe = { file: "../evil", message: "path escapes the bundle" };
    expect(check(asRead(s, { kind: "tar", problems: [unsafe] })).problems).toEqual([unsafe]);
    expect(check(asRead(s, { kind: "dir", problems: [unsafe] })).problems).toEqual([unsafe, { file: MANIFEST_FILE, message: "missing" }]);
    expect(check(asRead(s, { kind: "tar" })).problems).toEqual([{ file: MANIFEST_FILE, message: "missing" }]);
  });

  it("GIVEN a checksum list the reader did not keep (too large) WHEN checked THEN it is refused, not skipped", () => {
    const b = asRead(seal(contents()));
    const sums = b.files.get(CHECKSUMS_FILE)!;
    b.files.set(CHECKSUMS_FILE, { size: sums.size, sha256: sums.sha256 });
    expect(lines(b)).toEqual([`${CHECKSUMS_FILE}: ${sums.size} bytes is too large to check (refused)`]);
  });

  it("GIVEN a directory bundle whose checksum list is over 1 MiB WHEN an unlisted file is added THEN the read list still names it", async () => {
    const files = contents();
    // 3,500 listed files with long names: a list of about 1.1 MiB, past what is kept for other files.
    for (let i = 0; i < 3500; i++) files.set(`n${String(i).padStart(5, "0")}-${"x".repeat(240)}`, Buffer.from(`${i}`));
    const sealed = seal(files);
    const dir = mkdtempSync(join(tmpdir(), "verify-large-list-"));
    try {
      for (const [p, b] of sealed) {
        mkdirSync(dirname(join(dir, p)), { recursive: true });
        writeFileSync(join(dir, p), b);
      }
      expect(sealed.get(CHECKSUMS_FILE)!.length).toBeGreaterThan(1024 * 1024);
      expect(check(await readBundle(dir, { hash: true })).problems).toEqual([]);
      writeFileSync(join(dir, "zz-unlisted"), "smuggled");
      expect(lines(await readBundle(dir, { hash: true }))).toEqual([
        "zz-unlisted: not listed in checksums.sha256 (unexpected file)",
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
