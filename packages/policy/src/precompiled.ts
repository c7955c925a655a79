import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ExprSchema } from "@bufbuild/cel-spec/cel/expr/syntax_pb.js";
import { fromJson, type JsonValue, toJson } from "@bufbuild/protobuf";
import { repoRoot } from "@sovereign/profile";
import { type Expr, programOf } from "./cel/program.js";
import type { CompiledRule, PolicyPack, Rule, RuleTrees } from "./pack.js";
import { ruleOf } from "./rule.js";
import type { RuleDoc } from "./schema.js";

/**
 * Precompiled policy packs: a pack that passed every check (schema, ids, name, CEL dialect) stored
 * as JSON with its CEL syntax trees, in a file named by the sha256 of the pack's YAML text. Loading
 * it skips the YAML parse and the CEL parse, the costly part of a cold synth; the YAML is parsed
 * again only when no file matches its hash (edited, new or foreign pack), which is also the path
 * that locates errors.
 *
 * Bump FORMAT whenever the stored shape, the CEL dialect checks or the syntax-tree encoding change:
 * files of another format are ignored and rebuilt.
 */
export const PRECOMPILED_FORMAT = 1;

/** Stored form of one pack. */
interface PrecompiledFile {
  format: number;
  sha256: string;
  id: string;
  title: string;
  description: string;
  frameworks: string[];
  rules: { doc: RuleDoc; trees: StoredTrees }[];
}

/** RuleTrees with every syntax tree in its protobuf JSON form. */
interface StoredTrees {
  matchConditions: { name: string; expr: JsonValue }[];
  variables: { name: string; expr: JsonValue }[];
  validations: { expr: JsonValue; messageExpr?: JsonValue }[];
}

/** Where precompiled packs live: `packages/policy/precompiled/` (a build output, not committed). */
export function precompiledDir(): string {
  return join(repoRoot(), "packages", "policy", "precompiled");
}

/** sha256 (hex) of a pack's YAML text: the key of its precompiled file. */
export function packKey(yamlText: string): string {
  return createHash("sha256").update(yamlText).digest("hex");
}

const store = (e: Expr): JsonValue => toJson(ExprSchema, e);
const load = (j: JsonValue): Expr => fromJson(ExprSchema, j);

function storedTrees(t: RuleTrees): StoredTrees {
  return {
    matchConditions: t.matchConditions.map((m) => ({ name: m.name, expr: store(m.expr) })),
    variables: t.variables.map((v) => ({ name: v.name, expr: store(v.expr) })),
    validations: t.validations.map((v) => ({
      expr: store(v.expr),
      messageExpr: v.messageExpr && store(v.messageExpr),
    })),
  };
}

function compiledOf(s: StoredTrees): CompiledRule {
  const trees: RuleTrees = {
    matchConditions: s.matchConditions.map((m) => ({ name: m.name, expr: load(m.expr) })),
    variables: s.variables.map((v) => ({ name: v.name, expr: load(v.expr) })),
    validations: s.validations.map((v) => ({
      expr: load(v.expr),
      messageExpr: v.messageExpr === undefined ? undefined : load(v.messageExpr),
    })),
  };
  return {
    matchConditions: trees.matchConditions.map((m) => ({ name: m.name, program: programOf(m.expr) })),
    variables: new Map(trees.variables.map((v) => [v.name, programOf(v.expr)])),
    validations: trees.validations.map((v) => ({
      program: programOf(v.expr),
      messageProgram: v.messageExpr && programOf(v.messageExpr),
    })),
    trees,
  };
}

/** The file a pack with this YAML text would be stored in. */
export function precompiledPath(yamlText: string, dir = precompiledDir()): string {
  return join(dir, `${packKey(yamlText)}.json`);
}

/**
 * The precompiled pack for this exact YAML text, or undefined when there is none usable (no file,
 * another format, a different hash or name inside, or a damaged file): the caller then parses the
 * YAML, which is also what reports any error with its location.
 */
export function readPrecompiled(
  yamlText: string,
  expectedName: string,
  file: string,
  dir = precompiledDir(),
): PolicyPack | undefined {
  const sha256 = packKey(yamlText);
  let stored: PrecompiledFile;
  try {
    stored = JSON.parse(readFileSync(join(dir, `${sha256}.json`), "utf8")) as PrecompiledFile;
  } catch {
    return undefined;
  }
  if (stored.format !== PRECOMPILED_FORMAT || stored.sha256 !== sha256 || stored.id !== expectedName) {
    return undefined;
  }
  try {
    const rules: Rule[] = stored.rules.map((r) => ruleOf(r.doc, stored.id, compiledOf(r.trees)));
    return {
      id: stored.id,
      title: stored.title,
      description: stored.description,
      frameworks: stored.frameworks,
      file,
      rules,
    };
  } catch {
    return undefined; // damaged syntax trees: fall back to the YAML
  }
}

/**
 * Stores a checked pack under the hash of its YAML text (temp file + rename, so a reader never
 * sees half a file). Best effort: a read-only checkout only loses the speed-up.
 */
export function writePrecompiled(yamlText: string, pack: PolicyPack, dir = precompiledDir()): string | undefined {
  const sha256 = packKey(yamlText);
  const body: PrecompiledFile = {
    format: PRECOMPILED_FORMAT,
    sha256,
    id: pack.id,
    title: pack.title,
    description: pack.description,
    frameworks: pack.frameworks,
    rules: pack.rules.map((r) => {
      const { packId: _packId, ...doc } = r;
      return { doc, trees: storedTrees(r.compiled.trees) };
    }),
  };
  const target = join(dir, `${sha256}.json`);
  const tmp = `${target}.${process.pid}.tmp`;
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(tmp, `${JSON.stringify(body)}\n`);
    renameSync(tmp, target);
    return target;
  } catch {
    return undefined;
  }
}
