import { lstatSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";

/**
 * Temporary paths the kit creates beside an output. Every name starts with `.sovereign-tmp-`,
 * then the owning process id, so a later run can tell its own leftovers from a user's files and
 * from a run that is still going. They are created exclusively (mkdtemp: a fresh name, never an
 * existing file or a planted link), removed when the write finishes or fails, removed on SIGINT /
 * SIGTERM, and swept by the next run when a SIGKILL left them behind.
 */
export const TEMP_PREFIX = ".sovereign-tmp-";

const live = new Set<string>();
let installed = false;

function onSignal(sig: NodeJS.Signals): void {
  for (const p of live) rmSync(p, { recursive: true, force: true });
  live.clear();
  process.removeListener("SIGINT", onSignal);
  process.removeListener("SIGTERM", onSignal);
  installed = false;
  // Die of the signal, as the user asked: the parent sees the usual status.
  process.kill(process.pid, sig);
}

/** Registers a temp path for removal on SIGINT/SIGTERM; the returned function unregisters it. */
export function trackTemp(path: string): () => void {
  live.add(path);
  if (!installed) {
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
    installed = true;
  }
  return () => {
    live.delete(path);
    if (live.size === 0 && installed) {
      process.removeListener("SIGINT", onSignal);
      process.removeListener("SIGTERM", onSignal);
      installed = false;
    }
  };
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Removes temp directories a killed run left in `parent` (the owner process is gone). Only names
 * with the kit's prefix and a dead owner are touched; anything else is left alone.
 */
export function sweepStaleTemps(parent: string): void {
  let names: string[];
  try {
    names = readdirSync(parent);
  } catch {
    return;
  }
  for (const name of names) {
    const m = /^\.sovereign-tmp-(\d+)-/.exec(name);
    if (!m || Number(m[1]) === process.pid || pidAlive(Number(m[1]))) continue;
    const p = join(parent, name);
    if (lstatSync(p).isDirectory()) rmSync(p, { recursive: true, force: true });
  }
}

/**
 * A fresh private (0700) temp directory in `parent`, tracked for signal cleanup. `release`
 * unregisters it without removing it (the caller renamed it into place); `remove` removes it.
 */
export function makeTempDir(parent: string, label: string): { path: string; release(): void; remove(): void } {
  sweepStaleTemps(parent);
  const path = mkdtempSync(join(parent, `${TEMP_PREFIX}${process.pid}-${label.replace(/[^\w.-]/g, "_").slice(0, 40)}-`));
  const untrack = trackTemp(path);
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
