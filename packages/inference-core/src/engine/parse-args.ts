import type { EngineRecord } from "./vllm-record.js";

/** An argv parsed against an engine record: the positional model directory and each flag's value. */
export interface ParsedEngineArgs {
  model: string;
  flags: Map<string, string | true>;
}

/**
 * Parses the arguments after the engine's command the way its argument parser would accept them,
 * restricted to the recorded flags. Throws with the offending token on anything else: an unknown
 * flag, a missing or malformed value, a value outside the recorded choices, a repeated flag.
 */
export function parseEngineArgs(record: EngineRecord, args: readonly string[]): ParsedEngineArgs {
  const [model, ...rest] = args;
  if (!model || model.startsWith("-")) throw new Error(`first argument must be the model directory, got ${JSON.stringify(model)}`);
  const flags = new Map<string, string | true>();
  for (let i = 0; i < rest.length; i++) {
    const token = rest[i]!;
    const [name, inline] = token.includes("=") ? [token.slice(0, token.indexOf("=")), token.slice(token.indexOf("=") + 1)] : [token, undefined];
    const spec = record.flags[name];
    if (!spec) throw new Error(`${JSON.stringify(name)} is not a recorded ${record.engine} ${record.version} flag`);
    if (flags.has(name)) throw new Error(`${name} is given twice`);
    if (spec.takes === "switch") {
      if (inline !== undefined) throw new Error(`${name} takes no value`);
      flags.set(name, true);
      continue;
    }
    const value = inline ?? rest[++i];
    if (value === undefined || value.startsWith("--")) throw new Error(`${name} needs a value`);
    checkValue(name, spec.takes, value, spec.choices);
    flags.set(name, value);
  }
  return { model, flags };
}

function checkValue(name: string, takes: string, value: string, choices?: readonly string[]): void {
  const bad = (why: string) => new Error(`${name} ${JSON.stringify(value)}: ${why}`);
  if (takes === "int" && !/^-?\d+$/.test(value)) throw bad("not an integer");
  if (takes === "float" && !Number.isFinite(Number(value))) throw bad("not a number");
  if (takes === "choice" && !choices?.includes(value)) throw bad(`not one of ${choices?.join(", ")}`);
  if (takes === "json") {
    try {
      JSON.parse(value);
    } catch {
      throw bad("not JSON");
    }
  }
}
