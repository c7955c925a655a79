import { printable } from "@sovereign/diagnostics";
import { isCanonicalSignature } from "./ecdsa.js";
import { type BundleManifest, CHECKSUMS_FILE, CONTROL_FILES, MANIFEST_FILE, SIGNATURE_FILE } from "./format.js";
import { type Graph, walkGraph } from "./graph.js";
import type { Progress } from "./hash.js";
import type { VerifyKey } from "./keys.js";
import { type BundleFiles, type Problem, readBundle } from "./read.js";

/** What the verifier expects of a bundle beyond a valid signature: binding and freshness. */
export interface VerifyExpectations {
  /** Refuse a bundle for another country (lowercase ISO code). @default any country */
  country?: string;
  /** Refuse a bundle created before this instant (rollback to an older release). @default any */
  notBefore?: Date;
  /** Refuse a bundle whose sequence is below this (rollback). @default any */
  minSequence?: number;
}

/** Outcome of `bundle verify`: data, rendered by the CLI. */
export interface VerifyReport {
  ok: boolean;
  bundle: string;
  kind: BundleFiles["kind"];
  files: number;
  bytes: number;
  keyId: string;
  /** What the signed manifest says (only when its signature verified). */
  country?: string;
  created?: string;
  sequence?: number;
  kitVersion?: string;
  manifest?: BundleManifest;
  problems: Problem[];
}

const ALLOWED_DIRS = new Set(["blobs", "blobs/sha256"]);

function parseChecksums(text: string, problems: Problem[]): Map<string, string> | undefined {
  const out = new Map<string, string>();
  const lines = text.split("\n");
  if (lines.at(-1) !== "") {
    problems.push({ file: CHECKSUMS_FILE, message: "does not end with a newline (truncated?)" });
    return undefined;
  }
  let prev = "";
  for (const [i, line] of lines.slice(0, -1).entries()) {
    const m = /^([0-9a-f]{64}) {2}(\S.*)$/.exec(line);
    if (!m) {
      problems.push({ file: CHECKSUMS_FILE, message: `line ${i + 1} is not "<sha256>  <path>"` });
      return undefined;
    }
    const path = m[2]!;
    if (path <= prev || out.has(path)) {
      problems.push({
        file: CHECKSUMS_FILE,
        message: `line ${i + 1}: ${printable(path)} is out of order or listed twice`,
      });
      return undefined;
    }
    prev = path;
    out.set(path, m[1]!);
  }
  return out;
}

/**
 * Checks the signature over `bundle.json`: strict DER, low-s, valid for the key. Returns a
 * problem message, or undefined when it verifies. Used before anything else of an archive is read.
 */
export function signatureProblem(key: VerifyKey, manifest: Buffer, sigFile: Buffer): string | undefined {
  const sigText = sigFile.toString("latin1").trim();
  const der = Buffer.from(sigText, "base64");
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(sigText) || der.toString("base64") !== sigText || der.length < 8 || der[0] !== 0x30)
    return "is not a base64 DER ECDSA signature (corrupted)";
  if (!isCanonicalSignature(der))
    return "is not a strict DER low-s signature (a malleated copy of a signature is refused)";
  if (key.verify(manifest, der)) return undefined;
  let claimed: unknown;
  try {
    claimed = (JSON.parse(manifest.toString("utf8")) as BundleManifest)?.signature?.keyId;
  } catch {
    claimed = undefined;
  }
  return typeof claimed === "string" && claimed !== key.keyId
    ? `signature does not verify: ${MANIFEST_FILE} says it was signed by key ${printable(claimed.slice(0, 16))}…, the given key is ${key.keyId.slice(0, 16)}… (wrong key?)`
    : `signature does not verify over ${MANIFEST_FILE} with key ${key.keyId.slice(0, 16)}… (${MANIFEST_FILE} or ${SIGNATURE_FILE} was modified)`;
}

