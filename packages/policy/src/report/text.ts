import { printable } from "@sovereign/diagnostics";
import type { Finding } from "../types.js";

/**
 * One finding as terminal text: severity, rule, pack, object, field, where in the synth, the
 * message and the legal references of the profile's frameworks.
 */
export function findingText(f: Finding): string {
  // Every part may come from an input file: each line is made printable on its own, so a name
  // cannot forge a line and the finding keeps its own line breaks.
  const o = f.objectRef;
  const obj = `${o.kind} ${o.namespace ? `${o.namespace}/` : ""}${o.name}`;
  const where = [f.stack, f.address].filter(Boolean).join(" ");
  return [
    `${f.severity} ${f.ruleId} (${f.packId}): ${obj}${f.field ? ` field ${f.field}` : ""}${where ? ` [${where}]` : ""}`,
    `  ${f.message}`,
    ...(f.legalRefs.length > 0 ? [`  legal: ${f.legalRefs.join("; ")}`] : []),
  ]
    .map(printable)
    .join("\n");
}
