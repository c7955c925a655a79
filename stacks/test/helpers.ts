import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type CountryProfile, countriesDir, loadProfileFile } from "@sovereign/profile";

/** Shipped country codes (every file in stacks/countries). */
export const SHIPPED = readdirSync(countriesDir())
  .filter((f) => /^[a-z]{2}\.yaml$/.test(f))
  .map((f) => f.slice(0, 2))
  .sort();

export function shipped(cc: string): CountryProfile {
  return loadProfileFile(join(countriesDir(), `${cc}.yaml`));
}

const dirs: string[] = [];
/** A fresh temp directory, removed by {@link cleanup}. */
export function tempDir(prefix = "sovereign-stacks-"): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
}
export function cleanup(): void {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
}
