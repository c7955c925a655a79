import type { parse } from "@bufbuild/cel";
import { K8S_FUNCTION_NAMES } from "./k8s-lib.js";

/**
 * The CEL dialect the Kubernetes API server accepts in ValidatingAdmissionPolicy (admissionregistration.k8s.io/v1; see k8s-versions.ts for the
 * Kubernetes version each library needs),
 * narrowed to what this evaluator implements. An expression outside it is refused when the pack
 * loads, so a rule never passes offline and then fails to install in the cluster.
 */

/** Parsed CEL expression tree (cel.expr.Expr). */
type Expr = ReturnType<typeof parse>["expr"];

/** Operators and standard functions of the CEL base environment. */
const STANDARD = new Set([
  "_+_",
  "_-_",
  "_*_",
  "_/_",
  "_%_",
  "-_",
  "!_",
  "_==_",
  "_!=_",
  "_<_",
  "_<=_",
  "_>_",
  "_>=_",
  "_&&_",
  "_||_",
  "_?_:_",
  "_[_]",
  "@in",
  "@not_strictly_false",
  "size",
  "matches",
  "contains",
  "startsWith",
  "endsWith",
  "int",
  "uint",
  "double",
  "string",
  "bytes",
  "bool",
  "type",
  "dyn",
  "duration",
  "timestamp",
  "getFullYear",
  "getMonth",
  "getDayOfYear",
  "getDayOfMonth",
  "getDate",
  "getDayOfWeek",
  "getHours",
  "getMinutes",
  "getSeconds",
  "getMilliseconds",
]);

/** cel-go `ext.Strings` as enabled by Kubernetes (the subset this evaluator ships). */
const EXT_STRINGS = new Set([
  "charAt",
  "indexOf",
  "lastIndexOf",
  "lowerAscii",
  "upperAscii",
  "replace",
  "split",
  "substring",
  "trim",
  "join",
]);

/** Kubernetes functions the API server has but this evaluator does not implement (refused with a hint). */
const K8S_NOT_IMPLEMENTED = new Set([
  "isSorted",
  "sum",
  "min",
  "max",
  "authorizer",
  "check",
  "allowed",
  "reason",
  "errored",
  "serviceAccount",
  "group",
  "resource",
  "subresource",
  "namespace",
  "name",
  "path",
  "format",
  "quote",
  "reverse",
  "isCanonical",
  "sets.contains",
  "sets.equivalent",
  "sets.intersects",
  "base64.encode",
  "base64.decode",
]);

const TYPE_NAMES = new Set([
  "int",
  "uint",
  "double",
  "bool",
  "string",
  "bytes",
  "list",
  "map",
  "null_type",
  "type",
  "dyn",
]);

/** Variables a ValidatingAdmissionPolicy expression may read (and this evaluator binds). */
export const ROOT_VARIABLES = ["object", "oldObject", "params", "request", "variables"] as const;

export interface DialectContext {
  /** Root identifiers allowed here (matchConditions may not read `variables`). */
  roots: readonly string[];
  /** Names `variables.<name>` may refer to at this point. */
  variables: readonly string[];
}

export interface DialectProblem {
  message: string;
  hint: string;
}

