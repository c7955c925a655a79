import { existsSync, readdirSync } from "node:fs";
import { join, relative } from "node:path";
import {
  type DocPath,
  InputError,
  type Issue,
  parseYamlSource,
  readSourceText,
  repoRoot,
  type YamlSource,
} from "@sovereign/diagnostics";
import { functionsOf, ROOT_VARIABLES } from "./cel/dialect.js";
import { compile, type Expr, type Program } from "./cel/program.js";
import { readPrecompiled, writePrecompiled } from "./precompiled.js";
import { ruleOf } from "./rule.js";
import { type FixtureDoc, type PolicyPackDoc, policyPackSchema, type RuleDoc } from "./schema.js";

/** Compiled CEL of a rule: parsed and dialect-checked once at load, shared by every evaluation. */
export interface CompiledRule {
  matchConditions: { name: string; program: Program }[];
  variables: Map<string, Program>;
  validations: { program: Program; messageProgram?: Program }[];
  /** The syntax trees the programs were planned from (what a precompiled pack stores). */
  trees: RuleTrees;
}

/** Checked CEL syntax trees of one rule, in the order of its matchConditions/variables/validations. */
export interface RuleTrees {
  matchConditions: { name: string; expr: Expr }[];
  variables: { name: string; expr: Expr }[];
  validations: { expr: Expr; messageExpr?: Expr }[];
}

/** A rule of a pack, as written, plus its compiled CEL. */
export type Rule = RuleDoc & {
  /** Pack the rule belongs to. */
  packId: string;
  /** Not serialized: programs compiled from the CEL. */
  readonly compiled: CompiledRule;
};

/** A loaded, checked policy pack. */
export interface PolicyPack {
  id: string;
  title: string;
  description: string;
  frameworks: string[];
  /** File the pack was read from (as shown in messages). */
  file: string;
  rules: Rule[];
}

/** Directory of the shipped packs. */
export function policiesDir(): string {
  return join(repoRoot(), "policies");
}

/** Names of the packs available in `dir` (files `<name>.yaml`). */
export function availablePacks(dir = policiesDir()): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith(".yaml") && !f.startsWith("."))
    .map((f) => f.replace(/\.yaml$/, ""))
    .sort();
}

function compileRule(
  rule: RuleDoc,
  base: DocPath,
  src: YamlSource,
): { compiled: CompiledRule; issues: Issue[] } {
  const issues: Issue[] = [];
  const bad = (path: DocPath, problems: { message: string; hint: string }[]) => {
    for (const p of problems) {
      issues.push(src.place({ code: "policy.cel", path, message: p.message, hint: p.hint }));
    }
  };
  const rootsNoVars = ROOT_VARIABLES.filter((r) => r !== "variables");
  const trees: RuleTrees = { matchConditions: [], variables: [], validations: [] };
  const compiled: CompiledRule = { matchConditions: [], variables: new Map(), validations: [], trees };
  rule.matchConditions.forEach((mc, i) => {
    const r = compile(mc.expression, { roots: rootsNoVars, variables: [] });
    if (r.ok) {
      compiled.matchConditions.push({ name: mc.name, program: r.program });
      trees.matchConditions.push({ name: mc.name, expr: r.expr });
    }
    else bad([...base, "matchConditions", i, "expression"], r.problems);
  });
  const declared: string[] = [];
  rule.variables.forEach((v, i) => {
    if (declared.includes(v.name)) {
      issues.push(
        src.place({
          code: "policy.duplicate_variable",
          path: [...base, "variables", i, "name"],
          message: `variable ${JSON.stringify(v.name)} is declared twice`,
          hint: "rename one of them",
        }),
      );
    }
    const r = compile(v.expression, { roots: ROOT_VARIABLES, variables: [...declared] });
    if (r.ok) {
      compiled.variables.set(v.name, r.program);
      trees.variables.push({ name: v.name, expr: r.expr });
    } else bad([...base, "variables", i, "expression"], r.problems);
    declared.push(v.name);
  });
  rule.validations.forEach((val, i) => {
    const r = compile(val.expression, { roots: ROOT_VARIABLES, variables: declared });
    if (!r.ok) bad([...base, "validations", i, "expression"], r.problems);
    let message: { program: Program; expr: Expr } | undefined;
    if (val.messageExpression !== undefined) {
      const m = compile(val.messageExpression, { roots: ROOT_VARIABLES, variables: declared });
      if (m.ok) message = m;
      else bad([...base, "validations", i, "messageExpression"], m.problems);
    }
    if (r.ok) {
      compiled.validations.push({ program: r.program, messageProgram: message?.program });
      trees.validations.push({ expr: r.expr, messageExpr: message?.expr });
    }
  });
  return { compiled, issues };
}

