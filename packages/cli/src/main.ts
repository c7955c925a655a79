// The command-line entry: dispatch, help and the one place failures become exit codes. The one-file
// bundle starts here, so it loads nothing a command does not import itself.
import {
  ExitCode,
  formatIssuesText,
  formatPath,
  InputError,
  issuesToJson,
  KitError,
  UsageError,
} from "@sovereign/diagnostics";
import { commands } from "./commands/index.js";
import type { CommandContext } from "./context.js";

function helpText(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    "sovereign: run a partner country's own AI, as code",
    "",
    "usage: sovereign <command> [options]",
    "",
    "commands:",
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    "",
    "common options: --country <cc> | --profile <file>, --format text|json, --help",
    "exit codes: 0 ok, 1 findings or failed verification/gate, 2 bad input or usage, 3 gate inconclusive, 70 internal error (a bug: please report it)",
  ].join("\n");
}

/**
 * Entry points for code that runs the bundle without a command, each loaded only when called (so
 * a command's start pays nothing for them): the synth worker threads (bin/synth-worker.js) and the
 * synth benchmark's fleet (scripts/bench/lib/fleet-child.mjs).
 */
export const entries = {
  synthWorker: async () => ({ runSynthWorker: (await import("@sovereign/stacks")).runSynthWorker }),
  fleet: async () => ({
    synthesizeChecked: (await import("./residency.js")).synthesizeChecked,
    loadProfileFile: (await import("@sovereign/profile")).loadProfileFile,
    defaultSynthWorkers: (await import("@sovereign/stacks")).defaultSynthWorkers,
  }),
};

/** Default context: the real process. */
export function processContext(): CommandContext {
  return {
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
    cwd: process.cwd(),
    env: process.env,
    isTTY: Boolean(process.stderr.isTTY),
  };
}

function wantsJson(argv: string[]): boolean {
  const i = argv.indexOf("--format");
  return argv.includes("--format=json") || (i >= 0 && argv[i + 1] === "json");
}

/**
 * Entry point: dispatches to a command and is the one place that turns failures into exit codes
 * and messages. Errors go to stderr; with `--format json` input errors are also JSON (on stderr).
 */
export async function main(argv: string[], ctx: CommandContext = processContext()): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "--help" || name === "-h" || name === "help") {
    ctx.stdout(`${helpText()}\n`);
    return name ? ExitCode.Ok : ExitCode.BadInput;
  }
  if (name === "--version") {
    ctx.stdout("0.1.0\n");
    return ExitCode.Ok;
  }
  const entry = commands.find((c) => c.name === name);
  try {
    if (!entry) {
      throw new UsageError(
        `unknown command ${JSON.stringify(name)}`,
        `run \`sovereign --help\` for the commands`,
      );
    }
    const cmd = await entry.load();
    if (rest.includes("--help") || rest.includes("-h")) {
      ctx.stdout(`usage: ${cmd.usage}\n\n${cmd.summary}\n`);
      return ExitCode.Ok;
    }
    return await cmd.run(ctx, rest);
  } catch (e) {
    return reportFailure(e, ctx, wantsJson(rest));
  }
}

/** Where a bug is reported: printed with every internal error. */
export const REPORT_BUG_LINE =
  "this is a bug in the kit, not in your input: please report it with the command line and the output above";

/**
 * The one place a failure becomes a message and an exit code: located input errors as issues,
 * kit errors with their code, path and fix, anything else as a bug (ExitCode.Internal).
 */
export function reportFailure(e: unknown, ctx: CommandContext, json: boolean): number {
  if (e instanceof InputError) {
    ctx.stderr(
      json ? `${JSON.stringify(issuesToJson(e.issues), null, 2)}\n` : `${formatIssuesText(e.issues)}\n`,
    );
    return e.exitCode;
  }
  if (e instanceof KitError) {
    const where = e.path && e.path.length > 0 ? ` at ${formatPath(e.path)}` : "";
    if (json) {
      const error = { code: e.code, message: e.message, hint: e.hint, file: e.file, path: e.path && formatPath(e.path) };
      ctx.stderr(`${JSON.stringify({ ok: false, error })}\n`);
    } else {
      const file = e.file ? `${e.file}: ` : "";
      ctx.stderr(`sovereign: ${file}${e.message}${where}${e.hint ? `\n  fix: ${e.hint}` : ""}\n`);
    }
    return e.exitCode;
  }
  // A bug, not bad input: show the stack so it can be reported, and still exit non-zero.
  ctx.stderr(`sovereign: internal error: ${(e as Error)?.stack ?? String(e)}\n${REPORT_BUG_LINE}\n`);
  return ExitCode.Internal;
}
