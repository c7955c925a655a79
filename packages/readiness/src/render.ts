import type { ReadinessFinding } from "./types.js";

/** One finding as text: rule, stack, object, message and fix. */
export function readinessText(f: ReadinessFinding): string {
  const o = f.object;
  return `${f.ruleId}  ${f.stack} ${o.kind} ${o.namespace ? `${o.namespace}/` : ""}${o.name} (${f.address})\n  ${f.message}\n  fix: ${f.fix}`;
}

/** Findings as a text report, a summary line last. */
export function readinessReport(findings: ReadinessFinding[]): string {
  const rules = [...new Set(findings.map((f) => f.ruleId))].sort();
  return [
    ...findings.map(readinessText),
    `deploy readiness: ${findings.length} failure(s)${rules.length ? ` (${rules.join(", ")})` : ""}`,
  ].join("\n");
}
