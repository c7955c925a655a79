// Helpers for benchmarks that time a real process the way a user runs it: wall time from here,
// CPU time (user + system) and peak RSS from GNU time, and the load average beside every figure,
// because on a shared machine wall time measures the neighbours as much as the kit.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";

/** One timed run of a process. */
export interface ProcessRun {
  wallS: number;
  /** user + system CPU seconds of the process and its children (helm, tar, ...). */
  cpuS: number;
  rssMB: number;
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `cmd args` to completion under `/usr/bin/time` (GNU time, `apt-get install time`; the
 * benchmark refuses to run without it rather than report a figure it cannot back).
 */
export function timedRun(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): ProcessRun {
  if (!existsSync("/usr/bin/time")) throw new Error("GNU time (/usr/bin/time) is needed: apt-get install time");
  const dir = mkdtempSync(join(tmpdir(), "sovereign-bench-time-"));
  const report = join(dir, "time");
  try {
    const started = performance.now();
    const r = spawnSync("/usr/bin/time", ["-o", report, "-f", "%U %S %M", cmd, ...args], {
      encoding: "utf8",
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      maxBuffer: 256 * 1024 * 1024,
    });
    const wallS = (performance.now() - started) / 1000;
    const last = readFileSync(report, "utf8").trim().split("\n").at(-1) ?? "";
    const [user, sys, kb] = last.split(" ").map(Number);
    return {
      wallS,
      cpuS: user! + sys!,
      rssMB: kb! / 1024,
      code: r.status ?? -1,
      stdout: r.stdout,
      stderr: r.stderr,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** The 1-minute load average, printed beside timed rows. */
export function load(): string {
  return `load ${loadavg()[0]!.toFixed(1)}`;
}

/** Median wall, CPU and RSS of `runs` runs; throws when a run exits with another code than `expect`. */
export function medianRuns(
  n: number,
  once: (i: number) => ProcessRun,
  expect = 0,
): { wallS: number; cpuS: number; rssMB: number; loads: string } {
  const runs: ProcessRun[] = [];
  const loads: number[] = [];
  for (let i = 0; i < n; i++) {
    loads.push(loadavg()[0]!);
    const r = once(i);
    if (r.code !== expect) {
      throw new Error(`run exited ${r.code} (expected ${expect}): ${r.stderr.trim().split("\n").slice(-3).join(" | ")}`);
    }
    runs.push(r);
  }
  return {
    wallS: median(runs.map((r) => r.wallS)),
    cpuS: median(runs.map((r) => r.cpuS)),
    rssMB: median(runs.map((r) => r.rssMB)),
    loads: `load ${Math.min(...loads).toFixed(1)}-${Math.max(...loads).toFixed(1)}`,
  };
}

/**
 * Paired runs: round i runs every contender once, in turn, so a change in the machine's load
 * falls on all of them alike; returns each contender's medians like {@link medianRuns}.
 */
export function interleavedRuns(
  n: number,
  contenders: ((i: number) => ProcessRun)[],
  expect = 0,
): { wallS: number; cpuS: number; rssMB: number; loads: string }[] {
  const runs: ProcessRun[][] = contenders.map(() => []);
  const loads: number[] = [];
  for (let i = 0; i < n; i++) {
    contenders.forEach((once, c) => {
      loads.push(loadavg()[0]!);
      const r = once(i);
      if (r.code !== expect) {
        throw new Error(`run exited ${r.code} (expected ${expect}): ${r.stderr.trim().split("\n").slice(-3).join(" | ")}`);
      }
      runs[c]!.push(r);
    });
  }
  const range = `load ${Math.min(...loads).toFixed(1)}-${Math.max(...loads).toFixed(1)}`;
  return runs.map((rs) => ({
    wallS: median(rs.map((r) => r.wallS)),
    cpuS: median(rs.map((r) => r.cpuS)),
    rssMB: median(rs.map((r) => r.rssMB)),
    loads: range,
  }));
}
