import { ExitCode } from "./exit-codes.js";

/** Path into a YAML/JSON document: keys and sequence indexes, outermost first. */
export type DocPath = readonly (string | number)[];

/**
 * One problem with an input file. Issues are data: the CLI renders them as text or JSON,
 * tests assert on their fields.
 */
export interface Issue {
  /** Stable machine code, e.g. `ref.site` or `schema.unrecognized_keys`. */
  code: string;
  /** Where in the document, e.g. `["spec", "gpuPools", 0, "site"]`. */
  path: DocPath;
  /** What is wrong, naming the offending value. */
  message: string;
  /** How to fix it. */
  hint?: string;
  /** File the issue is in, as the user named it. */
  file?: string;
  /** 1-based line of the offending node, when the source is known. */
  line?: number;
  /** 1-based column of the offending node, when the source is known. */
  column?: number;
}

/** Renders a path the way a user would write it: `spec.gpuPools[0].site`. */
export function formatPath(path: DocPath): string {
  let out = "";
  for (const seg of path) {
    if (typeof seg === "number") out += `[${seg}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(seg)) out += out === "" ? seg : `.${seg}`;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out === "" ? "(document)" : out;
}

/** `file:line:col` prefix of an issue, as far as it is known. */
export function formatLocation(issue: Issue): string {
  const parts = [issue.file ?? "<input>"];
  if (issue.line !== undefined) parts.push(String(issue.line));
  if (issue.column !== undefined) parts.push(String(issue.column));
  return parts.join(":");
}

/** Human rendering: one block per issue, location first so editors can jump to it. */
export function formatIssuesText(issues: readonly Issue[]): string {
  const blocks = issues.map((i) => {
    const head = `${formatLocation(i)}: error ${i.code} at ${formatPath(i.path)}: ${i.message}`;
    return i.hint ? `${head}\n  fix: ${i.hint}` : head;
  });
  const n = issues.length;
  return `${blocks.join("\n")}\n${n} error${n === 1 ? "" : "s"}`;
}

/** Machine rendering: stable JSON, paths both as arrays and as dotted strings. */
export function issuesToJson(issues: readonly Issue[]): object {
  return {
    ok: false,
    errors: issues.map((i) => ({
      code: i.code,
      path: formatPath(i.path),
      pathSegments: i.path,
      file: i.file,
      line: i.line,
      column: i.column,
      message: i.message,
      hint: i.hint,
    })),
  };
}

/** What a failure says beyond its message: a stable code, where, and how to fix it. */
export interface FailureDetails {
  /** Stable machine code, e.g. `tool.missing` or `bundle.extract_changed`. */
  code: string;
  /** How to fix it. */
  hint?: string;
  /** Where in the input, when the failure is about one field. */
  path?: DocPath;
  /** File (or construct path) the failure is about, as the user named it. */
  file?: string;
}

/**
 * Base error of the kit: carries an exit code (an ExitCode constant, never a literal), a stable
 * code, a path and a hint, so one top-level handler can turn any failure into the documented
 * process status and a message that says what to do. Anything thrown that is not a KitError
 * reaching that handler is a bug (ExitCode.Internal).
 */
export class KitError extends Error {
  readonly code: string;
  readonly hint?: string;
  readonly path?: DocPath;
  readonly file?: string;

  constructor(
    message: string,
    readonly exitCode: ExitCode = ExitCode.BadInput,
    details: FailureDetails = { code: "kit.error" },
  ) {
    super(message);
    this.name = "KitError";
    this.code = details.code;
    if (details.hint !== undefined) this.hint = details.hint;
    if (details.path !== undefined) this.path = details.path;
    if (details.file !== undefined) this.file = details.file;
  }

  /** The failure as an issue, for the same text and JSON rendering as input errors. */
  toIssue(): Issue {
    return {
      code: this.code,
      path: this.path ?? [],
      message: this.message,
      ...(this.hint !== undefined ? { hint: this.hint } : {}),
      ...(this.file !== undefined ? { file: this.file } : {}),
    };
  }
}

/** Bad input: one or more located issues. Always exit code 2. */
export class InputError extends KitError {
  constructor(readonly issues: Issue[]) {
    super(issues.length === 1 ? issues[0]!.message : `${issues.length} errors in input`, ExitCode.BadInput, {
      code: issues[0]?.code ?? "input.invalid",
      ...(issues[0]?.hint !== undefined ? { hint: issues[0].hint } : {}),
      path: issues[0]?.path ?? [],
    });
    this.name = "InputError";
  }
}

/** Wrong command line: unknown flag, missing argument. Exit code 2. */
export class UsageError extends KitError {
  constructor(message: string, hint?: string) {
    super(message, ExitCode.BadInput, { code: "usage", ...(hint !== undefined ? { hint } : {}) });
    this.name = "UsageError";
  }
}
