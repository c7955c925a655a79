// Every refusal branch of the bundle check (checkBundle), on small in-memory bundles: one valid
// bundle is built, one thing is broken, the file set is re-signed where the case says so, and the
// problem must name the file and say what is wrong. Independent of pack: only the verify API.
import { createHash, generateKeyPairSync, verify } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { BundleFiles, FoundFile } from "../src/read.js";
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
