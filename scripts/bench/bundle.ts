// Bundle pack and verify throughput on a weights-dominated bundle. Default 512 MiB of weights
// (keeps the table near a minute on 2 cores); BENCH_BUNDLE_GIB=2 for the full 2 GiB.
// Two weight contents: uniform random bytes (zstd gives up at once and runs at copy speed) and
// bf16 values of a Gaussian, like real safetensors (zstd -3 works hard for ~20%). Baseline: GNU
// tar | zstd -T0 -3 over the same input. Contenders run interleaved for BENCH_BUNDLE_ROUNDS
// rounds (default 3) so load from other processes hits all alike; the median is reported. Each
// run starts after `sync`, and its time is until its output is written (not flushed to disk).
import { execFileSync } from "node:child_process";
import { randomFillSync } from "node:crypto";
import {
  closeSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  generateKeyPair,
  loadRecipeFile,
  loadSigningKey,
  loadVerifyKey,
  packBundle,
  shippedRecipePath,
  verifyBundle,
} from "@sovereign/bundle";
import { loadProfileFile, repoRoot, shippedProfilePath } from "@sovereign/profile";
import type { BenchRow } from "./lib/types.js";

const MiB = 1024 * 1024;

/** 16 MiB of bf16 Gaussian values (std 0.02); repeated, its period exceeds zstd -3's window. */
function bf16Block(): Buffer {
  const n = 8 * MiB;
  const out = Buffer.allocUnsafe(2 * n);
  const f = new Float32Array(1);
  const u = new Uint32Array(f.buffer);
  const uniform = new Uint32Array(n);
  randomFillSync(uniform);
  let next = 0;
  const rand = () => (uniform[next++ % n]! + 1) / 4294967297;
  for (let i = 0; i < n; i += 2) {
    const r = Math.sqrt(-2 * Math.log(rand()));
    const t = 2 * Math.PI * rand();
    for (const [k, z] of [
      [0, r * Math.cos(t)],
      [1, r * Math.sin(t)],
    ] as const) {
      f[0] = z * 0.02;
      out.writeUInt16LE(u[0]! >>> 16, 2 * (i + k));
    }
  }
  return out;
}

function writeWeights(path: string, bytes: number, kind: "random" | "bf16"): void {
  const fd = openSync(path, "w");
  const block = kind === "bf16" ? bf16Block() : Buffer.allocUnsafe(16 * MiB);
  try {
    for (let done = 0; done < bytes; ) {
      const n = Math.min(block.length, bytes - done);
      if (kind === "random") randomFillSync(block, 0, n);
      writeSync(fd, block, 0, n);
      done += n;
    }
  } finally {
    closeSync(fd);
  }
}

