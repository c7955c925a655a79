import { existsSync, readdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** Repository root: two levels above this package's src/ or dist/. */
export function repoRoot(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
}

/**
 * Names of the policy packs shipped in `policies/` (`<name>.yaml`). The profile check refuses a
 * `spec.policies` entry that is not one, with its line, before any synth tries to load it.
 */
export function shippedPackNames(dir = join(repoRoot(), "policies")): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith(".yaml") && !f.startsWith("."))
    .map((f) => f.slice(0, -".yaml".length))
    .sort();
}
