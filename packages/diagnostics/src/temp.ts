import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { basename, join, relative, sep } from "node:path";

/**
 * Temporary paths the kit creates beside an output. Every name starts with `.sovereign-tmp-`,
 * then the owning process id, so a later run can tell its own leftovers from a user's files and
 * from a run that is still going. They are created exclusively (mkdtemp: a fresh name, never an
 * existing file or a planted link) and removed when the write finishes or fails.
 *
 * A run can end without running any of its own code (SIGKILL, the OOM killer, a crash), so each
 * temp directory has a cleanup sentinel: a small detached `sh` started when the directory is
 * created, reading a pipe the kit holds. When the kit ends for any reason the pipe closes; unless
 * the kit said `done` first, the sentinel carries out the directory's recovery plan (below) and
 * removes it. Paths reach the script as arguments, never as script text. The same script runs
 * synchronously on SIGINT/SIGTERM, and the next run in the same directory runs it for temp
 * directories whose owner is gone (the machine lost power, `sh` was missing).
 */
export const TEMP_PREFIX = ".sovereign-tmp-";

/**
 * What to do with a temp directory its owner left behind:
 * - `remove`: nothing in it is needed (a tree or file being built);
 * - `swap`: it holds `old`, the previous output of `target` moved aside just before the new one
 *   is renamed into place; when `target` is missing, `old` goes back;
 * - `merge`: `old` holds the kit's previous files of the directory `target`, moved aside; the new
 *   files were hard-linked into `target` from `staged`. While `old` exists the merge is not
 *   committed: every file of `target` that is a link to one in `staged` is removed, the files in
 *   `old` go back, and `staged` is removed too. The kit renames `old` away to commit.
 */
export type Recovery =
  | { mode: "remove" }
  | { mode: "swap"; target: string }
  | { mode: "merge"; target: string; staged: string };

/** The file in a `swap`/`merge` temp directory recording its plan for a later run. */
const PLAN_FILE = "plan.json";

const SENTINEL = "sovereign-cleanup";

/**
 * The recovery script. `$1` mode, `$2` the temp directory, `$3` target, `$4` staged. It first
 * reads its input to the end: a `done` line means the owner finished and nothing is left to do.
 */
const SCRIPT = `
while IFS= read -r l; do [ "$l" = done ] && exit 0; done
case $1 in
swap)
  if [ -d "$2/old" ] && [ ! -e "$3" ] && [ ! -L "$3" ]; then mv -- "$2/old" "$3"; fi ;;
merge)
  if [ -d "$2/old" ]; then
    if [ -d "$4" ]; then
      (cd "$4" && find . -type f -exec sh -c 'for f; do [ "$0/$f" -ef "$f" ] && rm -f -- "$0/$f"; done' "$3" {} +)
      (cd "$4" && find . -depth -type d ! -name . -exec sh -c 'for d; do rmdir -- "$0/$d" 2>/dev/null; done' "$3" {} +)
    fi
    (cd "$2/old" && find . -type f -exec sh -c 'for f; do mkdir -p -- "$0/\${f%/*}" && mv -f -- "$f" "$0/$f"; done' "$3" {} +)
  fi
  [ -n "$4" ] && rm -rf -- "$4" ;;
esac
rm -rf -- "$2"
`;

interface Live {
  recovery: Recovery;
  /** The sentinel's input; absent for a directory inside another guarded one. */
  sentinel?: ChildProcess;
}

const live = new Map<string, Live>();
let installed = false;

function scriptArgs(dir: string, r: Recovery): string[] {
  return [
    "-c",
    SCRIPT,
    SENTINEL,
    r.mode,
    dir,
    r.mode === "remove" ? "" : r.target,
    r.mode === "merge" ? r.staged : "",
  ];
}

/** Runs a directory's recovery now, in this process (the script reads no input: it proceeds). */
function recoverNow(dir: string, r: Recovery): void {
  const res = spawnSync("sh", scriptArgs(dir, r), { stdio: "ignore" });
  // Without a shell, at least no temp tree is left (a swap/merge plan stays for the next run).
  if (res.error && r.mode === "remove") rmSync(dir, { recursive: true, force: true });
}

function endSentinel(entry: Live): void {
  const s = entry.sentinel;
  if (!s?.stdin || s.stdin.destroyed) return;
  s.stdin.end("done\n");
}

function onSignal(sig: NodeJS.Signals): void {
  // Newest first: a merge's plan also covers the staged tree created before it.
  for (const [p, entry] of [...live].reverse()) {
    recoverNow(p, entry.recovery);
    endSentinel(entry);
  }
  live.clear();
  process.removeListener("SIGINT", onSignal);
  process.removeListener("SIGTERM", onSignal);
  installed = false;
  // Die of the signal, as the user asked: the parent sees the usual status.
  process.kill(process.pid, sig);
}

function within(outer: string, inner: string): boolean {
  const r = relative(outer, inner);
  return r === "" || (!r.startsWith(`..${sep}`) && r !== ".." && !r.startsWith(sep));
}

function startSentinel(dir: string, r: Recovery): ChildProcess | undefined {
  // A directory inside one that is already guarded goes with it.
  for (const [p, e] of live) if (e.sentinel && within(p, dir)) return undefined;
  const child = spawn("sh", scriptArgs(dir, r), { detached: true, stdio: ["pipe", "ignore", "ignore"] });
  // No shell: the next run sweeps what a killed run leaves.
  child.on("error", () => {});
  child.stdin!.on("error", () => {});
  child.unref();
  (child.stdin as unknown as { unref?: () => void }).unref?.();
  return child;
}

