import {
  closeSync,
  constants,
  fsyncSync,
  linkSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readSync,
  realpathSync,
  renameSync,
  rmSync,
  chmodSync,
  writeSync,
} from "node:fs";
import { basename, dirname, join, relative, resolve, sep } from "node:path";
import { UsageError } from "./issue.js";
import { checkpoint, makeTempDir, type TempDir } from "./temp.js";

/**
 * The output discipline of every command that writes (see docs/threat-model.md):
 *
 * - paths are paths (`path.resolve`), never URLs: `a#2` and `my keys` mean what they say;
 * - an output is never the current directory or one of its ancestors, never an input, never
 *   inside an input, and does not hold an input unless `--force`;
 * - a directory output carries a marker file listing what the kit wrote into it; replacing it
 *   removes only those files, and a non-empty directory without the marker is refused unless
 *   `--force` (and even then only the kit's own files are ever replaced or removed);
 * - everything is built in an exclusive temp directory beside the output and moved into place
 *   when complete; an interrupted run leaves the previous output as it was.
 */

/** Marker file of a directory the kit wrote: JSON `{ "kit": "sovereign", "files": { path: size } }`. */
export const OUTPUT_MARKER = ".sovereign-output";

const MARKER_MAX_BYTES = 16 * 1024 * 1024;

/** Files the kit wrote into a directory, relative path → size, or undefined when it did not write it. */
export type OwnedFiles = Map<string, number | undefined>;

/** A path the command reads, for refusing outputs that would overwrite or delete it. */
export interface InputPath {
  path: string;
  /** How the user named it, e.g. `--profile th.yaml`. */
  what: string;
}

export interface OutputOptions {
  /**
   * Allow a non-empty directory the kit did not write, the current directory or an ancestor,
   * or a directory holding an input. Even then only the kit's own files are replaced.
   * @default false: such outputs are refused with exit 2, so nothing a user owns is at risk
   */
  force?: boolean;
  /** Paths the command reads: never overwritten or removed. @default none */
  inputs?: readonly InputPath[];
  /**
   * How to tell which files of an existing directory the kit wrote, for outputs that cannot
   * carry the marker (a bundle directory: its checksum list). @default the marker file
   */
  owned?: (dir: string) => OwnedFiles | undefined;
  /** Write the marker into the new tree. @default true */
  marker?: boolean;
  /** Stage prefix for the test hook {@link checkpoint}. @default the output's base name */
  label?: string;
}

/** Resolves a user-given path against the command's working directory, as a file path. */
export function resolveUserPath(cwd: string, p: string): string {
  return resolve(cwd, p);
}

/** Real path of `p`: symlinks resolved as far as the path exists, the rest appended. */
function realResolve(p: string): string {
  const abs = resolve(p);
  let head = abs;
  const rest: string[] = [];
  for (;;) {
    try {
      return join(realpathSync(head), ...rest.reverse());
    } catch {
      const parent = dirname(head);
      if (parent === head) return abs;
      rest.push(basename(head));
      head = parent;
    }
  }
}

/** True when `inner` is `outer` or below it. */
function within(outer: string, inner: string): boolean {
  const r = relative(outer, inner);
  return r === "" || (!r.startsWith(`..${sep}`) && r !== ".." && !r.startsWith(sep));
}

function exists(p: string): ReturnType<typeof lstatSync> | undefined {
  try {
    return lstatSync(p);
  } catch {
    return undefined;
  }
}

/** Regular files under `dir` (links and special files included as "other"), relative paths. */
function walk(dir: string): { files: Map<string, number>; others: string[] } {
  const files = new Map<string, number>();
  const others: string[] = [];
  const stack = [""];
  while (stack.length > 0) {
    const rel = stack.pop()!;
    for (const name of readdirSync(join(dir, rel))) {
      const r = rel ? `${rel}/${name}` : name;
      const st = lstatSync(join(dir, r));
      if (st.isDirectory()) stack.push(r);
      else if (st.isFile()) files.set(r, st.size);
      else others.push(r);
    }
  }
  return { files, others };
}

