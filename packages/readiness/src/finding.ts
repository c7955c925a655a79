import type { SynthObject } from "@sovereign/policy";
import type { ReadinessFinding, RuleId } from "./types.js";

/** A finding about a synthesized object. */
export function finding(so: SynthObject, rule: RuleId, message: string, fix: string): ReadinessFinding {
  const o = so.object;
  return {
    ruleId: rule,
    stack: so.stack,
    address: so.address,
    object: { kind: o.kind, ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}), name: o.metadata.name ?? "(unnamed)" },
    message,
    fix,
  };
}
