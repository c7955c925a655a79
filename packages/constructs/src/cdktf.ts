/**
 * The one module through which the kit reaches the cdktf core. cdktf 0.21 is its last release;
 * its successor keeps the same API under another package name, so switching is a change to the
 * import below (or a package alias) and nothing else.
 */
import { DefaultTokenResolver, StringConcat, TerraformStack, Token, Tokenization } from "cdktf";
import type { IConstruct as CdktfScope } from "constructs";
import cdktfEncoding from "cdktf/lib/tokens/private/encoding.js";
import cdktfResolve from "cdktf/lib/tokens/private/resolve.js";
import cdktfStackTrace from "cdktf/lib/tokens/private/stack-trace.js";

export {
  App,
  type AppConfig,
  Fn,
  type ITerraformDependable,
  LocalBackend,
  Manifest,
  PgBackend,
  type PgBackendConfig,
  S3Backend,
  type S3BackendConfig,
  TerraformBackend,
  TerraformElement,
  TerraformOutput,
  TerraformRemoteState,
  TerraformResource,
  TerraformStack,
  Token,
} from "cdktf";
export { Construct, type IConstruct } from "constructs";

/** What a token's creation stack says once {@link skipCreationStacks} is in effect. */
export const CREATION_STACK_NOTICE = "(creation stacks are not recorded: the kit synthesizes with stackTraces: false)";

/**
 * cdktf records a full stack trace (no depth limit, formatted to strings) for every token and
 * complex attribute it creates, only to print it if that token later fails to resolve. A Manifest
 * resource creates several, deep in the construct tree, and on a 50-country synth this was about
 * a third of the CPU time. The kit already synthesizes with `stackTraces: false`; this extends that
 * choice to token creation stacks, which never reach the synthesized JSON (cdktf reads them only
 * in resolution error messages, which then carry {@link CREATION_STACK_NOTICE}). Idempotent; if a
 * cdktf release moves the function, nothing is changed and synth is only slower.
 */
export function skipCreationStacks(): boolean {
  const mod = cdktfStackTrace as unknown as { captureStackTrace?: unknown };
  if (typeof mod?.captureStackTrace !== "function") return false;
  const notice = Object.freeze([CREATION_STACK_NOTICE]) as unknown as string[];
  mod.captureStackTrace = () => notice;
  return true;
}

/** The options cdktf's resolve takes (cdktf/lib/tokens/private/resolve.js). */
interface ResolveOptions {
  prefix?: string[];
  previousContext?: unknown;
  [other: string]: unknown;
}
/** Key, on the replacing function, of cdktf's own resolve (tests compare the two). */
const PLAIN_DATA = Symbol.for("sovereign.cdktfOwnResolve");
type ResolveFn = ((obj: unknown, options: ResolveOptions) => unknown) & { [PLAIN_DATA]?: ResolveFn };

/** Where a value sits below the resolved root: kept as links, turned into cdktf's prefix only when needed. */
interface Path {
  up: Path | undefined;
  key: string;
  depth: number;
}

function prefixOf(path: Path | undefined): string[] {
  const out: string[] = [];
  for (let p = path; p; p = p.up) out.push(p.key);
  return out.reverse();
}

/**
 * The walk of {@link resolvePlainDataDirectly}: copies plain data (plain objects and arrays,
 * booleans, null, strings and numbers that encode no token), and hands everything else, with
 * its key path, to cdktf's own resolve.
 */