/** The signed manifest's fields, type-checked; undefined (with a problem) when malformed. */
function manifestOf(bytes: Buffer | undefined, problems: Problem[]): BundleManifest | undefined {
  if (!bytes) return undefined;
  let m: Partial<BundleManifest>;
  try {
    m = JSON.parse(bytes.toString("utf8")) as Partial<BundleManifest>;
  } catch {
    problems.push({ file: MANIFEST_FILE, message: "is not valid JSON" });
    return undefined;
  }
  const ok =
    m !== null &&
    typeof m === "object" &&
    m.kind === "BundleManifest" &&
    typeof m.country === "string" &&
    typeof m.created === "string" &&
    !Number.isNaN(Date.parse(m.created)) &&
    typeof m.kitVersion === "string" &&
    Number.isSafeInteger(m.sequence) &&
    typeof m.checksums?.sha256 === "string" &&
    typeof m.index?.sha256 === "string";
  if (!ok) {
    problems.push({
      file: MANIFEST_FILE,
      message: "is not a BundleManifest with country, created, kitVersion, sequence, checksums and index",
    });
    return undefined;
  }
  return m as BundleManifest;
}

/** Binding and freshness: the signed country, creation time and sequence against what is expected. */
function expectationProblems(m: BundleManifest, e: VerifyExpectations): Problem[] {
  const out: Problem[] = [];
  if (e.country !== undefined && m.country !== e.country)
    out.push({
      file: MANIFEST_FILE,
      message: `signed for country ${printable(m.country)}, not ${e.country} (another country's bundle)`,
    });
  if (e.notBefore !== undefined && Date.parse(m.created) < e.notBefore.getTime())
    out.push({
      file: MANIFEST_FILE,
      message: `created ${printable(m.created)}, before --not-before ${e.notBefore.toISOString()} (an older release)`,
    });
  if (e.minSequence !== undefined && m.sequence < e.minSequence)
    out.push({
      file: MANIFEST_FILE,
      message: `sequence ${m.sequence} is below --min-sequence ${e.minSequence} (a rollback to an older bundle)`,
    });
  return out;
}

function checkListed(b: BundleFiles, listed: Map<string, string>, problems: Problem[]): void {
  for (const [path, want] of listed) {
    const f = b.files.get(path);
    if (!f) problems.push({ file: printable(path), message: "missing (listed in checksums.sha256)" });
    else if (f.sha256 !== want)
      problems.push({
        file: path,
        message: `content does not match its checksum (sha256 ${f.sha256}, expected ${want})`,
      });
  }
  for (const path of [...b.files.keys()].sort()) {
    if (!listed.has(path) && !(CONTROL_FILES as readonly string[]).includes(path))
      problems.push({ file: printable(path), message: "not listed in checksums.sha256 (unexpected file)" });
  }
}

function checkLayout(b: BundleFiles, graph: Graph | undefined, problems: Problem[]): void {
  for (const d of [...b.dirs].sort())
    if (!ALLOWED_DIRS.has(d)) problems.push({ file: `${printable(d)}/`, message: "unexpected directory" });
  for (const [path, f] of b.files) {
    const m = /^blobs\/sha256\/(.+)$/.exec(path);
    if (m && f.sha256 && m[1] !== f.sha256)
      problems.push({ file: printable(path), message: `blob content has digest ${f.sha256}, not the one in its name` });
    if (!m && path.startsWith("blobs/")) problems.push({ file: printable(path), message: "not a sha256 blob path" });
    if (m && graph && !graph.referenced.has(m[1]!))
      problems.push({ file: printable(path), message: "not referenced by the OCI index or manifest (unexpected blob)" });
  }
  if (!b.files.has("oci-layout")) problems.push({ file: "oci-layout", message: "missing" });
}

/**
 * Checks a read bundle: signature over bundle.json (strict, low-s), bundle.json → checksums.sha256
 * → every file, no file unlisted, every blob named by its own digest and referenced, the OCI
 * index → manifest → blobs graph walked completely, and the expectations (country, freshness).
 * Every problem is reported, each naming the file.
 */
