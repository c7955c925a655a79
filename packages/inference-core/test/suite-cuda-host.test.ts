// The CUDA backend's kernels checked on the CPU: suite.cu (the same kernels, launch
// configurations and GPU self-test the GPU build runs) is compiled with g++ over a CUDA
// emulation (kernels/cuda/host_emu.hpp) and its self-test compares every kernel with the CPU
// reference kernels. Needs only g++ and make, so it runs in CI where no GPU (or nvcc) is.
import { execFileSync, spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildCudaHostEmulation, cudaHostEmulationUnavailable, defaultBuildDir, inferenceCoreDir } from "../src/index.js";

const KERNELS = ["gemm", "attention_prefill", "attention_decode", "rmsnorm", "rmsnorm_naive", "rope", "softmax"];

const unavailable = cudaHostEmulationUnavailable();
// CI runs `npm run setup`, which installs g++ and make: there a missing toolchain is a failure.
if (unavailable && process.env.CI) throw new Error(`CUDA host emulation cannot be built in CI: ${unavailable}`);
if (unavailable) console.warn(`SKIPPED CUDA kernel math on the host: ${unavailable}`);

/** Builds a copy of suite.cu with one source edit, next to the real headers; returns the binary. */
function buildMutant(dir: string, from: string, to: string): string {
  const kernels = join(inferenceCoreDir(), "kernels");
  const src = readFileSync(join(kernels, "cuda", "suite.cu"), "utf8");
  if (src.split(from).length !== 2) throw new Error(`mutation anchor not unique: ${from}`);
  mkdirSync(join(dir, "cuda"), { recursive: true });
  symlinkSync(join(kernels, "common"), join(dir, "common"));
  symlinkSync(join(kernels, "cpu"), join(dir, "cpu"));
  copyFileSync(join(kernels, "cuda", "host_emu.hpp"), join(dir, "cuda", "host_emu.hpp"));
  writeFileSync(join(dir, "cuda", "suite.cu"), src.replace(from, to));
  const exe = join(dir, "mutant");
  execFileSync("g++", [
    ...["-O0", "-std=c++20", "-w", "-DSOVEREIGN_HOST_EMULATION"],
    ...["-o", exe, "-x", "c++", join(dir, "cuda", "suite.cu"), "-x", "none", join(kernels, "cpu", "kernels.cpp")],
  ]);
  return exe;
}

describe.skipIf(unavailable !== undefined)("CUDA kernels' math on the host (emulated CUDA, no GPU)", () => {
  let dir: string;
  let binary: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "kernel-suite-cuda-host-"));
    // A build folder kept between runs (git-ignored build/): make recompiles only when a source, header
    // or the Makefile changed since, so a warm `npm test` does not pay for the same compile again.
    // One folder per test file: two files building in the same folder at once would race.
    binary = buildCudaHostEmulation(join(defaultBuildDir(), "tests", "suite-cuda-host"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("GIVEN the CUDA kernels compiled for the host WHEN the GPU self-test runs THEN every kernel matches the CPU reference", () => {
    const r = spawnSync(binary, ["--self-test"], { encoding: "utf8" });
    expect(r.stderr).toBe("");
    for (const k of KERNELS) expect(r.stdout).toMatch(new RegExp(`^${k}\\s+ok \\(max abs error`, "m"));
    expect(r.stdout.trim().endsWith("self-test passed")).toBe(true);
    expect(r.status).toBe(0);
  });

  it("GIVEN the host build WHEN asked to measure THEN it refuses with exit 2 (only the self-test runs there)", () => {
    const r = spawnSync(binary, ["--cases", "x.json"], { encoding: "utf8" });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("only --self-test runs here");
  });

  it("GIVEN a CUDA RMSNorm that drops its weight WHEN the host self-test runs THEN rmsnorm FAILS and the self-test exits 1", () => {
    const exe = buildMutant(
      join(dir, "mutant-rmsnorm-weight"),
      "for (int i = threadIdx.x; i < hidden; i += blockDim.x) yr[i] = xr[i] * inv * w[i];",
      "for (int i = threadIdx.x; i < hidden; i += blockDim.x) yr[i] = xr[i] * inv;",
    );
    const r = spawnSync(exe, ["--self-test"], { encoding: "utf8" });
    expect(r.stdout).toMatch(/^rmsnorm\s+FAILED/m);
    expect(r.stdout).toMatch(/^rmsnorm_naive\s+ok/m);
    expect(r.stdout.trim().endsWith("self-test FAILED")).toBe(true);
    expect(r.status).toBe(1);
  });
});
