import type { z } from "zod";
import type { DocPath, Issue } from "./issue.js";

function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a map";
  const s = JSON.stringify(value);
  return `${typeof value} ${s.length > 60 ? `${s.slice(0, 57)}...` : s}`;
}

function valueAt(root: unknown, path: DocPath): unknown {
  let v: unknown = root;
  for (const seg of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<string | number, unknown>)[seg];
  }
  return v;
}

/**
 * Turns zod's issues into located, user-facing issues. Unknown keys get one issue per key,
 * pointing at the key itself; missing fields point at the map that lacks them.
 */
export function zodToIssues(error: z.ZodError, input: unknown): Issue[] {
  const out: Issue[] = [];
  for (const zi of error.issues) {
    const path = zi.path.filter((p): p is string | number => typeof p !== "symbol");
    const value = valueAt(input, path);
    switch (zi.code) {
      case "unrecognized_keys":
        for (const key of zi.keys) {
          out.push({
            code: "schema.unknown_key",
            path: [...path, key],
            message: `unknown key ${JSON.stringify(key)}`,
            hint: "remove it or check its spelling against the JSON Schema (field names are case-sensitive)",
          });
        }
        break;
      case "invalid_type":
        if (value === undefined) {
          out.push({
            code: "schema.required",
            path,
            message: `required field ${JSON.stringify(path.at(-1))} is missing`,
            hint: `add \`${String(path.at(-1))}:\` (expected ${zi.expected})`,
          });
        } else {
          out.push({
            code: "schema.type",
            path,
            message: `expected ${zi.expected}, got ${describe(value)}`,
            hint:
              // YAML reads unquoted digits, `yes` or `on` as numbers and booleans; the value meant
              // is usually the text, e.g. an all-digit hash.
              zi.expected === "string" && (typeof value === "number" || typeof value === "boolean")
                ? "quote the value so YAML reads it as text, e.g. \"0123\""
                : zi.message.startsWith("Invalid input")
                  ? `write a ${zi.expected} here`
                  : zi.message,
          });
        }
        break;
      case "invalid_value":
        out.push({
          code: "schema.enum",
          path,
          message: `${describe(value)} is not allowed`,
          hint: `use one of: ${zi.values.map((v) => JSON.stringify(v)).join(", ")}`,
        });
        break;
      case "invalid_union": {
        out.push({
          code: "schema.union",
          path,
          message: `${describe(value)} matches none of the allowed forms`,
          hint: zi.message,
        });
        break;
      }
      case "too_small":
      case "too_big": {
        const bound = zi.code === "too_small" ? "at least" : "at most";
        const what = zi.origin === "array" ? " items" : zi.origin === "string" ? " characters" : "";
        out.push({
          code: `schema.${zi.code}`,
          path,
          message: `${describe(value)} is out of range: must be ${bound} ${String(zi.code === "too_small" ? zi.minimum : zi.maximum)}${what}`,
          hint: `give a value ${bound} ${String(zi.code === "too_small" ? zi.minimum : zi.maximum)}${what}`,
        });
        break;
      }
      default: {
        // Custom refinements and string formats carry their own message; a hint may follow after " | fix: ".
        const [message, hint] = zi.message.split(" | fix: ");
        out.push({ code: `schema.${zi.code}`, path, message: `${describe(value)}: ${message}`, hint });
      }
    }
  }
  return out;
}
