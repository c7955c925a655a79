import { type CapacityReport, planProfile } from "@sovereign/capacity";
import { InputError, type YamlSource } from "@sovereign/diagnostics";
import type { CountryProfile } from "@sovereign/profile";

/**
 * The capacity plan of a loaded profile, its issues placed at their YAML line in `src` (the
 * document the profile was validated from: the file is not read again). Throws InputError
 * (exit 2) when a model cannot hold one sequence; warnings are returned for the caller to print.
 */
export function checkedCapacity(profile: CountryProfile, src: YamlSource): CapacityReport {
  const report = planProfile(profile);
  if (report.errors.length === 0 && report.warnings.length === 0) return report;
  const placed = { ...report, errors: report.errors.map((i) => src.place(i)), warnings: report.warnings.map((i) => src.place(i)) };
  if (placed.errors.length > 0) throw new InputError(placed.errors);
  return placed;
}

/** One line per warning, `file:line:col: warning <code> at <path>: message`, then its fix. */
export function warningLines(report: CapacityReport): string {
  return report.warnings
    .map((w) => `${w.file ?? "<profile>"}:${w.line ?? 0}:${w.column ?? 0}: warning ${w.code}: ${w.message}\n  fix: ${w.hint ?? ""}\n`)
    .join("");
}