/** Checks a parsed expression against the dialect; returns every problem found. */
export function checkDialect(expr: Expr, ctx: DialectContext): DialectProblem[] {
  const problems: DialectProblem[] = [];
  const seen = new Set<string>();
  const report = (key: string, p: DialectProblem) => {
    if (!seen.has(key)) {
      seen.add(key);
      problems.push(p);
    }
  };
  const walk = (e: Expr | undefined, scope: readonly string[]): void => {
    if (!e) return;
    const k = e.exprKind;
    switch (k.case) {
      case "constExpr":
        return;
      case "identExpr": {
        const name = k.value.name;
        if (scope.includes(name) || ctx.roots.includes(name) || TYPE_NAMES.has(name)) return;
        if (name === "variables") {
          report(`ident:${name}`, {
            message: "`variables` cannot be used in a matchCondition",
            hint: "matchConditions run before variables are bound; repeat the expression or move the check into a validation",
          });
          return;
        }
        report(`ident:${name}`, {
          message: `unknown identifier \`${name}\``,
          hint: `a ValidatingAdmissionPolicy expression can read ${ctx.roots.map((r) => `\`${r}\``).join(", ")} and macro variables`,
        });
        return;
      }
      case "selectExpr": {
        const op = k.value.operand;
        if (
          op?.exprKind.case === "identExpr" &&
          op.exprKind.value.name === "variables" &&
          !scope.includes("variables")
        ) {
          if (ctx.roots.includes("variables") && !ctx.variables.includes(k.value.field)) {
            report(`var:${k.value.field}`, {
              message: `\`variables.${k.value.field}\` is not declared before this expression`,
              hint: ctx.variables.length
                ? `declared so far: ${ctx.variables.join(", ")}; declare it under \`variables:\` above`
                : "declare it under `variables:` (a variable may only use variables listed before it)",
            });
          }
        }
        walk(op, scope);
        return;
      }
      case "callExpr": {
        const fn = k.value.function;
        const allowed = STANDARD.has(fn) || EXT_STRINGS.has(fn) || K8S_FUNCTION_NAMES.has(fn);
        if (!allowed) {
          report(`fn:${fn}`, {
            message: K8S_NOT_IMPLEMENTED.has(fn)
              ? `function \`${fn}\` is not provided by the offline evaluator`
              : `function \`${fn}\` is not part of the Kubernetes CEL environment`,
            hint: "use the standard CEL functions, the Kubernetes strings/regex/url/ip/cidr/quantity libraries, or the macros has/all/exists/exists_one/map/filter",
          });
        }
        // `ip.isCanonical(...)` style namespaced calls parse as a call on identifier `ip`
        walk(k.value.target, scope);
        for (const a of k.value.args) walk(a, scope);
        return;
      }
      case "listExpr":
        for (const el of k.value.elements) walk(el, scope);
        return;
      case "structExpr":
        if (k.value.messageName !== "") {
          report(`msg:${k.value.messageName}`, {
            message: `message construction \`${k.value.messageName}{...}\` is not available in admission policies`,
            hint: "build a map literal {'key': value} instead",
          });
        }
        for (const en of k.value.entries) {
          if (en.keyKind.case === "mapKey") walk(en.keyKind.value, scope);
          walk(en.value, scope);
        }
        return;
      case "comprehensionExpr": {
        const c = k.value;
        walk(c.iterRange, scope);
        walk(c.accuInit, scope);
        const inner = [...scope, c.iterVar, c.accuVar, ...(c.iterVar2 ? [c.iterVar2] : [])];
        walk(c.loopCondition, inner);
        walk(c.loopStep, inner);
        walk(c.result, [...scope, c.accuVar]);
        return;
      }
      default:
        report("expr:unknown", { message: "unsupported expression form", hint: "simplify the expression" });
    }
  };
  walk(expr, []);
  return problems;
}

/** Every function and method name called in an expression (for the Kubernetes version check). */
export function functionsOf(expr: Expr): Set<string> {
  const out = new Set<string>();
  const walk = (e: Expr | undefined): void => {
    if (!e) return;
    const k = e.exprKind;
    switch (k.case) {
      case "selectExpr":
        walk(k.value.operand);
        return;
      case "callExpr":
        out.add(k.value.function);
        walk(k.value.target);
        for (const a of k.value.args) walk(a);
        return;
      case "listExpr":
        for (const el of k.value.elements) walk(el);
        return;
      case "structExpr":
        for (const en of k.value.entries) {
          if (en.keyKind.case === "mapKey") walk(en.keyKind.value);
          walk(en.value);
        }
        return;
      case "comprehensionExpr":
        for (const x of [k.value.iterRange, k.value.accuInit, k.value.loopCondition, k.value.loopStep, k.value.result])
          walk(x);
        return;
      default:
        return;
    }
  };
  walk(expr);
  return out;
}

const VALID_ESCAPE =
  /^(\\[\\?"'`abfnrtv]|\\[xX][0-9a-fA-F]{2}|\\u[0-9a-fA-F]{4}|\\U[0-9a-fA-F]{8}|\\[0-3][0-7]{2})/;

/**
 * cel-go (the API server) refuses unknown escapes such as `'\.'` or `'\s'` in string literals;
 * the offline parser is lenient, so check the source text. Raw strings (r'...') take no escapes.
 */
export function checkEscapes(source: string): DialectProblem[] {
  const problems: DialectProblem[] = [];
  let i = 0;
  while (i < source.length) {
    const ch = source[i]!;
    if (ch !== "'" && ch !== '"') {
      i++;
      continue;
    }
    const raw = i > 0 && /[rR]/.test(source[i - 1]!) && (i < 2 || !/[\w]/.test(source[i - 2]!));
    const quote = source.startsWith(ch.repeat(3), i) ? ch.repeat(3) : ch;
    i += quote.length;
    while (i < source.length && !source.startsWith(quote, i)) {
      if (source[i] === "\\") {
        if (!raw && !VALID_ESCAPE.test(source.slice(i))) {
          problems.push({
            message: `invalid escape \`${source.slice(i, i + 2)}\` in a string literal`,
            hint: "the API server accepts only CEL escapes (\\\\, \\', \\n, \\t, \\xHH, ...); write a regex as a raw string r'...' or double the backslash",
          });
        }
        i += 2;
        continue;
      }
      i++;
    }
    i += quote.length;
  }
  return problems;
}
