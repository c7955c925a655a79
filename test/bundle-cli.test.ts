import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "@sovereign/cli";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "..");
const SYNTH = join(ROOT, "packages/bundle/test/fixtures/synth");
const CHARTS = join(ROOT, "packages/bundle/test/fixtures/charts");
const POLICIES = join(ROOT, "packages/bundle/test/fixtures/policies");
const work = mkdtempSync(join(tmpdir(), "sovereign-bundle-cli-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function run(
  argv: string[],
  opts: { isTTY?: boolean } = {},
): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await main(argv, {
    stdout: (s) => {
      out += s;
    },
    stderr: (s) => {
      err += s;
    },
    cwd: work,
    env: { SOURCE_DATE_EPOCH: "1700000000", PATH: process.env.PATH },
    isTTY: opts.isTTY ?? false,
  });
  return { code, out, err };
}

const fixtureArgs = ["--synth-dir", SYNTH, "--charts", CHARTS, "--policies", POLICIES];

/** `sovereign bundle pack` of th from the fixtures, signed with the test key, into `out`. */
const packTh = (out: string, ...extra: string[]) =>
  run(["bundle", "pack", "--country", "th", "--key", "keys/bundle.key", "--out", out, ...extra, ...fixtureArgs]);

describe("sovereign bundle (CLI)", () => {
  beforeAll(async () => {
    expect((await run(["bundle", "keygen", "--out", "keys"])).code).toBe(0);
  });

  it("GIVEN keygen WHEN run THEN a 0600 PKCS#8 private key and a PKIX public key are written, and a second run refuses to overwrite", async () => {
    expect(statSync(join(work, "keys/bundle.key")).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(work, "keys/bundle.key"), "utf8")).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(readFileSync(join(work, "keys/bundle.pub"), "utf8")).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    const again = await run(["bundle", "keygen", "--out", "keys"]);
    expect(again.code).toBe(2);
    expect(again.err).toContain("already exists");
  });

  it("GIVEN pack → verify → inspect WHEN run on the th profile THEN each exits 0 and verify re-hashes every file", async () => {
    const p = await packTh("th-bundle");
    expect(p.err).toBe("");
    expect(p.code).toBe(0);
    expect(p.out).toContain("packed th-bundle (dir)");
    const v = await run(["bundle", "verify", "th-bundle", "--key", "keys/bundle.pub"]);
    expect(v.code).toBe(0);
    expect(v.out).toMatch(/^OK th-bundle: country th, sequence 1700000000, created 2023-11-14T22:13:20Z, kit 0\.1\.0\n {2}\d+ files/);
    const i = await run(["bundle", "inspect", "th-bundle", "--format", "json"]);
    expect(i.code).toBe(0);
    const j = JSON.parse(i.out);
    expect(j.config.country).toBe("th");
    expect(j.layers.some((l: { title: string }) => l.title === "sbom/bom.cdx.json")).toBe(true);
  });

  it("GIVEN a tampered blob WHEN verified THEN exit 1 and stderr names the blob", async () => {
    await packTh("tampered");
    const blobs = readdirSync(join(work, "tampered/blobs/sha256"));
    const victim = join(work, "tampered/blobs/sha256", blobs[0]!);
    writeFileSync(victim, Buffer.concat([readFileSync(victim), Buffer.from("x")]));
    const v = await run(["bundle", "verify", "tampered", "--key", "keys/bundle.pub"]);
    expect(v.code).toBe(1);
    expect(v.err).toContain(`FAIL blobs/sha256/${blobs[0]}:`);
    const j = await run(["bundle", "verify", "tampered", "--key", "keys/bundle.pub", "--format", "json"]);
    expect(j.code).toBe(1);
    expect(JSON.parse(j.out).problems[0].file).toBe(`blobs/sha256/${blobs[0]}`);
  });

  it("GIVEN the shipped th profile and the real stacks WHEN packed twice without --synth-dir THEN the bundles are identical, verify and extract", async () => {
    const args = ["bundle", "pack", "--country", "th", "--key", "keys/bundle.key"];
    expect((await run([...args, "--out", "real-1.tar"])).code).toBe(0);
    expect((await run([...args, "--out", "real-2.tar"])).code).toBe(0);
    expect(readFileSync(join(work, "real-1.tar")).equals(readFileSync(join(work, "real-2.tar")))).toBe(true);
    expect((await run(["bundle", "verify", "real-1.tar", "--key", "keys/bundle.pub"])).code).toBe(0);
    const x = await run(["bundle", "extract", "real-1.tar", "--key", "keys/bundle.pub", "--out", "real-x"]);
    expect(x.code).toBe(0);
    for (const s of ["platform", "gpu", "storage", "serving", "crds", "training"]) {
      expect(existsSync(join(work, `real-x/synth/stacks/th-${s}/cdk.tf.json`))).toBe(true);
    }
    expect(existsSync(join(work, "real-x/charts/inference-core/Chart.yaml"))).toBe(true);
    // The training hand-over: the guide and the job templates of the approved recipe.
    expect(readFileSync(join(work, "real-x/training/README.md"), "utf8")).toContain("# Training");
    const jobs = readFileSync(join(work, "real-x/training/jobs/training.yaml"), "utf8");
    expect(jobs).toContain("kind: JobSet");
    expect(jobs).toContain("sovereign.ai/recipe-sha256: c5c927e6630958a10014df10370a9f831d3dff60aadf039cd2457939ef7b7d68");
    expect(readFileSync(join(work, "real-x/training/jobs/evaluation.yaml"), "utf8").match(/^kind: Job$/gm)).toHaveLength(2);
  });

  it("GIVEN a tampered bundle WHEN extracted through the CLI THEN exit 1 and nothing is written", async () => {
    await packTh("tx");
    writeFileSync(join(work, "tx/index.json"), "{}\n");
    const r = await run(["bundle", "extract", "tx", "--key", "keys/bundle.pub", "--out", "tx-out"]);
    expect(r.code).toBe(1);
    expect(r.err).toContain("FAIL index.json");
    expect(existsSync(join(work, "tx-out"))).toBe(false);
  });

  it.each([
    [["bundle"], /needs a subcommand/],
    [["bundle", "extract", "th-bundle", "--out", "x"], /needs the public key/],
    [["bundle", "extract", "th-bundle", "--key", "keys/bundle.pub"], /needs --out/],
    [["bundle", "frobnicate"], /unknown bundle subcommand/],
    [["bundle", "keygen"], /needs --out/],
    [["bundle", "pack", "--country", "th"], /needs a signing key/],
    [["bundle", "pack", "--country", "zz", "--key", "keys/bundle.key"], /no shipped profile/],
    [["bundle", "pack", "--country", "th", "--key", "keys/bundle.pub"], /not an unencrypted PEM private key/],
    [["bundle", "verify", "th-bundle"], /needs the public key/],
    [["bundle", "verify", "--key", "keys/bundle.pub"], /exactly one bundle/],
    [["bundle", "verify", "nope", "--key", "keys/bundle.pub"], /bundle not found/],
    [["bundle", "verify", "th-bundle", "--key", "keys/missing.pub"], /cannot read public key/],
    [["bundle", "inspect", "th-bundle", "--format", "xml"], /--format "xml" is not supported/],
  ])("GIVEN bad usage %j WHEN run THEN exit 2 with a fix", async (argv, msg) => {
    const r = await run(argv);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(msg);
    expect(r.err).toContain("fix:");
  });

  it("GIVEN an Ed25519 key WHEN used to verify THEN it is refused as not P-256 (exit 2)", async () => {
    const { generateKeyPairSync } = await import("node:crypto");
    const { publicKey } = generateKeyPairSync("ed25519");
    writeFileSync(join(work, "ed.pub"), publicKey.export({ type: "spki", format: "pem" }));
    const r = await run(["bundle", "verify", "th-bundle", "--key", "ed.pub"]);
    expect(r.code).toBe(2);
    expect(r.err).toContain("ECDSA P-256 only");
  });

  it("GIVEN a recipe without a legal basis WHEN `bundle pack --recipe` runs THEN exit 2 with file:line and nothing is written", async () => {
    const text = readFileSync(join(ROOT, "recipes/th.yaml"), "utf8");
    const bad = text.replace(/ {8}legalBasis:\n {10}type: consent\n {10}reference: .*\n/, "");
    writeFileSync(join(work, "bad.yaml"), bad);
    const line = bad.slice(0, bad.indexOf("- id: th-en-parallel")).split("\n").length;
    const r = await run([
      "bundle",
      "pack",
      "--country",
      "th",
      "--recipe",
      "bad.yaml",
      "--key",
      "keys/bundle.key",
      "--out",
      "never",
      ...fixtureArgs,
    ]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(
      new RegExp(`bad.yaml:${line}:\\d+: error recipe.legal_basis_missing at spec.data.mixture\\[3\\]`),
    );
    expect(existsSync(join(work, "never"))).toBe(false);
  });

  it("GIVEN a large weights file WHEN packed on a TTY THEN a progress bar goes to stderr; not on a pipe", async () => {
    const w = join(work, "big.bin");
    writeFileSync(w, "");
    truncateSync(w, 80 * 1024 * 1024);
    const tty = await run(
      [
        "bundle",
        "pack",
        "--country",
        "th",
        "--key",
        "keys/bundle.key",
        "--out",
        "p1.tar",
        "--weights",
        "big.bin",
        ...fixtureArgs,
      ],
      { isTTY: true },
    );
    expect(tty.code).toBe(0);
    expect(tty.err).toMatch(/weights\/big\.bin.*\[#+\.*\] +\d+%/);
    const pipe = await packTh("p2.tar", "--weights", "big.bin");
    expect(pipe.code).toBe(0);
    expect(pipe.err).toBe("");
    rmSync(w);
  });
});
