import {
  type BundleManifest,
  CHECKSUMS_FILE,
  CONTROL_FILES,
  MANIFEST_FILE,
  MEDIA,
  SIGNATURE_FILE,
} from "./format.js";
import type { Progress } from "./hash.js";
import type { VerifyKey } from "./keys.js";
import { type BundleFiles, type Problem, readBundle } from "./read.js";

/** Outcome of `bundle verify`: data, rendered by the CLI. */
export interface VerifyReport {
  ok: boolean;
  bundle: string;
  kind: BundleFiles["kind"];
  files: number;
  bytes: number;
  keyId: string;
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
        message: `line ${i + 1}: ${path} is out of order or listed twice`,
      });
      return undefined;
    }
    prev = path;
    out.set(path, m[1]!);
  }
  return out;
}

function parseJson(b: Buffer | undefined, file: string, problems: Problem[]): unknown {
  if (!b) return undefined;
  try {
    return JSON.parse(b.toString("utf8"));
  } catch {
    problems.push({ file, message: "is not valid JSON" });
    return undefined;
  }
}

/**
 * Checks a read bundle: signature over bundle.json, bundle.json → checksums.sha256 → every file,
 * no file unlisted, every blob named by its own digest, and the OCI index → manifest → blobs graph
 * complete. Every problem is reported, each naming the file.
 */