/**
 * Validates a parsed pack document: schema, unique rule ids, name matching the file, and every
 * CEL expression compiled against the Kubernetes dialect. Throws InputError with every issue
 * located (YAML path and line).
 */
export function packFromSource(src: YamlSource, expectedName?: string): PolicyPack {
  const doc: PolicyPackDoc = src.parse(policyPackSchema);
  const issues: Issue[] = [];
  if (expectedName !== undefined && doc.metadata.name !== expectedName) {
    issues.push(
      src.place({
        code: "policy.name_mismatch",
        path: ["metadata", "name"],
        message: `pack name ${JSON.stringify(doc.metadata.name)} does not match its file ${expectedName}.yaml`,
        hint: `set metadata.name to ${JSON.stringify(expectedName)} or rename the file`,
      }),
    );
  }
  const seen = new Map<string, number>();
  const rules: Rule[] = [];
  doc.spec.rules.forEach((rule, i) => {
    const base: DocPath = ["spec", "rules", i];
    const prev = seen.get(rule.id);
    if (prev !== undefined) {
      issues.push(
        src.place({
          code: "policy.duplicate_rule",
          path: [...base, "id"],
          message: `rule id ${JSON.stringify(rule.id)} is already used by spec.rules[${prev}]`,
          hint: "give every rule of a pack its own id",
        }),
      );
    }
    seen.set(rule.id, i);
    const { compiled, issues: ruleIssues } = compileRule(rule, base, src);
    issues.push(...ruleIssues);
    rules.push(ruleOf(rule, doc.metadata.name, compiled));
  });
  if (issues.length > 0) throw new InputError(issues);
  return {
    id: doc.metadata.name,
    title: doc.spec.title,
    description: doc.spec.description,
    frameworks: doc.spec.frameworks,
    file: src.file,
    rules,
  };
}

/** Parses pack YAML text (tests, integrators' packs). */
export function parsePack(text: string, file = "<pack>"): PolicyPack {
  return packFromSource(parseYamlSource(text, file));
}

const cache = new Map<string, PolicyPack>();

/**
 * Loads the named packs from `policies/<name>.yaml` (compiled once per process). Bad packs are
 * refused with the YAML path and line; an unknown name lists the available packs.
 *
 * A pack whose YAML has a precompiled copy in `precompiledDir` (keyed by the YAML's sha256, built
 * by `npm run build`) is planned from its stored syntax trees without parsing YAML or CEL; any
 * other pack (edited, new, or an integrator's) goes through the full check, which also locates
 * every error, and its precompiled copy is then written for the next run.
 */
export function loadPacks(
  names: string[],
  dir = policiesDir(),
  precompiledDir?: string,
  o: { /** Cap on each pack file. @default DEFAULT_INPUT_LIMIT */ limit?: number } = {},
): PolicyPack[] {
  return names.map((name) => {
    const file = join(dir, `${name}.yaml`);
    const hit = cache.get(file);
    if (hit) return hit;
    if (!/^[a-z0-9-]+$/.test(name) || !existsSync(file)) {
      throw new InputError([
        {
          code: "policy.unknown_pack",
          path: ["spec", "policies"],
          message: `unknown policy pack ${JSON.stringify(name)}`,
          hint: `available packs: ${availablePacks(dir).join(", ") || "(none)"}`,
        },
      ]);
    }
    const shown = relative(process.cwd(), file);
    const where = shown.startsWith("..") ? file : shown;
    // Regular files only, bounded: a FIFO, device or oversized pack is refused (exit 2) naming it.
    const text = readSourceText(file, where, { limit: o.limit });
    let pack = readPrecompiled(text, name, where, precompiledDir);
    if (!pack) {
      pack = packFromSource(parseYamlSource(text, where), name);
      writePrecompiled(text, pack, precompiledDir);
    }
    cache.set(file, pack);
    return pack;
  });
}

export type { FixtureDoc };

/** Every CEL function and method a rule's expressions call (for the Kubernetes version check). */
export function ruleFunctions(rule: Rule): Set<string> {
  const t = rule.compiled.trees;
  const exprs = [
    ...t.matchConditions.map((m) => m.expr),
    ...t.variables.map((v) => v.expr),
    ...t.validations.flatMap((v) => (v.messageExpr ? [v.expr, v.messageExpr] : [v.expr])),
  ];
  const out = new Set<string>();
  for (const e of exprs) for (const f of functionsOf(e)) out.add(f);
  return out;
}