export function checkBundle(
  b: BundleFiles,
  key: VerifyKey,
  bundle: string,
  expect: VerifyExpectations = {},
): VerifyReport & { graph?: Graph } {
  const problems: Problem[] = [...b.problems];
  let signed = false;
  // Filled below; `report` reads them whenever it is called.
  const found: { manifest?: BundleManifest; graph?: Graph } = {};
  const report = () => {
    const seen = new Set<string>();
    const unique = problems.filter((p) => {
      const k = `${p.file}\0${p.message}`;
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
    const { manifest, graph } = found;
    const s = signed ? manifest : undefined;
    return {
      ok: unique.length === 0,
      bundle,
      kind: b.kind,
      files: b.files.size,
      bytes: [...b.files.values()].reduce((a, f) => a + f.size, 0),
      keyId: key.keyId,
      country: s?.country,
      created: s?.created,
      sequence: s?.sequence,
      kitVersion: s?.kitVersion,
      manifest,
      problems: unique,
      graph: unique.length === 0 ? graph : undefined,
    };
  };
  // An unsafe archive was not read to its end: nothing else it says can be trusted.
  if (b.problems.length > 0 && b.kind !== "dir") return report();

  for (const f of CONTROL_FILES) if (!b.files.has(f)) problems.push({ file: f, message: "missing" });
  const mBytes = b.files.get(MANIFEST_FILE)?.content;
  const sigFile = b.files.get(SIGNATURE_FILE)?.content;
  if (mBytes && sigFile) {
    const bad = signatureProblem(key, mBytes, sigFile);
    if (bad) problems.push({ file: SIGNATURE_FILE, message: bad });
    else signed = true;
  }
  const manifest = manifestOf(mBytes, problems);
  found.manifest = manifest;
  if (manifest && signed) problems.push(...expectationProblems(manifest, expect));

  const sums = b.files.get(CHECKSUMS_FILE);
  let listed: Map<string, string> | undefined;
  if (sums && manifest) {
    if (sums.sha256 !== manifest.checksums.sha256) {
      problems.push({
        file: CHECKSUMS_FILE,
        message: `sha256 ${sums.sha256} does not match ${MANIFEST_FILE} (${printable(manifest.checksums.sha256)})`,
      });
    } else if (sums.content) listed = parseChecksums(sums.content.toString("utf8"), problems);
    // Unread, it would check nothing: every file's checksum and every unlisted file would pass.
    else problems.push({ file: CHECKSUMS_FILE, message: `${sums.size} bytes is too large to check (refused)` });
  }
  if (listed) checkListed(b, listed, problems);
  if (manifest && b.files.get("index.json") && b.files.get("index.json")!.sha256 !== manifest.index.sha256)
    problems.push({ file: "index.json", message: `sha256 does not match ${MANIFEST_FILE}` });
  found.graph = walkGraph(b.files, problems);
  checkLayout(b, found.graph, problems);
  return report();
}

/** Reads (streaming, hashing every byte) and checks a bundle. Offline: needs only the public key. */
export async function verifyBundle(
  path: string,
  key: VerifyKey,
  progress?: Progress,
  expect: VerifyExpectations = {},
): Promise<VerifyReport> {
  const { graph: _graph, ...report } = (await verifyAndRead(path, key, { progress, expect })).report;
  return report;
}

/**
 * {@link verifyBundle} in one pass that also returns what was read: small files' contents, and
 * with `blobSink` every blob written (as hashed) into that private directory, for `extract`.
 */
export async function verifyAndRead(
  path: string,
  key: VerifyKey,
  o: { progress?: Progress; blobSink?: string; expect?: VerifyExpectations } = {},
): Promise<{ report: VerifyReport & { graph?: Graph }; files: BundleFiles }> {
  const files = await readBundle(path, {
    hash: true,
    progress: o.progress,
    blobSink: o.blobSink,
    trust: (m, sig) => signatureProblem(key, m, sig),
  });
  return { report: checkBundle(files, key, path, o.expect), files };
}
