import { existsSync } from "node:fs";
import { join } from "node:path";
import { InputError, type Issue, readInputFile } from "@sovereign/diagnostics";
import { sha256File, sha256Hex } from "./hash.js";
import { listFiles } from "./items.js";

/** File name of the manifest inside a weights directory (what the fetch script downloads first). */
export const WEIGHTS_MANIFEST_FILE = "weights.manifest";
const HEADER = "# sovereign weights manifest v1";

/** One file of a weights directory. */
export interface WeightsFile {
  /** Path relative to the directory, `/`-separated. */
  path: string;
  size: number;
  sha256: string;
}

/** A weights manifest: the files, its text, and the sha256 of that text (what the profile pins). */
export interface WeightsManifest {
  files: WeightsFile[];
  text: string;
  sha256: string;
}

/** Paths the fetch script accepts: plain relative paths of portable characters. */
const SAFE_PATH = /^(?!.*(^|\/)\.\.?(\/|$))[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/;

/** The manifest text: a header, then `<sha256> <size> <path>` per file, sorted by path. */
export function weightsManifestText(files: readonly WeightsFile[]): string {
  const sorted = [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return `${HEADER}\n${sorted.map((f) => `${f.sha256} ${f.size} ${f.path}\n`).join("")}`;
}

function badPath(dir: string, path: string): Issue {
  return {
    code: "weights.path",
    path: [],
    file: join(dir, path),
    message: `weights file name ${JSON.stringify(path)} has characters outside [A-Za-z0-9._/-]`,
    hint: "rename the file (published checkpoints use such names; spaces and quotes are refused)",
  };
}

/**
 * Hashes every regular file under `dir` (the manifest itself excepted) into a manifest. Refuses
 * symbolic links, special files, unsafe names and an empty directory, all reported at once.
 */
export async function buildWeightsManifest(dir: string): Promise<WeightsManifest> {
  const paths = listFiles(dir, `weights directory ${dir}`).filter((p) => p !== WEIGHTS_MANIFEST_FILE);
  const issues = paths.filter((p) => !SAFE_PATH.test(p)).map((p) => badPath(dir, p));
  if (paths.length === 0) {
    issues.push({
      code: "weights.empty",
      path: [],
      file: dir,
      message: `weights directory ${dir} has no files`,
      hint: "point at the directory holding config.json, the tokenizer and the *.safetensors shards",
    });
  }
  if (issues.length > 0) throw new InputError(issues);
  const files: WeightsFile[] = [];
  for (const path of paths) files.push({ path, ...(await sha256File(join(dir, path))) });
  const text = weightsManifestText(files);
  return { files, text, sha256: sha256Hex(text) };
}

/** Parses manifest text; throws InputError naming the line of any malformed entry. */
export function parseWeightsManifest(text: string, file = WEIGHTS_MANIFEST_FILE): WeightsFile[] {
  const issues: Issue[] = [];
  const files: WeightsFile[] = [];
  text.split("\n").forEach((line, i) => {
    if (line === "" || line.startsWith("#")) return;
    const m = /^([0-9a-f]{64}) (\d+) (\S+)$/.exec(line);
    if (!m || !SAFE_PATH.test(m[3]!)) {
      issues.push({
        code: "weights.manifest_line",
        path: [],
        file,
        line: i + 1,
        message: `not "<sha256> <size> <path>": ${JSON.stringify(line)}`,
        hint: "regenerate the manifest with `sovereign weights manifest DIR`",
      });
      return;
    }
    files.push({ sha256: m[1]!, size: Number(m[2]), path: m[3]! });
  });
  if (issues.length > 0) throw new InputError(issues);
  return files;
}

/**
 * Checks a weights directory against its own manifest: every listed file present with its size and
 * digest, nothing unlisted. Returns one issue per difference (empty: the directory is as pinned).
 */
export async function checkWeightsDirectory(dir: string, manifestText: string): Promise<Issue[]> {
  const listed = parseWeightsManifest(manifestText, join(dir, WEIGHTS_MANIFEST_FILE));
  const actual = await buildWeightsManifest(dir);
  const have = new Map(actual.files.map((f) => [f.path, f]));
  const issues: Issue[] = [];
  const differs = (path: string, what: string) =>
    issues.push({
      code: "weights.mismatch",
      path: [],
      file: join(dir, path),
      message: `${path}: ${what}`,
      hint: "restore the file, or regenerate the manifest and pin its new sha256 in the profile",
    });
  for (const f of listed) {
    const a = have.get(f.path);
    if (!a) differs(f.path, "listed in the manifest but missing");
    else if (a.size !== f.size || a.sha256 !== f.sha256) differs(f.path, `sha256 ${a.sha256} (${a.size} bytes) but the manifest lists ${f.sha256} (${f.size} bytes)`);
    have.delete(f.path);
  }
  for (const path of have.keys()) differs(path, "not listed in the manifest");
  return issues;
}

/**
 * Before packing: every weights directory that carries a manifest must match it, so the bundle
 * never ships shards the fetch script would refuse. Directories without a manifest pass as before.
 */
export async function checkWeightsInputs(paths: readonly string[]): Promise<void> {
  const issues: Issue[] = [];
  for (const p of paths) {
    const file = join(p, WEIGHTS_MANIFEST_FILE);
    if (!existsSync(file)) continue;
    // Bounded, regular files only: a FIFO or device in a weights directory is exit 2, not a hang.
    const text = readInputFile(file, { what: "weights manifest" }).bytes.toString("utf8");
    issues.push(...(await checkWeightsDirectory(p, text)));
  }
  if (issues.length > 0) throw new InputError(issues);
}