export function checkBundle(b: BundleFiles, key: VerifyKey, bundle: string): VerifyReport {
  const problems: Problem[] = [...b.problems];
  const files = b.files;
  const report = (): VerifyReport => ({
    ok: problems.length === 0,
    bundle,
    kind: b.kind,
    files: files.size,
    bytes: [...files.values()].reduce((a, f) => a + f.size, 0),
    keyId: key.keyId,
    manifest,
    problems,
  });
  let manifest: BundleManifest | undefined;
  // An unsafe archive was not read to its end: nothing else it says can be trusted.
  if (b.problems.length > 0 && b.kind !== "dir") return report();

  for (const f of CONTROL_FILES) if (!files.has(f)) problems.push({ file: f, message: "missing" });
  const mBytes = files.get(MANIFEST_FILE)?.content;
  const sigFile = files.get(SIGNATURE_FILE)?.content;
  if (mBytes && sigFile) {
    const sigText = sigFile.toString("latin1").trim();
    const der = Buffer.from(sigText, "base64");
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(sigText) || der.length < 8 || der[0] !== 0x30) {
      problems.push({ file: SIGNATURE_FILE, message: "is not a base64 DER ECDSA signature (corrupted)" });
    } else if (!key.verify(mBytes, der)) {
      const claimed = (parseJson(mBytes, MANIFEST_FILE, []) as BundleManifest | undefined)?.signature?.keyId;
      problems.push({
        file: SIGNATURE_FILE,
        message:
          claimed && claimed !== key.keyId
            ? `signature does not verify: ${MANIFEST_FILE} says it was signed by key ${claimed.slice(0, 16)}…, the given key is ${key.keyId.slice(0, 16)}… (wrong key?)`
            : `signature does not verify over ${MANIFEST_FILE} with key ${key.keyId.slice(0, 16)}… (${MANIFEST_FILE} or ${SIGNATURE_FILE} was modified)`,
      });
    }
  }
  manifest = parseJson(mBytes, MANIFEST_FILE, problems) as BundleManifest | undefined;
  if (manifest && (manifest.kind !== "BundleManifest" || typeof manifest.checksums?.sha256 !== "string")) {
    problems.push({ file: MANIFEST_FILE, message: "is not a BundleManifest" });
    manifest = undefined;
  }

  const sums = files.get(CHECKSUMS_FILE);
  let listed: Map<string, string> | undefined;
  if (sums && manifest) {
    if (sums.sha256 !== manifest.checksums.sha256) {
      problems.push({
        file: CHECKSUMS_FILE,
        message: `sha256 ${sums.sha256} does not match ${MANIFEST_FILE} (${manifest.checksums.sha256})`,
      });
    } else if (sums.content) listed = parseChecksums(sums.content.toString("utf8"), problems);
  }

  if (listed) {
    for (const [path, want] of listed) {
      const f = files.get(path);
      if (!f) problems.push({ file: path, message: "missing (listed in checksums.sha256)" });
      else if (f.sha256 !== want)
        problems.push({
          file: path,
          message: `content does not match its checksum (sha256 ${f.sha256}, expected ${want})`,
        });
    }
    for (const path of [...files.keys()].sort()) {
      if (!listed.has(path) && !(CONTROL_FILES as readonly string[]).includes(path)) {
        problems.push({ file: path, message: "not listed in checksums.sha256 (unexpected file)" });
      }
    }
  }
  for (const d of [...b.dirs].sort()) {
    if (!ALLOWED_DIRS.has(d)) problems.push({ file: `${d}/`, message: "unexpected directory" });
  }
  for (const [path, f] of files) {
    const m = /^blobs\/sha256\/(.+)$/.exec(path);
    if (m && f.sha256 && m[1] !== f.sha256)
      problems.push({ file: path, message: `blob content has digest ${f.sha256}, not the one in its name` });
    if (!m && path.startsWith("blobs/")) problems.push({ file: path, message: "not a sha256 blob path" });
  }

  // OCI structure: the index and manifest must reference only present blobs of the right size.
  const index = parseJson(files.get("index.json")?.content, "index.json", problems) as
    | { manifests?: { digest: string; size: number; mediaType: string }[] }
    | undefined;
  if (manifest && files.get("index.json") && files.get("index.json")!.sha256 !== manifest.index.sha256) {
    problems.push({ file: "index.json", message: `sha256 does not match ${MANIFEST_FILE}` });
  }
  const blobOf = (digest: unknown, from: string) => {
    // A damaged descriptor may have lost its digest: that is a problem to name, not a crash.
    if (typeof digest !== "string") {
      problems.push({ file: from, message: "descriptor without a digest" });
      return undefined;
    }
    const path = `blobs/sha256/${digest.replace(/^sha256:/, "")}`;
    const f = files.get(path);
    if (!f) problems.push({ file: path, message: `missing (referenced by ${from})` });
    return f;
  };
  for (const m of index?.manifests ?? []) {
    const f = blobOf(m.digest, "index.json");
    if (!f) continue;
    if (f.size !== m.size)
      problems.push({
        file: `blobs/sha256/${m.digest.slice(7)}`,
        message: `size ${f.size} differs from index.json (${m.size})`,
      });
    if (m.mediaType !== MEDIA.manifest) continue;
    const om = parseJson(f.content, `blobs/sha256/${m.digest.slice(7)}`, problems) as
      | {
          config?: { digest: string; size: number };
          layers?: { digest: string; size: number; annotations?: Record<string, string> }[];
        }
      | undefined;
    for (const d of [...(om?.config ? [om.config] : []), ...(om?.layers ?? [])]) {
      const bf = blobOf(d.digest, `manifest ${m.digest.slice(7, 19)}`);
      if (bf && bf.size !== d.size)
        problems.push({
          file: `blobs/sha256/${d.digest.slice(7)}`,
          message: `size ${bf.size} differs from its descriptor (${d.size})`,
        });
    }
  }
  if (!files.has("oci-layout")) problems.push({ file: "oci-layout", message: "missing" });

  // Deduplicate: one root cause can be seen by several checks.
  const seen = new Set<string>();
  const unique = problems.filter((p) => {
    const k = `${p.file}\0${p.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  problems.length = 0;
  problems.push(...unique);
  return report();
}

/** Reads (streaming, hashing every byte) and checks a bundle. Offline: needs only the public key. */
export async function verifyBundle(path: string, key: VerifyKey, progress?: Progress): Promise<VerifyReport> {
  return (await verifyAndRead(path, key, progress)).report;
}

/** {@link verifyBundle}, also returning what was read (small files' contents) for `extract`. */
export async function verifyAndRead(
  path: string,
  key: VerifyKey,
  progress?: Progress,
): Promise<{ report: VerifyReport; files: BundleFiles }> {
  const files = await readBundle(path, { hash: true, progress });
  return { report: checkBundle(files, key, path), files };
}
