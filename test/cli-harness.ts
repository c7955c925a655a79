import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { lstatSync, readdirSync, readFileSync, readlinkSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { main } from "@sovereign/cli";

/** Repository root. */
export const ROOT = join(import.meta.dirname, "..");
/** The bundle fixtures: a small synth output, one chart, two policy packs. */
export const FIXTURES = join(ROOT, "packages/bundle/test/fixtures");
export const fixtureArgs = [
  "--synth-dir",
  join(FIXTURES, "synth"),
  "--charts",
  join(FIXTURES, "charts"),
  "--policies",
  join(FIXTURES, "policies"),
];
export const TEST_ENV = { SOURCE_DATE_EPOCH: "1700000000", PATH: process.env.PATH };

export interface Run {
  code: number;
  out: string;
  err: string;
}

/** Runs the CLI in this process with `cwd` as its working directory. */
export async function runCli(argv: string[], cwd: string, env: NodeJS.ProcessEnv = TEST_ENV): Promise<Run> {
  let out = "";
  let err = "";
  const code = await main(argv, {
    stdout: (s) => {
      out += s;
    },
    stderr: (s) => {
      err += s;
    },
    cwd,
    env,
    isTTY: false,
  });
  return { code, out, err };
}

/**
 * Runs the CLI in a child process (sources through tsx), for what needs a process of its own:
 * signals, strace. Resolves with the exit code or the signal that ended it.
 */
export function spawnCli(
  argv: string[],
  cwd: string,
  env: NodeJS.ProcessEnv = {},
  wrap: string[] = [],
  kill?: { signal: NodeJS.Signals; afterMs: number },
): Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string; err: string }> {
  const node = [
    process.execPath,
    "--conditions=source",
    "--import",
    pathToFileURL(join(ROOT, "node_modules/tsx/dist/loader.mjs")).href,
    join(ROOT, "test/cli-entry.mts"),
    ...argv,
  ];
  const [cmd, ...args] = [...wrap, ...node];
  const child = spawn(cmd!, args, {
    cwd,
    env: { ...process.env, ...TEST_ENV, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout.on("data", (d) => {
    out += d;
  });
  child.stderr.on("data", (d) => {
    err += d;
  });
  // `kill`: signal the child after a delay (kill tests' random points; no outcome depends on it).
  const timer = kill ? setTimeout(() => child.kill(kill.signal), kill.afterMs) : undefined;
  return new Promise((res) =>
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      res({ code, signal, out, err });
    }),
  );
}

/** Every entry under `dir` (links by target, files by sha256), for byte-for-byte comparisons. */
export function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const visit = (rel: string) => {
    for (const name of readdirSync(join(dir, rel)).sort()) {
      const r = rel ? `${rel}/${name}` : name;
      const st = lstatSync(join(dir, r));
      if (st.isSymbolicLink()) out.set(r, `link:${readlinkSync(join(dir, r))}`);
      else if (st.isDirectory()) {
        out.set(`${r}/`, "dir");
        visit(r);
      } else out.set(r, createHash("sha256").update(readFileSync(join(dir, r))).digest("hex"));
    }
  };
  visit("");
  return out;
}

/** The kit's temp entries in `dir` and the bytes they hold. */
export function temps(dir: string): { names: string[]; bytes: number } {
  const names = readdirSync(dir).filter((n) => n.startsWith(".sovereign-tmp-"));
  let bytes = 0;
  const count = (p: string) => {
    const st = lstatSync(p);
    if (st.isDirectory()) for (const n of readdirSync(p)) count(join(p, n));
    else bytes += st.size;
  };
  for (const n of names) count(join(dir, n));
  return { names, bytes };
}

/** True while a cleanup sentinel of the kit works on a path under `dir` (Linux: reads /proc). */
function sentinelAlive(dir: string): boolean {
  for (const pid of readdirSync("/proc")) {
    if (!/^\d+$/.test(pid)) continue;
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
    } catch {
      continue;
    }
    if (argv.includes("sovereign-cleanup") && argv.some((a) => a.startsWith(`${dir}/`))) return true;
  }
  return false;
}

/**
 * Resolves once no cleanup sentinel works under `dir` any more. No time limit of its own: only
 * the test's hang timeout ends a wait that never finishes.
 */
export async function sentinelsSettled(dir: string): Promise<void> {
  while (sentinelAlive(dir)) await new Promise((r) => setTimeout(r, 50));
}