function track(path: string, recovery: Recovery, guard: boolean): () => void {
  live.set(path, { recovery, sentinel: guard ? startSentinel(path, recovery) : undefined });
  if (!installed) {
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
    installed = true;
  }
  return () => {
    const entry = live.get(path);
    if (entry) endSentinel(entry);
    live.delete(path);
    if (live.size === 0 && installed) {
      process.removeListener("SIGINT", onSignal);
      process.removeListener("SIGTERM", onSignal);
      installed = false;
    }
  };
}

/** Registers a temp path for removal on SIGINT/SIGTERM; the returned function unregisters it. */
export function trackTemp(path: string): () => void {
  return track(path, { mode: "remove" }, false);
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** A stale directory's recorded plan, when it names siblings in the same parent; else removal. */
function planOf(parent: string, dir: string): Recovery {
  try {
    const st = lstatSync(join(dir, PLAN_FILE));
    if (!st.isFile() || st.size > 4096) return { mode: "remove" };
    // Bounded by the lstat above; a plan is a few hundred bytes.
    const v = JSON.parse(readFileSync(join(dir, PLAN_FILE), "utf8")) as { mode?: unknown; target?: unknown; staged?: unknown };
    const sibling = (n: unknown) =>
      typeof n === "string" && n !== "" && n !== "." && n !== ".." && !n.includes("/") ? join(parent, n) : undefined;
    const target = sibling(v.target);
    if (v.mode === "swap" && target) return { mode: "swap", target };
    const staged = typeof v.staged === "string" && v.staged.startsWith(TEMP_PREFIX) ? sibling(v.staged) : undefined;
    if (v.mode === "merge" && target && staged) return { mode: "merge", target, staged };
  } catch {
    // No readable plan: the directory is only removed.
  }
  return { mode: "remove" };
}

/** Folders {@link makeTempDir} has swept in this process. */
const swept = new Set<string>();

/**
 * Recovers temp directories a killed run left in `parent` (the owner process is gone): a recorded
 * swap or merge is rolled back first, then everything is removed. Only names with the kit's prefix
 * and a dead owner are touched; anything else is left alone.
 */
export function sweepStaleTemps(parent: string): void {
  let names: string[];
  try {
    names = readdirSync(parent);
  } catch {
    return;
  }
  const stale: { dir: string; plan: Recovery }[] = [];
  for (const name of names) {
    const m = /^\.sovereign-tmp-(\d+)-/.exec(name);
    if (!m || Number(m[1]) === process.pid || pidAlive(Number(m[1]))) continue;
    const dir = join(parent, name);
    if (lstatSync(dir).isDirectory()) stale.push({ dir, plan: planOf(parent, dir) });
  }
  // Plans before plain removals: a merge's rollback needs its staged tree.
  stale.sort((a, b) => Number(a.plan.mode === "remove") - Number(b.plan.mode === "remove"));
  for (const { dir, plan } of stale) recoverNow(dir, plan);
}

export interface TempDir {
  path: string;
  /** Forget it without removing it (the caller renamed it into place). */
  release(): void;
  /** Remove it now. */
  remove(): void;
}

/**
 * A fresh private (0700) temp directory in `parent`, guarded by a cleanup sentinel and by the
 * signal handlers, which carry out `recovery` if the run ends before `release`/`remove`.
 */
export function makeTempDir(parent: string, label: string, recovery: Recovery = { mode: "remove" }): TempDir {
  // Once per folder and process: an owner found dead stays dead, and helm rendering and chart
  // packaging make a temp directory per release, where a readdir of a busy /tmp each time would add up.
  if (!swept.has(parent)) {
    swept.add(parent);
    sweepStaleTemps(parent);
  }
  const path = mkdtempSync(join(parent, `${TEMP_PREFIX}${process.pid}-${label.replace(/[^\w.-]/g, "_").slice(0, 40)}-`));
  if (recovery.mode !== "remove") {
    const plan = { ...recovery, target: basename(recovery.target), ...(recovery.mode === "merge" ? { staged: basename(recovery.staged) } : {}) };
    writeFileSync(join(path, PLAN_FILE), JSON.stringify(plan), { flag: "wx", mode: 0o600 });
    if (recovery.mode === "merge") mkdirSync(join(path, "old"));
  }
  const untrack = track(path, recovery, true);
  return {
    path,
    release: untrack,
    remove: () => {
      rmSync(path, { recursive: true, force: true });
      untrack();
    },
  };
}

/**
 * Test hook for deterministic interruption: when `SOVEREIGN_TEST_SIGNAL_AT` names this stage, the
 * process sends itself `SOVEREIGN_TEST_SIGNAL` (default SIGKILL) right here. Kill tests use it to
 * stop a command at a named point instead of guessing with timers. Unset, it does nothing.
 */
export async function checkpoint(stage: string): Promise<void> {
  const at = process.env.SOVEREIGN_TEST_SIGNAL_AT;
  if (!at || at !== stage) return;
  const sig = (process.env.SOVEREIGN_TEST_SIGNAL ?? "SIGKILL") as NodeJS.Signals;
  process.kill(process.pid, sig);
  // A handled signal (SIGTERM with temps registered) runs on the event loop: wait for it there
  // rather than carrying on with the write the signal interrupts (the timer keeps the loop alive).
  await new Promise(() => setInterval(() => {}, 1000));
}
