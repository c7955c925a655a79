import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { ExitCode, KitError } from "@sovereign/diagnostics";

/** Root of this package (holds the Makefile, kernels/, bin/ and the git-ignored build/). */
export function inferenceCoreDir(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), "..");
}

/** Where `make` puts the backends unless told otherwise. */
export function defaultBuildDir(): string {
  return join(inferenceCoreDir(), "build");
}

export type Backend = "cpu" | "cuda";

/** Path of one backend binary in a build directory. */
export function suiteBinary(backend: Backend, buildDir = defaultBuildDir()): string {
  return join(buildDir, `kernel-suite-${backend}`);
}

/** Why the CPU backend cannot be built here, or undefined when it can. */
export function cpuBuildUnavailable(): string | undefined {
  if (!existsSync("/usr/include/benchmark/benchmark.h")) {
    return "Google Benchmark headers are missing (install Debian libbenchmark-dev; scripts/setup.sh does)";
  }
  if (spawnSync("make", ["--version"]).status !== 0) return "make is not installed";
  return undefined;
}

/** Why the CUDA backend cannot be compiled here, or undefined when nvcc is available. */
export function cudaBuildUnavailable(): string | undefined {
  return spawnSync("nvcc", ["--version"]).status === 0 ? undefined : "nvcc is not on PATH";
}

/** Builds one backend with the package's Makefile; returns the binary's path. */
export function buildKernelSuite(backend: Backend, buildDir = defaultBuildDir()): string {
  execFileSync("make", ["-C", inferenceCoreDir(), `BUILD=${buildDir}`, backend], { stdio: "pipe" });
  return suiteBinary(backend, buildDir);
}

/**
 * Builds the CUDA backend's kernels and GPU self-test for the host CPU over a CUDA emulation
 * (`make cuda-host`: g++ only, no nvcc or GPU); returns the binary, which runs `--self-test`.
 */
export function buildCudaHostEmulation(buildDir = defaultBuildDir()): string {
  execFileSync("make", ["-C", inferenceCoreDir(), `BUILD=${buildDir}`, "cuda-host"], { stdio: "pipe" });
  return join(buildDir, "kernel-suite-cuda-host");
}

/** Why the host emulation of the CUDA backend cannot be built here, or undefined when it can. */
export function cudaHostEmulationUnavailable(): string | undefined {
  if (spawnSync("make", ["--version"]).status !== 0) return "make is not installed";
  if (spawnSync("g++", ["--version"]).status !== 0) return "g++ is not installed";
  return undefined;
}

export interface RunOptions {
  /** Cases file written with `casesJson()`. */
  cases: string;
  /** Google Benchmark JSON output file. */
  out: string;
  /** Repetitions per case; the gate needs at least 10 per side. */
  repetitions: number;
  /**
   * Seconds each repetition runs for (Google Benchmark's min time).
   * @default the suite's own default (0.05 s)
   */
  minTime?: number;
  /**
   * OpenMP threads of the CPU backend.
   * @default every hardware thread
   */
  threads?: number;
  /**
   * What the CPU backend times: `wall` (Google Benchmark real time, what a dedicated node sees)
   * or `cpu` (CPU seconds of all threads per iteration, reported as manual time). On a machine
   * shared with other work, wall time mostly measures the neighbours; CPU time does not count
   * the time this process waits for a core.
   * @default "wall"
   */
  clock?: "wall" | "cpu";
  /**
   * Implementation variant (`SOVEREIGN_KERNEL_VARIANT`), e.g. `rmsnorm-naive`.
   * @default the production kernels
   */
  variant?: string;
}

/** Runs a backend binary to completion; throws with its stderr when it fails. */
export function runKernelSuite(binary: string, o: RunOptions): void {
  const args = ["--cases", o.cases, "--repetitions", String(o.repetitions), "--out", o.out];
  if (o.minTime !== undefined) args.push("--min-time", String(o.minTime));
  if (o.threads !== undefined) args.push("--threads", String(o.threads));
  if (o.clock !== undefined) args.push("--clock", o.clock);
  const env = { ...process.env };
  if (o.variant === undefined) delete env.SOVEREIGN_KERNEL_VARIANT;
  else env.SOVEREIGN_KERNEL_VARIANT = o.variant;
  const r = spawnSync(binary, args, { env, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) {
    throw new KitError(`${binary} ${args.join(" ")} exited ${r.status ?? r.signal}: ${r.stderr}`, ExitCode.Findings, {
      code: "kernel_suite.failed",
      file: o.cases,
      hint: "the suite's own message above names the problem (exit 2: bad cases file or flags; exit 1: a kernel or device failed)",
    });
  }
}
