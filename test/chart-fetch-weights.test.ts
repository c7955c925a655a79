import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildWeightsManifest, WEIGHTS_MANIFEST_FILE } from "@sovereign/bundle";
import { main } from "@sovereign/cli";
import { REPO_ROOT } from "@sovereign/tools";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type S3Subset, startS3Subset } from "./s3-subset-server.js";

/**
 * The weights init container's script, run for real (sh, curl, sha256sum) against a local HTTPS
 * server that speaks the S3 HEAD/GET subset path-style, with a certificate from a throw-away CA
 * passed as the in-country CA bundle. No network beyond 127.0.0.1.
 */
const SCRIPT = join(REPO_ROOT, "charts", "inference-core", "files", "fetch-weights.sh");

let work: string;
let store: string;
let s3: S3Subset;
const sha = (b: Buffer | string) => createHash("sha256").update(b).digest("hex");

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "fetch-weights-"));
  store = join(work, "store");
  mkdirSync(join(work, "tls"));
  s3 = await startS3Subset(store, join(work, "tls"));
});
afterAll(async () => {
  await s3.close();
  rmSync(work, { recursive: true, force: true });
});

let cache: string;
let caseNo = 0;
beforeEach(() => {
  cache = join(work, `cache-${caseNo++}`);
  mkdirSync(cache);
  s3.requests.length = 0;
});

/** A small model directory shaped like a published checkpoint. */
function modelDir(name: string): string {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "config.json"), '{"architectures":["Qwen2ForCausalLM"],"num_hidden_layers":2}');
  writeFileSync(join(dir, "tokenizer.json"), '{"model":{"type":"BPE"}}');
  writeFileSync(join(dir, "model-00001-of-00002.safetensors"), Buffer.alloc(300_000, 1));
  writeFileSync(join(dir, "model-00002-of-00002.safetensors"), Buffer.alloc(200_000, 2));
  return dir;
}

/** Copies a directory into the store as s3://models/<prefix>/… */
function publish(dir: string, prefix: string): void {
  for (const f of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!f.isFile()) continue;
    const rel = join(f.parentPath, f.name).slice(dir.length + 1);
    mkdirSync(join(store, "models", prefix, rel, ".."), { recursive: true });
    writeFileSync(join(store, "models", prefix, rel), readFileSync(join(dir, rel)));
  }
}

function run(env: Record<string, string>): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      "sh",
      [SCRIPT],
      {
        env: {
          PATH: process.env.PATH,
          WEIGHTS_ENDPOINT: s3.endpoint,
          WEIGHTS_BUCKET: "models",
          CACHE_DIR: cache,
          CA_BUNDLE: s3.caFile,
          ...env,
        },
      },
      (err, _stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stderr }),
    );
  });
}

async function manifestOf(dir: string): Promise<string> {
  const m = await buildWeightsManifest(dir);
  writeFileSync(join(dir, WEIGHTS_MANIFEST_FILE), m.text);
  return m.sha256;
}