function plainWalker(original: ResolveFn) {
  const { TokenString, extractTokenDouble } = cdktfEncoding;
  // A string cdktf's resolve returns as it is: no token marker (string or list), not a map
  // token's placeholder, and nothing its encoded-number scan would look up.
  const plainString = (s: string) =>
    !s.includes("TfToken[") &&
    s !== Token.STRING_MAP_TOKEN_VALUE &&
    s !== Token.ANY_MAP_TOKEN_VALUE &&
    !TokenString.forNumbers(s).test();
  const plainNumber = (n: number) => n !== Token.NUMBER_MAP_TOKEN_VALUE && extractTokenDouble(n, false) === undefined;
  const listToken = (x: unknown) =>
    (typeof x === "string" && x.includes("TfToken[")) || (typeof x === "number" && extractTokenDouble(x, true) !== undefined);

  const walk = (v: unknown, path: Path | undefined, options: ResolveOptions): unknown => {
    const depth = path?.depth ?? 0;
    const delegate = () => original(v, { ...options, prefix: prefixOf(path), previousContext: undefined });
    // cdktf's guard against cycles (more than 200 keys deep) throws its own error.
    if (depth > 200) return delegate();
    switch (typeof v) {
      case "undefined":
        return undefined;
      case "boolean":
        return v;
      case "string":
        return plainString(v) ? v : delegate();
      case "number":
        return plainNumber(v) ? v : delegate();
      case "object": {
        if (v === null) return null;
        if (Array.isArray(v)) {
          if (Object.getPrototypeOf(v) !== Array.prototype || v.some(listToken)) return delegate();
          return v
            .map((x, i) => walk(x, { up: path, key: `${i}`, depth: depth + 1 }, options))
            .filter((x) => x !== undefined);
        }
        const proto = Object.getPrototypeOf(v) as unknown;
        const o = v as Record<string, unknown>;
        // A token (has resolve()), a construct, a class instance or a Date: cdktf decides.
        if ((proto !== Object.prototype && proto !== null) || typeof o.resolve === "function") return delegate();
        if (o._children !== undefined && o._metadata !== undefined) return delegate();
        const keys = Object.keys(o);
        if (!keys.every(plainString)) return delegate();
        const out: Record<string, unknown> = {};
        for (const k of keys) {
          const r = walk(o[k], { up: path, key: k, depth: depth + 1 }, options);
          if (r !== undefined) out[k] = r;
        }
        return out;
      }
      default:
        return delegate();
    }
  };
  return walk;
}

/**
 * cdktf resolves every element of a stack three times during synth (a preparing pass, the
 * element's own fragment, then the whole stack), and its resolve allocates a context, two closures
 * and a copy of the key path for every key and value it visits, tokens or not. The kit's stacks
 * are mostly plain data (each Kubernetes object is one `kubernetes_manifest` attribute): on the
 * 50-country fleet that walk was about a fifth of the CPU. This replaces cdktf's resolve entry
 * point with one that copies plain data itself, exactly as cdktf's resolve would return it
 * (undefined members dropped, keys in order), and hands every token, encoded token and anything
 * else that is not plain data, with its key path, to cdktf's own resolve, so tokens resolve, and
 * errors read, as before. Only the entry point used by `Tokenization.resolve` is replaced (the
 * recursion inside a token's resolution is cdktf's). Idempotent; if a cdktf release moves the
 * function, nothing is changed and synth is only slower.
 */
export function resolvePlainDataDirectly(): boolean {
  const mod = cdktfResolve as unknown as { resolve?: ResolveFn };
  const enc = cdktfEncoding as unknown as Partial<typeof cdktfEncoding>;
  if (typeof mod?.resolve !== "function" || typeof enc?.TokenString?.forNumbers !== "function") return false;
  if (typeof enc.extractTokenDouble !== "function") return false;
  if (mod.resolve[PLAIN_DATA]) return true;
  const original = mod.resolve;
  const walk = plainWalker(original);
  const resolve: ResolveFn = (obj, options) =>
    // A call inside a resolution in progress (a prefix or a context) stays cdktf's.
    options.prefix?.length || options.previousContext !== undefined ? original(obj, options) : walk(obj, undefined, options);
  resolve[PLAIN_DATA] = original;
  mod.resolve = resolve;
  return true;
}

/** The resolver cdktf's own synth uses: tokens inside strings are concatenated. */
const TOKEN_RESOLVER = new DefaultTokenResolver(new StringConcat());

/**
 * `obj` with its tokens resolved as cdktf's synth resolves them in `scope`'s stack, but without
 * synth's preparing pass, the one that adds cross-stack outputs and remote states to the tree:
 * the tree is left as it was. A cross-stack reference therefore resolves to the other stack's
 * address, not to the remote state synth will write.
 */
export function resolveUnprepared(scope: CdktfScope, obj: unknown): unknown {
  return Tokenization.resolve(obj, { scope: TerraformStack.of(scope), preparing: false, resolver: TOKEN_RESOLVER });
}
