import { type CelMap, type CelResult, type CelValue, celEnv, isCelError, parse, plan } from "@bufbuild/cel";
import { checkDialect, checkEscapes, type DialectContext, type DialectProblem } from "./dialect.js";
import { k8sFuncs } from "./k8s-lib.js";
import { stringsExt } from "./strings.js";

/** One environment for every expression: standard CEL + strings ext (Go's edges) + the Kubernetes libraries. */
const ENV = celEnv({ funcs: [...stringsExt, ...k8sFuncs] });

/** A compiled expression: parsed, dialect-checked and planned once, run many times. */
export type Program = (bindings: Record<string, CelValue>) => CelResult;

/** Parsed CEL syntax tree (cel.expr.Expr), the part of a compile that can be stored and reused. */
export type Expr = ReturnType<typeof parse>["expr"];

export type CompileResult =
  | { ok: true; program: Program; expr: Expr }
  | { ok: false; problems: DialectProblem[] };

/** Thrown out of a lazy variable lookup so the failure reaches the expression that read it. */
export class VariableError extends Error {
  constructor(
    readonly variable: string,
    readonly failure: unknown,
  ) {
    super(`variables.${variable}: ${(failure as Error)?.message ?? String(failure)}`);
  }
}

/** Parses, checks the Kubernetes dialect, and plans. Never throws for bad CEL: returns problems. */
export function compile(source: string, ctx: DialectContext): CompileResult {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(source);
  } catch (e) {
    const msg = (e as Error).message.replace(/^<input>:/, "");
    return {
      ok: false,
      problems: [
        {
          message: `CEL syntax error at ${msg}`,
          hint:
            source.includes("?.") || source.includes(".?")
              ? "optional field selection (`.?`) is not supported offline; guard with has() instead"
              : "check parentheses, quotes and operators",
        },
      ],
    };
  }
  const problems = [...checkEscapes(source), ...checkDialect(parsed.expr, ctx)];
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, program: programOf(parsed.expr), expr: parsed.expr };
}

/**
 * Plans a syntax tree that already passed {@link compile} (e.g. one read back from a precompiled
 * pack): no parsing, no dialect check.
 */
export function programOf(expr: Expr): Program {
  const fn = plan(ENV, expr) as (b: Record<string, CelValue>) => CelResult;
  return (bindings) => {
    try {
      return fn(bindings);
    } catch (e) {
      // a lazy variable that failed, or a library function that threw outside CEL's own guard
      return (e instanceof VariableError ? e : new Error(String((e as Error)?.message ?? e))) as never;
    }
  };
}

/** True when `r` is an evaluation failure (CEL error, or a failed variable). */
export function isEvalError(r: unknown): r is Error {
  return isCelError(r) || r instanceof Error;
}

const MAP_SYMBOL = Symbol.for("@bufbuild/cel/map");

/**
 * `variables` as the API server binds it: each variable is computed at most once, on first
 * read, so a variable that fails only matters to expressions that use it.
 */
export class LazyVariables implements Pick<CelMap, "get" | "has" | "size" | "keys"> {
  readonly [MAP_SYMBOL] = {};
  private readonly cache = new Map<string, CelResult>();

  constructor(
    private readonly defs: ReadonlyMap<string, Program>,
    private readonly bindings: () => Record<string, CelValue>,
  ) {}

  get size(): number {
    return this.defs.size;
  }

  keys(): MapIterator<string> {
    return this.defs.keys();
  }

  has(key: unknown): boolean {
    return typeof key === "string" && this.defs.has(key);
  }

  get(key: unknown): CelValue | undefined {
    if (typeof key !== "string") return undefined;
    const prog = this.defs.get(key);
    if (!prog) return undefined;
    let r = this.cache.get(key);
    if (r === undefined) {
      r = prog(this.bindings());
      this.cache.set(key, r);
    }
    if (isEvalError(r)) throw new VariableError(key, r);
    return r;
  }

  *entries(): IterableIterator<[string, CelValue]> {
    for (const k of this.defs.keys()) yield [k, this.get(k)!];
  }

  [Symbol.iterator]() {
    return this.entries();
  }

  forEach(cb: (v: CelValue, k: string, m: unknown) => void): void {
    for (const [k, v] of this.entries()) cb(v, k, this);
  }

  *values(): IterableIterator<CelValue> {
    for (const [, v] of this.entries()) yield v;
  }
}
