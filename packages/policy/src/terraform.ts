import type { TerraformTarget } from "./schema.js";
import type { TerraformStack } from "./types.js";

/**
 * A Terraform block presented to CEL as `object`. Rules read `object.block`, `object.type`,
 * `object.name` and `object.config` (the block's JSON as synthesized in cdk.tf.json).
 */
export interface TerraformBlock {
  block: "backend" | "provider" | "resource";
  /** Backend type (`s3`), provider name (`kubernetes`) or resource type (`helm_release`). */
  type: string;
  /** Backend type, provider alias (or name), or resource address `type.name`. */
  name: string;
  config: Record<string, unknown>;
  /** True for the `local` backend Terraform uses when a stack declares none. */
  implicit?: boolean;
}

const asRecord = (v: unknown): Record<string, unknown> =>
  v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {};

/** Every backend, provider and resource block of a stack's Terraform JSON. */
export function terraformBlocks(json: object): TerraformBlock[] {
  const j = json as Record<string, unknown>;
  const out: TerraformBlock[] = [];
  const backend = asRecord(asRecord(j.terraform).backend);
  const types = Object.keys(backend);
  if (types.length === 0)
    out.push({ block: "backend", type: "local", name: "local", config: {}, implicit: true });
  for (const t of types) out.push({ block: "backend", type: t, name: t, config: asRecord(backend[t]) });
  for (const [name, v] of Object.entries(asRecord(j.provider))) {
    for (const cfg of Array.isArray(v) ? v : [v]) {
      const c = asRecord(cfg);
      out.push({
        block: "provider",
        type: name,
        name: typeof c.alias === "string" ? c.alias : name,
        config: c,
      });
    }
  }
  for (const [type, byName] of Object.entries(asRecord(j.resource))) {
    for (const [name, cfg] of Object.entries(asRecord(byName))) {
      out.push({ block: "resource", type, name: `${type}.${name}`, config: asRecord(cfg) });
    }
  }
  return out;
}

/** True when a rule's terraform target selects the block. */
export function targetsBlock(targets: readonly TerraformTarget[], b: TerraformBlock): boolean {
  return targets.some((t) => t.block === b.block && (!t.types || t.types.includes(b.type)));
}

/** Convenience for callers holding several stacks. */
export function allBlocks(stacks: readonly TerraformStack[]): { stack: string; block: TerraformBlock }[] {
  return stacks.flatMap((s) => terraformBlocks(s.json).map((block) => ({ stack: s.stack, block })));
}
