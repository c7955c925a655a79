import type { CompiledRule, Rule } from "./pack.js";
import type { RuleDoc } from "./schema.js";

/** A rule as written plus its compiled CEL (kept out of JSON.stringify and spreads). */
export function ruleOf(doc: RuleDoc, packId: string, compiled: CompiledRule): Rule {
  const r = { ...doc, packId } as Rule;
  Object.defineProperty(r, "compiled", { value: compiled, enumerable: false });
  return r;
}