describe("fetch-weights.sh against an S3-compatible store (HEAD/GET subset, path-style, in-country CA)", () => {
  it("GIVEN a published weights directory WHEN the script runs THEN every listed file is fetched path-style and verified", async () => {
    const dir = modelDir("m1");
    const pin = await manifestOf(dir);
    publish(dir, "m1");
    const r = await run({ WEIGHTS_PREFIX: "m1", WEIGHTS_SHA256: pin });
    expect(r.code, r.stderr).toBe(0);
    for (const f of ["config.json", "tokenizer.json", "model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"]) {
      expect(readFileSync(join(cache, pin, "model", f))).toEqual(readFileSync(join(dir, f)));
    }
    // The bucket is the first path segment on the endpoint, not a host name.
    expect(s3.requests.filter((q) => q.method === "GET").map((q) => q.path)).toContain("/models/m1/weights.manifest");
    expect(s3.requests.every((q) => q.path.startsWith("/models/m1/"))).toBe(true);
  });

  it("GIVEN a shard tampered with in the store WHEN the script runs THEN it exits 1 naming the shard and both digests, and the shard is not placed", async () => {
    const dir = modelDir("m2");
    const pin = await manifestOf(dir);
    publish(dir, "m2");
    const shard = join(store, "models", "m2", "model-00002-of-00002.safetensors");
    const tampered = Buffer.alloc(200_000, 2);
    tampered[100] = 9;
    writeFileSync(shard, tampered);
    const r = await run({ WEIGHTS_PREFIX: "m2", WEIGHTS_SHA256: pin });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `sha256 mismatch for ${s3.endpoint}/models/m2/model-00002-of-00002.safetensors: expected ${sha(Buffer.alloc(200_000, 2))}, got ${sha(tampered)}`,
    );
    expect(existsSync(join(cache, pin, "model", "model-00002-of-00002.safetensors"))).toBe(false);
    expect(existsSync(join(cache, pin, "model", "model-00002-of-00002.safetensors.partial"))).toBe(false);
  });

  it("GIVEN a shard of the wrong size WHEN the script runs THEN HEAD refuses it before any byte is downloaded", async () => {
    const dir = modelDir("m3");
    const pin = await manifestOf(dir);
    publish(dir, "m3");
    writeFileSync(join(store, "models", "m3", "model-00001-of-00002.safetensors"), Buffer.alloc(10, 1));
    const r = await run({ WEIGHTS_PREFIX: "m3", WEIGHTS_SHA256: pin });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("manifest says 300000 bytes, the store has 10");
    expect(s3.requests.some((q) => q.method === "GET" && q.path.endsWith("model-00001-of-00002.safetensors"))).toBe(false);
  });

  it("GIVEN a manifest that differs from the profile's pin WHEN the script runs THEN nothing it lists is fetched", async () => {
    const dir = modelDir("m4");
    await manifestOf(dir);
    publish(dir, "m4");
    const r = await run({ WEIGHTS_PREFIX: "m4", WEIGHTS_SHA256: sha("another manifest") });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("sha256 mismatch for");
    expect(s3.requests.filter((q) => q.method === "GET").map((q) => q.path)).toEqual(["/models/m4/weights.manifest"]);
  });

  it("GIVEN an interrupted download WHEN the pod restarts THEN the shard resumes with a Range request and verifies", async () => {
    const dir = modelDir("m5");
    const pin = await manifestOf(dir);
    publish(dir, "m5");
    const partial = join(cache, pin, "model", "model-00001-of-00002.safetensors.partial");
    mkdirSync(join(partial, ".."), { recursive: true });
    writeFileSync(partial, Buffer.alloc(120_000, 1));
    const r = await run({ WEIGHTS_PREFIX: "m5", WEIGHTS_SHA256: pin });
    expect(r.code, r.stderr).toBe(0);
    expect(s3.requests).toContainEqual({ method: "GET", path: "/models/m5/model-00001-of-00002.safetensors", range: "bytes=120000-" });
    expect(readFileSync(join(cache, pin, "model", "model-00001-of-00002.safetensors"))).toEqual(Buffer.alloc(300_000, 1));
  });

  it("GIVEN verified files in the cache WHEN the pod restarts THEN they are re-hashed and not downloaded again, and unlisted files are removed", async () => {
    const dir = modelDir("m6");
    const pin = await manifestOf(dir);
    publish(dir, "m6");
    expect((await run({ WEIGHTS_PREFIX: "m6", WEIGHTS_SHA256: pin })).code).toBe(0);
    writeFileSync(join(cache, pin, "model", "extra.bin"), "planted");
    s3.requests.length = 0;
    const r = await run({ WEIGHTS_PREFIX: "m6", WEIGHTS_SHA256: pin });
    expect(r.code, r.stderr).toBe(0);
    expect(s3.requests.filter((q) => q.method === "GET").map((q) => q.path)).toEqual([]);
    expect(existsSync(join(cache, pin, "model", "extra.bin"))).toBe(false);
  });

  it("GIVEN no CA bundle WHEN the store's certificate is from the in-country CA THEN curl refuses the connection", async () => {
    const dir = modelDir("m7");
    const pin = await manifestOf(dir);
    publish(dir, "m7");
    const r = await run({ WEIGHTS_PREFIX: "m7", WEIGHTS_SHA256: pin, CA_BUNDLE: "" });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/certificate/i);
  });

  it("GIVEN an endpoint with a path or over http WHEN the script starts THEN it refuses with exit 2 before any request", async () => {
    for (const endpoint of [`${s3.endpoint}/models`, "http://127.0.0.1:9"]) {
      const r = await run({ WEIGHTS_ENDPOINT: endpoint, WEIGHTS_PREFIX: "x", WEIGHTS_SHA256: sha("x") });
      expect(r.code, endpoint).toBe(2);
    }
    expect(s3.requests).toEqual([]);
  });

  it("GIVEN the retired single-file format WHEN the script starts THEN it refuses with exit 2 naming the directory form, before any request", async () => {
    const r = await run({ WEIGHTS_FORMAT: "file", WEIGHTS_PREFIX: "x", WEIGHTS_SHA256: sha("x") });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/WEIGHTS_FORMAT must be directory .*got file; publish the directory with its weights\.manifest/);
    expect(s3.requests).toEqual([]);
  });

  it("GIVEN object-store credentials WHEN the script runs THEN the requests are SigV4-signed and the secret is not on any command line", async () => {
    const dir = modelDir("m8");
    const pin = await manifestOf(dir);
    publish(dir, "m8");
    const r = await run({
      WEIGHTS_PREFIX: "m8",
      WEIGHTS_SHA256: pin,
      AWS_ACCESS_KEY_ID: "AKIDEXAMPLE",
      AWS_SECRET_ACCESS_KEY: "secret-example",
    });
    expect(r.code, r.stderr).toBe(0);
    expect(s3.requests.length).toBeGreaterThan(0);
    for (const q of s3.requests) expect(q.authorization, q.path).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/us-east-1\/s3\/aws4_request/);
    expect(readFileSync(SCRIPT, "utf8")).not.toMatch(/--user\b|-u "\$AWS/);
    expect(readFileSync(SCRIPT, "utf8")).toContain("curl --config - --aws-sigv4");
  });
});

