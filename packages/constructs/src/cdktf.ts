/**
 * The one module through which the kit reaches the cdktf core. cdktf 0.21 is its last release;
 * its successor keeps the same API under another package name, so switching is a change to the
 * import below (or a package alias) and nothing else.
 */
import { DefaultTokenResolver, StringConcat, TerraformStack, Tokenization } from "cdktf";
import type { IConstruct as CdktfScope } from "constructs";
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
