import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadProfileFile, shippedProfilePath } from "@sovereign/profile";
import { helmBinary } from "@sovereign/tools";
import {
  generateKeyPair,
  loadRecipeFile,
  loadSigningKey,
  loadVerifyKey,
  type PackOptions,
  type PackResult,
  packBundle,
  shippedRecipePath,
} from "../src/index.js";

export const FIXTURES = join(import.meta.dirname, "fixtures");
const dirs: string[] = [];

/** A temp directory removed after the test file. */
export function tmpDir(prefix = "sovereign-bundle-test-"): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
}

/**
 * Removes the temp directories made so far. Each test file registers it (`afterAll(removeTmpDirs)`):
 * test files share a worker and load this module once, so a hook registered here would run only
 * after the first file of the worker.
 */
export function removeTmpDirs(): void {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

export function tmpFile(name: string, content: string | Buffer): string {
  const p = join(tmpDir(), name);
  writeFileSync(p, content);
  return p;
}

/** A key pair written to a temp directory. */
export function keyPair(): { priv: string; pub: string } {
  const d = tmpDir("sovereign-keys-");
  const k = generateKeyPair();
  writeFileSync(join(d, "bundle.key"), k.privatePem, { mode: 0o600 });
  writeFileSync(join(d, "bundle.pub"), k.publicPem);
  return { priv: join(d, "bundle.key"), pub: join(d, "bundle.pub") };
}

export const EPOCH = 1_700_000_000;

/** Packs the th fixture bundle (fixture synth output, fixture chart and policies, shipped recipe). */
export async function packFixture(
  out: string,
  keys: { priv: string },
  extra: Partial<PackOptions> = {},
): Promise<PackResult> {
  const profilePath = shippedProfilePath("th");
  const profile = loadProfileFile(profilePath);
  const recipePath = shippedRecipePath("th")!;
  return packBundle({
    profile,
    profileText: readFileSync(profilePath, "utf8"),
    synthDir: join(FIXTURES, "synth"),
    recipe: { recipe: loadRecipeFile(recipePath, profile), text: readFileSync(recipePath, "utf8") },
    chartsDir: join(FIXTURES, "charts"),
    helm: helmBinary(),
    policiesDir: join(FIXTURES, "policies"),
    lockfile: join(import.meta.dirname, "..", "..", "..", "package-lock.json"),
    signingKey: loadSigningKey(keys.priv),
    out,
    sourceDateEpoch: EPOCH,
    ...extra,
  });
}

export function verifyKey(pub: string) {
  return loadVerifyKey(pub);
}

export function sha256sum(path: string): string {
  return execFileSync("sha256sum", [path], { encoding: "utf8" }).split(" ")[0]!;
}
