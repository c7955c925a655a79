import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "@sovereign/diagnostics";

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
