import { mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";

/** Writes a file via a temp sibling and rename, so readers never see half a file. */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

/**
 * Builds a whole directory in a temp sibling, then swaps it into place. If `build` throws, the
 * previous directory (if any) is untouched and the temp tree is removed.
 */
export async function writeTreeAtomic(
  dir: string,
  build: (tmpDir: string) => Promise<void> | void,
): Promise<void> {
  const parent = dirname(dir);
  mkdirSync(parent, { recursive: true });
  const tmp = join(parent, `.${basename(dir)}.${process.pid}.tmp`);
  const old = join(parent, `.${basename(dir)}.${process.pid}.old`);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp);
  try {
    await build(tmp);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  let hadOld = false;
  try {
    renameSync(dir, old);
    hadOld = true;
  } catch {
    // no previous tree
  }
  renameSync(tmp, dir);
  if (hadOld) rmSync(old, { recursive: true, force: true });
}
