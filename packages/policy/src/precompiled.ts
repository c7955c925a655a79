import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ExprSchema } from "@bufbuild/cel-spec/cel/expr/syntax_pb.js";
import { fromJson, type JsonValue, toJson } from "@bufbuild/protobuf";
import { repoRoot } from "@sovereign/profile";
import { type Expr, type Program, programOf } from "./cel/program.js";
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
 * Each syntax tree is stored as its own protobuf-JSON text and decoded and planned on its first
 * evaluation, so a command pays only for the expressions it runs (a synth runs the rules whose
 * kinds it produced, and message expressions only for findings). Because decoding is deferred,
 * damage is caught up front instead: the file's first line is the sha256 of the rest, and a file
 * whose body does not match it is ignored (the YAML is used).
 *
 * Bump FORMAT whenever the stored shape, the CEL dialect checks or the syntax-tree encoding change:
 * files of another format are ignored and rebuilt.
 */
export const PRECOMPILED_FORMAT = 2;

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

/** RuleTrees with every syntax tree as the text of its protobuf JSON form. */
interface StoredTrees {
  matchConditions: { name: string; expr: string }[];
  variables: { name: string; expr: string }[];
  validations: { expr: string; messageExpr?: string }[];
}

/** Where precompiled packs live: `packages/policy/precompiled/` (a build output, not committed). */
export function precompiledDir(): string {
  return join(repoRoot(), "packages", "policy", "precompiled");
}

/** sha256 (hex) of a pack's YAML text: the key of its precompiled file. */
export function packKey(yamlText: string): string {
  return createHash("sha256").update(yamlText).digest("hex");
}

const store = (e: Expr): string => JSON.stringify(toJson(ExprSchema, e));

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

/** A stored syntax tree, decoded on first use and then kept. */
class StoredExpr {
  private expr: Expr | undefined;
  constructor(private readonly text: string) {}
  get(): Expr {
    this.expr ??= fromJson(ExprSchema, JSON.parse(this.text) as JsonValue);
    return this.expr;
  }
}

/**
 * A program planned on its first call. A tree that cannot be decoded (the file's digest matched,
 * so only a writer fault could cause it) is an evaluation error, which failurePolicy Fail denies.
 */
function deferredProgram(s: StoredExpr): Program {
  let program: Program | undefined;
  return (bindings) => {
    if (!program) {
      try {
        program = programOf(s.get());
      } catch (e) {
        return new Error(`precompiled syntax tree unreadable: ${String((e as Error)?.message ?? e)}`) as never;
      }
    }
    return program(bindings);
  };
}

/** `target` with `key` read from the stored tree, decoded when first read. */
function lazyTree<T extends object, K extends string>(target: T, key: K, s: StoredExpr): T & Record<K, Expr> {
  return Object.defineProperty(target, key, { get: () => s.get(), enumerable: true }) as T & Record<K, Expr>;
}

function compiledOf(s: StoredTrees): CompiledRule {
  const mcs = s.matchConditions.map((m) => ({ name: m.name, tree: new StoredExpr(m.expr) }));
  const vars = s.variables.map((v) => ({ name: v.name, tree: new StoredExpr(v.expr) }));
  const vals = s.validations.map((v) => ({
    tree: new StoredExpr(v.expr),
    message: v.messageExpr === undefined ? undefined : new StoredExpr(v.messageExpr),
  }));
  const trees: RuleTrees = {
    matchConditions: mcs.map((m) => lazyTree({ name: m.name }, "expr", m.tree)),
    variables: vars.map((v) => lazyTree({ name: v.name }, "expr", v.tree)),
    validations: vals.map((v) => {
      const val = lazyTree({}, "expr", v.tree);
      return v.message ? lazyTree(val, "messageExpr", v.message) : val;
    }),
  };
  return {
    matchConditions: mcs.map((m) => ({ name: m.name, program: deferredProgram(m.tree) })),
    variables: new Map(vars.map((v) => [v.name, deferredProgram(v.tree)])),
    validations: vals.map((v) => ({
      program: deferredProgram(v.tree),
      messageProgram: v.message && deferredProgram(v.message),
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
    const text = readFileSync(join(dir, `${sha256}.json`), "utf8");
    const nl = text.indexOf("\n");
    const body = text.slice(nl + 1);
    // The first line is the sha256 of the rest: a damaged body is ignored before any tree is used.
    if (nl !== 64 || text.slice(0, 64) !== createHash("sha256").update(body).digest("hex")) return undefined;
    stored = JSON.parse(body) as PrecompiledFile;
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
    return undefined; // a damaged shape: fall back to the YAML
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
    const json = `${JSON.stringify(body)}\n`;
    writeFileSync(tmp, `${createHash("sha256").update(json).digest("hex")}\n${json}`);
    renameSync(tmp, target);
    return target;
  } catch {
    return undefined;
  }
}