async function time(fn: () => Promise<unknown> | unknown): Promise<number> {
  const t = performance.now();
  await fn();
  return (performance.now() - t) / 1000;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function run(): Promise<BenchRow[]> {
  const gib = Number(process.env.BENCH_BUNDLE_GIB ?? "0");
  const weightsBytes = gib > 0 ? Math.round(gib * 1024 * MiB) : 512 * MiB;
  const rounds = Number(process.env.BENCH_BUNDLE_ROUNDS ?? "3");
  const root = repoRoot();
  const work = mkdtempSync(join(tmpdir(), "sovereign-bench-bundle-"));
  const rows: BenchRow[] = [];
  try {
    const profilePath = shippedProfilePath("th");
    const profile = loadProfileFile(profilePath);
    const recipePath = shippedRecipePath("th")!;
    const keys = generateKeyPair();
    writeFileSync(join(work, "k.pem"), keys.privatePem, { mode: 0o600 });
    writeFileSync(join(work, "k.pub"), keys.publicPem);
    const input = join(work, "input");
    mkdirSync(join(input, "weights"), { recursive: true });
    cpSync(join(root, "packages/bundle/test/fixtures/synth"), join(input, "synth"), { recursive: true });
    const weights = join(input, "weights", "model.safetensors");
    const pack = (out: string) =>
      packBundle({
        profile,
        profileText: readFileSync(profilePath, "utf8"),
        synthDir: join(input, "synth"),
        recipe: { recipe: loadRecipeFile(recipePath, profile), text: readFileSync(recipePath, "utf8") },
        policiesDir: join(root, "policies"),
        lockfile: join(root, "package-lock.json"),
        weights: [weights],
        signingKey: loadSigningKey(join(work, "k.pem")),
        out,
        sourceDateEpoch: 1_700_000_000,
      });

    for (const kind of ["random", "bf16"] as const) {
      const label = `bundle ${(weightsBytes / MiB).toFixed(0)} MiB ${kind} weights`;
      writeWeights(weights, weightsBytes, kind);
      execFileSync("cat", [weights], { stdio: ["ignore", "ignore", "ignore"] }); // warm the page cache
      const baselineOut = join(work, "baseline.tar.zst");
      const contenders = {
        tar: [join(work, "b.tar"), () => pack(join(work, "b.tar"))],
        zst: [join(work, "b.tar.zst"), () => pack(join(work, "b.tar.zst"))],
        dir: [join(work, "b-dir"), () => pack(join(work, "b-dir"))],
        base: [
          baselineOut,
          () => execFileSync("sh", ["-c", `tar -cf - -C '${input}' . | zstd -q -T0 -3 -o '${baselineOut}'`]),
        ],
      } as const;
      const times: Record<keyof typeof contenders, number[]> = { tar: [], zst: [], dir: [], base: [] };
      for (let r = 0; r < rounds; r++) {
        for (const k of Object.keys(contenders) as (keyof typeof contenders)[]) {
          const [out, fn] = contenders[k];
          rmSync(out, { recursive: true, force: true });
          // Flush the previous contender's dirty pages so its write-back is not billed to this one.
          execFileSync("sync");
          times[k].push(await time(fn));
        }
      }
      const t = {
        tar: median(times.tar),
        zst: median(times.zst),
        dir: median(times.dir),
        base: median(times.base),
      };
      const mbps = (s: number) => weightsBytes / 1e6 / s;
      rows.push(
        { benchmark: label, metric: "pack .tar", value: mbps(t.tar), unit: "MB/s" },
        {
          benchmark: label,
          metric: "pack .tar.zst (weights as raw zstd blocks)",
          value: mbps(t.zst),
          unit: "MB/s",
        },
        { benchmark: label, metric: "pack directory", value: mbps(t.dir), unit: "MB/s" },
        { benchmark: label, metric: "baseline: GNU tar | zstd -T0 -3", value: mbps(t.base), unit: "MB/s" },
        {
          benchmark: label,
          metric: "speedup pack .tar.zst vs baseline",
          value: t.base / t.zst,
          unit: "x",
          target: ">= 2",
          ok: t.base / t.zst >= 2,
        },
        {
          benchmark: label,
          metric: "speedup pack .tar vs baseline",
          value: t.base / t.tar,
          unit: "x",
          target: ">= 2",
          ok: t.base / t.tar >= 2,
        },
        {
          benchmark: label,
          metric: "speedup pack directory vs baseline",
          value: t.base / t.dir,
          unit: "x",
          target: ">= 2",
          ok: t.base / t.dir >= 2,
        },
        {
          benchmark: label,
          metric: "archive size .tar.zst / baseline",
          value: statSync(join(work, "b.tar.zst")).size / statSync(baselineOut).size,
          unit: "ratio",
        },
      );
      if (kind === "random") {
        const key = loadVerifyKey(join(work, "k.pub"));
        const tarBytes = statSync(join(work, "b.tar")).size;
        const gbps = (s: number) => tarBytes / 1e9 / s;
        const v: Record<string, number[]> = { tar: [], dir: [], zst: [], sha: [] };
        for (let r = 0; r < rounds; r++) {
          v.tar!.push(
            await time(
              async () =>
                (await verifyBundle(join(work, "b.tar"), key)).ok ||
                Promise.reject(new Error("bench bundle failed to verify")),
            ),
          );
          v.dir!.push(
            await time(
              async () =>
                (await verifyBundle(join(work, "b-dir"), key)).ok ||
                Promise.reject(new Error("bench bundle failed to verify")),
            ),
          );
          v.zst!.push(
            await time(
              async () =>
                (await verifyBundle(join(work, "b.tar.zst"), key)).ok ||
                Promise.reject(new Error("bench bundle failed to verify")),
            ),
          );
          v.sha!.push(
            await time(() =>
              execFileSync("sha256sum", [join(work, "b.tar")], { stdio: ["ignore", "ignore", "ignore"] }),
            ),
          );
        }
        rows.push(
          {
            benchmark: label,
            metric: "verify .tar (re-hash all + signature)",
            value: gbps(median(v.tar!)),
            unit: "GB/s",
            target: ">= 1",
            ok: gbps(median(v.tar!)) >= 1,
          },
          {
            benchmark: label,
            metric: "verify directory",
            value: gbps(median(v.dir!)),
            unit: "GB/s",
            target: ">= 1",
            ok: gbps(median(v.dir!)) >= 1,
          },
          {
            benchmark: label,
            metric: "verify .tar.zst (zstd -d | hash)",
            value: gbps(median(v.zst!)),
            unit: "GB/s",
          },
          {
            benchmark: label,
            metric: "reference: sha256sum of the .tar",
            value: gbps(median(v.sha!)),
            unit: "GB/s",
          },
        );
      }
      for (const [out] of Object.values(contenders)) rmSync(out, { recursive: true, force: true });
    }
    return rows;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
