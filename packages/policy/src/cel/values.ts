import { type CelValue, celList, celMap, isCelList, isCelMap } from "@bufbuild/cel";

/**
 * Converts JSON (as Kubernetes sends it to the API server) into CEL values once, so every rule
 * reads the same immutable tree. Integral numbers become CEL `int` (bigint) as the API server
 * does for `integer` schema fields; other numbers stay `double`.
 */
export function jsonToCel(v: unknown): CelValue {
  if (v === null || v === undefined) return null;
  switch (typeof v) {
    case "boolean":
    case "string":
      return v;
    case "number":
      return Number.isInteger(v) ? BigInt(v) : v;
    case "bigint":
      return v;
    case "object": {
      if (Array.isArray(v)) return celList(v.map(jsonToCel));
      const m = new Map<string, CelValue>();
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
        if (x !== undefined) m.set(k, jsonToCel(x));
      }
      return celMap(m);
    }
    default:
      throw new Error(`not a JSON value: ${typeof v}`);
  }
}

/** Back from CEL to plain JSON (for messages and tests); opaque library values become their string form. */
export function celToJson(v: unknown): unknown {
  if (typeof v === "bigint") return Number(v);
  if (isCelList(v)) return [...v].map(celToJson);
  if (isCelMap(v)) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of v) out[String(k)] = celToJson(x);
    return out;
  }
  return v;
}
