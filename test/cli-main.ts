import { main } from "@sovereign/cli";

/** What an in-process run of the CLI printed, and its exit code. */
export interface MainRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the CLI's `main` in this process (no bin, no child), as a command in `cwd` with `env`,
 * collecting what it prints. Tests of the built bin as users run it use `runCli` instead.
 */
export async function runMain(argv: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<MainRun> {
  let stdout = "";
  let stderr = "";
  const code = await main(argv, {
    stdout: (s) => void (stdout += s),
    stderr: (s) => void (stderr += s),
    cwd,
    env,
    isTTY: false,
  });
  return { code, stdout, stderr };
}
