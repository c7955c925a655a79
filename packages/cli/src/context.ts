import { relative } from "node:path";
import { type ParseArgsConfig, parseArgs } from "node:util";
import { DEFAULT_INPUT_LIMIT, printable, resolveUserPath, UsageError } from "@sovereign/diagnostics";
import { loadProfileInput, type ProfileInput, shippedProfilePath } from "@sovereign/profile";

/** Output format every command accepts. */
export type Format = "text" | "json";

/** What a command may touch: its streams, working directory and environment. Tests pass their own. */
export interface CommandContext {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** True when stderr is a terminal (progress bars only then). */
  isTTY: boolean;
}

/** One `sovereign` subcommand. `run` returns the exit code; it throws KitError for failures. */
export interface Command {
  name: string;
  summary: string;
  usage: string;
  run(ctx: CommandContext, argv: string[]): Promise<number>;
}

type Options = NonNullable<ParseArgsConfig["options"]>;

/** Values of parsed flags: booleans for boolean flags, strings (or string lists) otherwise. */
export type ParsedValues<O extends Options> = {
  [K in keyof O]?: O[K] extends { type: "boolean" }
    ? boolean
    : O[K] extends { multiple: true }
      ? string[]
      : string;
};

/** Options every profile-taking command accepts. */
export const profileOptions = {
  country: { type: "string" },
  profile: { type: "string" },
  format: { type: "string", default: "text" },
  "max-input-size": { type: "string" },
} as const satisfies Options;

/** Option of every command that writes: see {@link checkOutput} for what it permits. */
export const forceOption = { force: { type: "boolean", default: false } } as const satisfies Options;

/** A user-given path resolved against the command's directory, as a path (never as a URL). */
export function pathFrom(ctx: CommandContext, p: string): string {
  return resolveUserPath(ctx.cwd, p);
}

/**
 * `--max-input-size <bytes>` (suffixes K, M, G for KiB, MiB, GiB): the cap on each text input.
 * @default 16 MiB, see DEFAULT_INPUT_LIMIT
 */
export function inputLimitOf(values: { "max-input-size"?: string }): number {
  const v = values["max-input-size"];
  if (v === undefined) return DEFAULT_INPUT_LIMIT;
  const m = /^(\d+)([KMG]?)$/.exec(v);
  if (!m || Number(m[1]) === 0) {
    throw new UsageError(
      `--max-input-size ${JSON.stringify(printable(v))} is not a size`,
      "give bytes, or a number with K, M or G (KiB, MiB, GiB), e.g. --max-input-size 64M",
    );
  }
  return Number(m[1]) * { "": 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 }[m[2] as "" | "K" | "M" | "G"];
}

/**
 * Strict argv parsing: unknown flags and missing values are usage errors (exit 2) that name the
 * flag and point at `--help`.
 */
export function parseCommandArgs<O extends Options>(
  command: string,
  argv: string[],
  options: O,
  allowPositionals = false,
): { values: ParsedValues<O>; positionals: string[] } {
  try {
    const parsed = parseArgs({ args: argv, options, allowPositionals, strict: true });
    return { values: parsed.values as ParsedValues<O>, positionals: parsed.positionals };
  } catch (e) {
    throw new UsageError(
      `${command}: ${(e as Error).message.split("\n")[0]}`,
      `see \`sovereign ${command} --help\``,
    );
  }
}

/** Validates `--format`. */
export function formatOf(value: unknown, allowed: readonly string[] = ["text", "json"]): string {
  const v = typeof value === "string" ? value : "text";
  if (!allowed.includes(v)) {
    throw new UsageError(
      `--format ${JSON.stringify(v)} is not supported`,
      `use one of: ${allowed.join(", ")}`,
    );
  }
  return v;
}

/** The profile path chosen by `--country cc` or `--profile file` (exactly one). */
export function profilePathFrom(values: { country?: string; profile?: string }, ctx: CommandContext): string {
  if (values.country && values.profile) {
    throw new UsageError("--country and --profile are mutually exclusive", "pass one of them");
  }
  if (values.profile) return pathFrom(ctx, values.profile);
  if (values.country) return shippedProfilePath(values.country);
  throw new UsageError("no profile given", "pass --country <cc> (shipped profile) or --profile <file>");
}

/** Loads and validates the profile chosen on the command line, reading it once. */
export function loadProfileFrom(
  values: { country?: string; profile?: string; "max-input-size"?: string },
  ctx: CommandContext,
): ProfileInput & { path: string } {
  const path = profilePathFrom(values, ctx);
  const rel = relative(ctx.cwd, path);
  const displayName = rel === "" || rel.startsWith("..") ? path : rel;
  return { ...loadProfileInput(path, { limit: inputLimitOf(values), displayName }), path };
}