describe("weights round trip: manifest → bundle → extract → fetch script", () => {
  const ROOT = join(import.meta.dirname, "..");
  const fixtures = [
    "--synth-dir", join(ROOT, "packages/bundle/test/fixtures/synth"),
    "--charts", join(ROOT, "packages/bundle/test/fixtures/charts"),
    "--policies", join(ROOT, "packages/bundle/test/fixtures/policies"),
  ];
  async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
    let out = "";
    let err = "";
    const code = await main(argv, {
      stdout: (s) => void (out += s),
      stderr: (s) => void (err += s),
      cwd: work,
      env: { SOURCE_DATE_EPOCH: "1700000000", PATH: process.env.PATH },
      isTTY: false,
    });
    return { code, out, err };
  }

  it("GIVEN `sovereign weights manifest --write` and a signed bundle with the directory WHEN extracted and served THEN the fetch script verifies every file; a tampered extracted shard is refused", async () => {
    const dir = modelDir("rt-model");
    const m = await cli(["weights", "manifest", "rt-model", "--write", "--format", "json"]);
    expect(m.code, m.err).toBe(0);
    const pin = JSON.parse(m.out).sha256 as string;
    expect(sha(readFileSync(join(dir, WEIGHTS_MANIFEST_FILE)))).toBe(pin);

    expect((await cli(["bundle", "keygen", "--out", "rt-keys"])).code).toBe(0);
    const pack = await cli(["bundle", "pack", "--country", "th", "--key", "rt-keys/bundle.key", "--out", "rt-bundle", "--weights", "rt-model", ...fixtures]);
    expect(pack.code, pack.err).toBe(0);
    const ex = await cli(["bundle", "extract", "rt-bundle", "--key", "rt-keys/bundle.pub", "--out", "rt-extracted"]);
    expect(ex.code, ex.err).toBe(0);
    const extracted = join(work, "rt-extracted", "weights", "rt-model");
    expect(readdirSync(extracted).sort()).toEqual([
      "config.json", "model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors", "tokenizer.json", WEIGHTS_MANIFEST_FILE,
    ]);

    publish(extracted, "rt");
    const ok = await run({ WEIGHTS_PREFIX: "rt", WEIGHTS_SHA256: pin });
    expect(ok.code, ok.stderr).toBe(0);
    expect(readFileSync(join(cache, pin, "model", "model-00001-of-00002.safetensors"))).toEqual(Buffer.alloc(300_000, 1));

    writeFileSync(join(store, "models", "rt", "model-00001-of-00002.safetensors"), Buffer.alloc(300_000, 7));
    cache = join(work, `cache-${caseNo++}`);
    const bad = await run({ WEIGHTS_PREFIX: "rt", WEIGHTS_SHA256: pin });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("sha256 mismatch for");
  });

  it("GIVEN a weights directory whose shard no longer matches its manifest WHEN packed THEN pack refuses it naming the file", async () => {
    const dir = modelDir("stale-model");
    await manifestOf(dir);
    writeFileSync(join(dir, "model-00002-of-00002.safetensors"), Buffer.alloc(200_000, 5));
    const pack = await cli(["bundle", "pack", "--country", "th", "--key", "rt-keys/bundle.key", "--out", "stale-bundle", "--weights", "stale-model", ...fixtures]);
    expect(pack.code).toBe(2);
    expect(pack.err).toContain("model-00002-of-00002.safetensors: sha256");
    expect(existsSync(join(work, "stale-bundle"))).toBe(false);
  });
});
