import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The kit's repository assets (shipped profiles, policy packs, charts, recipes) are found from
 * the installed packages' own location: the repository root is three levels above this file
 * (`packages/diagnostics/src` or `packages/diagnostics/dist`). The one place that knows it.
 */
export function repoRoot(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
}

/** Path of a shipped asset, e.g. `assetPath("policies", "residency-core.yaml")`. */
export function assetPath(...segments: string[]): string {
  return join(repoRoot(), ...segments);
}