/** Reads a small file without following a link; undefined when absent or too large. */
function readSmall(path: string, max: number): Buffer | undefined {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return undefined;
  }
  try {
    const buf = Buffer.alloc(max + 1);
    let n = 0;
    for (;;) {
      const r = readSync(fd, buf, n, buf.length - n, null);
      if (r === 0) break;
      n += r;
      if (n > max) return undefined;
    }
    return buf.subarray(0, n);
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/** The marker's file list, or undefined when `dir` has no (readable) marker. */
export function readOutputMarker(dir: string): OwnedFiles | undefined {
  const b = readSmall(join(dir, OUTPUT_MARKER), MARKER_MAX_BYTES);
  if (!b) return undefined;
  try {
    const v = JSON.parse(b.toString("utf8")) as { kit?: unknown; files?: unknown };
    if (v.kit !== "sovereign" || typeof v.files !== "object" || v.files === null) return undefined;
    const out: OwnedFiles = new Map();
    for (const [k, size] of Object.entries(v.files as Record<string, unknown>))
      out.set(k, typeof size === "number" ? size : undefined);
    return out;
  } catch {
    return undefined;
  }
}

function markerText(files: ReadonlyMap<string, number | undefined>): string {
  const sorted = Object.fromEntries([...files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return `${JSON.stringify({ kit: "sovereign", files: sorted }, null, 2)}\n`;
}

/** Writes a new file exclusively (never through a link, never over an existing file). */
function writeNew(path: string, data: string | Uint8Array, mode = 0o644): void {
  const fd = openSync(
    path,
    constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
    mode,
  );
  try {
    const b = typeof data === "string" ? Buffer.from(data) : data;
    let off = 0;
    while (off < b.length) off += writeSync(fd, b, off, b.length - off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function refuse(message: string, hint: string): never {
  throw new UsageError(message, hint);
}

/**
 * Checks an output path before any work starts (exit 2, naming the path and the fix). `kind` is
 * what will be written there. Called by the CLI with the user's flag name for the message; the
 * writers below repeat the checks that guard data, so a caller that forgets cannot lose files.
 */
export function checkOutput(
  out: string,
  kind: "dir" | "file",
  o: OutputOptions & { cwd?: string; flag?: string } = {},
): void {
  const flag = o.flag ?? "--out";
  const real = realResolve(out);
  if (o.cwd !== undefined && kind === "dir" && within(real, realResolve(o.cwd)) && !o.force) {
    refuse(
      `${flag} ${out} is the current directory or one of its ancestors; replacing it would put every file there at risk`,
      `write into a new directory, e.g. ${flag} out/ (or pass --force to add the kit's files beside yours; nothing of yours is removed)`,
    );
  }
  for (const input of o.inputs ?? []) {
    const ri = realResolve(input.path);
    if (ri === real || within(ri, real)) {
      refuse(
        `${flag} ${out} is ${ri === real ? "" : "inside "}an input (${input.what}); writing there would destroy what is being read`,
        `choose an output outside ${input.path}`,
      );
    }
    if (within(real, ri) && !o.force) {
      refuse(
        `${flag} ${out} holds an input (${input.what})`,
        `choose another output directory (or pass --force: the input is kept, only the kit's files are replaced)`,
      );
    }
  }
  const st = exists(out);
  if (!st) return;
  if (st.isSymbolicLink())
    refuse(`${flag} ${out} is a symbolic link`, "pass the real path of the output (links are never written through)");
  if (kind === "file") {
    if (!st.isFile()) refuse(`${flag} ${out} exists and is not a regular file`, "choose a new file name");
    return;
  }
  if (!st.isDirectory()) refuse(`${flag} ${out} exists and is not a directory`, "choose a new directory name");
  if (readdirSync(out).length === 0) return;
  const owned = (o.owned ?? readOutputMarker)(out);
  if (!owned && !o.force) {
    refuse(
      `${flag} ${out} is a non-empty directory the kit did not write (no ${OUTPUT_MARKER} marker); replacing it could delete your files`,
      `write into a new or empty directory (or pass --force: the kit's files are added, none of yours is removed)`,
    );
  }
}

/** What replacing `dir` would do: its files the kit wrote, and everything else in it. */
function survey(dir: string, o: OutputOptions): { owned: OwnedFiles; foreign: Set<string>; empty: boolean } {
  const { files, others } = walk(dir);
  const owned = (o.owned ?? readOutputMarker)(dir) ?? new Map();
  const foreign = new Set(others);
  for (const [f, size] of files) {
    if (f === OUTPUT_MARKER) continue;
    const want = owned.get(f);
    if (!owned.has(f) || (want !== undefined && want !== size)) foreign.add(f);
  }
  const mine = new Map([...owned].filter(([f]) => files.has(f) && !foreign.has(f)));
  return { owned: mine, foreign, empty: files.size === 0 && others.length === 0 };
}

/**
 * Builds a whole directory in an exclusive temp sibling, then moves it into place. If `build`
 * throws or the process is interrupted, the previous directory is untouched and the temp tree is
 * removed. Replacing a previous output removes only files the kit wrote there (see the module
 * comment); any other file in it stays, and a new file that would overwrite one is refused.
 */
export async function writeTreeAtomic(
  dir: string,
  build: (tmpDir: string) => Promise<void> | void,
  o: OutputOptions = {},
): Promise<void> {
  const label = o.label ?? basename(dir);
  checkOutput(dir, "dir", o);
  const parent = dirname(resolve(dir));
  mkdirSync(parent, { recursive: true });
  const tmp = makeTempDir(parent, basename(dir));
  try {
    await build(tmp.path);
    chmodSync(tmp.path, 0o755);
    const made = walk(tmp.path).files;
    if (o.marker !== false) writeNew(join(tmp.path, OUTPUT_MARKER), markerText(made));
    await checkpoint(`${label}:built`);
    await replaceTree(dir, tmp, made, o, label);
  } catch (e) {
    tmp.remove();
    throw e;
  }
}

async function replaceTree(
  dir: string,
  tmp: TempDir,
  made: Map<string, number>,
  o: OutputOptions,
  label: string,
): Promise<void> {
  const st = exists(dir);
  if (!st) {
    renameSync(tmp.path, dir);
    tmp.release();
    return;
  }
  checkOutput(dir, "dir", o);
  const { owned, foreign, empty } = survey(dir, o);
  if (empty) {
    // rename(2) replaces an empty directory in one step.
    renameSync(tmp.path, dir);
    tmp.release();
    return;
  }
  const protectedInside = (o.inputs ?? [])
    .map((i) => realResolve(i.path))
    .filter((p) => within(realResolve(dir), p))
    .map((p) => relative(realResolve(dir), p).split(sep).join("/"));
  if (foreign.size === 0 && protectedInside.length === 0) {
    // Only the kit's own files: swap whole trees. Between the two renames the output path is
    // missing; the aside directory's recovery plan puts the previous tree back if the run dies
    // there (its sentinel, the signal handler, or the next run).
    const aside = makeTempDir(dirname(resolve(dir)), `${basename(dir)}-old`, { mode: "swap", target: resolve(dir) });
    try {
      renameSync(dir, join(aside.path, "old"));
      await checkpoint(`${label}:aside`);
      renameSync(tmp.path, dir);
      tmp.release();
      await checkpoint(`${label}:swapped`);
    } finally {
      aside.remove();
    }
    return;
  }
  await mergeTree(dir, tmp, made, owned, new Set([...foreign, ...protectedInside]), label);
}

/**
 * Moves the kit's new files into a directory that also holds files the kit did not write, which
 * stay. Refused before any change if a new file would land on one of them. Not one atomic step
 * (each file is), but recoverable: the kit's previous files (marker included) are first moved
 * into an aside directory, then the new ones are hard-linked in from the complete staged tree,
 * and only then is the aside directory renamed to commit. A run that dies before the commit is
 * rolled back (the new links removed, the previous files moved back) by the aside directory's
 * recovery plan; the user's own files are never moved.
 */
async function mergeTree(
  dir: string,
  tmp: TempDir,
  made: Map<string, number>,
  owned: OwnedFiles,
  keep: Set<string>,
  label: string,
): Promise<void> {
  const clash = [...made.keys()].filter(
    (f) => keep.has(f) || [...keep].some((k) => f.startsWith(`${k}/`) || k.startsWith(`${f}/`)),
  );
  for (const f of made.keys()) {
    // A parent that is a link would carry the write elsewhere.
    const segs = f.split("/");
    for (let i = 1; i < segs.length; i++) {
      const st = exists(join(dir, ...segs.slice(0, i)));
      if (st && !st.isDirectory()) clash.push(f);
    }
  }
  if (clash.length > 0) {
    refuse(
      `${dir} holds ${clash.length} file(s) the kit did not write where it would write its own (e.g. ${clash[0]}); nothing was changed`,
      "move those files away, or write into a new directory",
    );
  }
  const aside = makeTempDir(dirname(resolve(dir)), `${basename(dir)}-old`, {
    mode: "merge",
    target: resolve(dir),
    staged: tmp.path,
  });
  // The aside directory's plan now covers the staged tree as well.
  tmp.release();
  try {
    const old = join(aside.path, "old");
    const previous = [...owned.keys(), ...(exists(join(dir, OUTPUT_MARKER))?.isFile() ? [OUTPUT_MARKER] : [])];
    for (const f of previous.filter((p) => !keep.has(p)).sort()) {
      mkdirSync(dirname(join(old, f)), { recursive: true });
      renameSync(join(dir, f), join(old, f));
    }
    await checkpoint(`${label}:aside`);
    for (const f of [...walk(tmp.path).files.keys()].sort()) {
      mkdirSync(dirname(join(dir, f)), { recursive: true });
      linkSync(join(tmp.path, f), join(dir, f));
    }
    await checkpoint(`${label}:merged`);
    // The commit: without `old` the plan rolls nothing back.
    renameSync(old, join(aside.path, "committed"));
    await checkpoint(`${label}:committed`);
  } finally {
    rmSync(tmp.path, { recursive: true, force: true });
    aside.remove();
  }
}

/** Replaces one file via an exclusive temp directory and rename. */
function replaceFile(path: string, data: string | Uint8Array, mode = 0o644): void {
  const tmp = makeTempDir(dirname(path), basename(path));
  try {
    const t = join(tmp.path, "f");
    writeNew(t, data, mode);
    renameSync(t, path);
  } finally {
    tmp.remove();
  }
}

/**
 * Writes a file via an exclusive temp path and rename, so readers never see half a file and a
 * planted link is never followed. `path` must not be an input, a directory or a link.
 */
export function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  o: { inputs?: readonly InputPath[]; mode?: number; flag?: string } = {},
): void {
  checkOutput(path, "file", { inputs: o.inputs, flag: o.flag });
  mkdirSync(dirname(resolve(path)), { recursive: true });
  replaceFile(path, data, o.mode);
}
