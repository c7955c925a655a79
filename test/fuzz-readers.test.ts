import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { shippedProfilePath } from "@sovereign/profile";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixtureArgs, ROOT, runCli, snapshot } from "./cli-harness.js";

/**
 * Fuzz test over every reading command: random and mutated profiles, recipes, manifests, keys and
 * archives. Each run must end in exit 0, 1 or 2 (never 70, never a stack trace) and write nothing
 * (these commands have no output). Seeded and bounded by run count, so it is reproducible and its
 * cost is fixed.
 */
const work = mkdtempSync(join(tmpdir(), "sovereign-fuzz-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const SEED = 20261129;

/** A mutation of `base`: bit flips, a cut, an insertion of YAML/JSON punctuation, or random bytes. */
const mutated = (base: Buffer) =>
  fc.oneof(
    fc.array(fc.tuple(fc.nat({ max: base.length - 1 }), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 8 }).map((flips) => {
      const b = Buffer.from(base);
      for (const [at, x] of flips) b[at] = b[at]! ^ x;
      return b;
    }),
    fc.nat({ max: base.length }).map((n) => base.subarray(0, n)),
    fc
      .tuple(fc.nat({ max: base.length }), fc.constantFrom("&a ", "*a", "<<: ", "{", "[", "- ", ": ", "\t", "\0", "\x1b[2K", "!!binary ", "? ", "'", '"', "\n  "), fc.integer({ min: 1, max: 50 }))
      .map(([at, s, times]) => Buffer.concat([base.subarray(0, at), Buffer.from(s.repeat(times)), base.subarray(at)])),
    fc.uint8Array({ maxLength: 2048 }).map((a) => Buffer.from(a)),
  );

function expectSafe(r: { code: number; err: string }, what: string): void {
  expect([0, 1, 2], `${what}: exit ${r.code}\n${r.err.slice(0, 2000)}`).toContain(r.code);
  expect(r.err).not.toMatch(/internal error/);
}

/** Runs `argv` with `input` written to `name`, asserting a safe exit and no other file changed. */
async function probe(name: string, input: Buffer, argv: string[]): Promise<void> {
  const cwd = join(work, "cwd");
  writeFileSync(join(cwd, name), input);
  const before = snapshot(cwd);
  const r = await runCli(argv, cwd);
  expectSafe(r, argv.join(" "));
  expect(snapshot(cwd)).toEqual(before);
}

const th = readFileSync(shippedProfilePath("th"));
const recipe = readFileSync(join(ROOT, "recipes/th.yaml"));
const manifest = Buffer.from(
  "apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: web, namespace: sovereign-serving, labels: &l { app: web } }\nspec:\n  template:\n    metadata: { labels: *l }\n    spec:\n      containers: [ { name: web, image: docker.io/x/web:1 } ]\n---\napiVersion: v1\nkind: List\nitems: [ { apiVersion: v1, kind: ConfigMap, metadata: { name: c } } ]\n",
);
const gbench = readFileSync(join(ROOT, "packages/gate/test/fixtures/gbench-1.7.json"));
const pack = readFileSync(join(ROOT, "policies/th-pdpa.yaml"));
let pub: Buffer;
let archive: Buffer;
let baselines: Buffer;

beforeAll(async () => {
  mkdirSync(join(work, "cwd"));
  mkdirSync(join(work, "empty"));
  expect((await runCli(["bundle", "keygen", "--out", "keys"], work)).code).toBe(0);
  const p = await runCli(["bundle", "pack", "--country", "th", "--key", "keys/bundle.key", "--out", "b.tar", ...fixtureArgs], work);
  expect(p.code, p.err).toBe(0);
  pub = readFileSync(join(work, "keys/bundle.pub"));
  archive = readFileSync(join(work, "b.tar"));
  writeFileSync(join(work, "gbench.json"), gbench);
  const g = await runCli(["gate", "--candidate", "gbench.json", "--record-baseline", "baselines.json", "--gpu", "H100"], work);
  expect(g.code, g.err).toBe(0);
  baselines = readFileSync(join(work, "baselines.json"));
  mkdirSync(join(work, "cwd", "packs"));
}, 120_000);

describe("fuzzed inputs to every reading command end in exit 0, 1 or 2 and write nothing", () => {
  it("GIVEN mutated profiles WHEN validated THEN exit 0/1/2", async () => {
    await fc.assert(
      fc.asyncProperty(mutated(th), (input) => probe("p.yaml", input, ["validate", "--profile", "p.yaml"])),
      { numRuns: 60, seed: SEED },
    );
  });

  it("GIVEN mutated recipes WHEN packed (output refused or written elsewhere) THEN exit 0/1/2", async () => {
    const out = join(work, "fuzz-out");
    await fc.assert(
      fc.asyncProperty(mutated(recipe), async (input) => {
        writeFileSync(join(work, "cwd", "r.yaml"), input);
        const r = await runCli(
          ["bundle", "pack", "--country", "th", "--key", join(work, "keys/bundle.key"), "--recipe", "r.yaml", "--out", out, "--force",
            "--synth-dir", fixtureArgs[1]!, "--charts", join(work, "empty"), "--policies", join(work, "empty")],
          join(work, "cwd"),
        );
        expectSafe(r, "pack --recipe");
      }),
      { numRuns: 25, seed: SEED },
    );
  });

  it("GIVEN mutated manifests WHEN checked THEN exit 0/1/2", async () => {
    await fc.assert(
      fc.asyncProperty(mutated(manifest), (input) =>
        probe("m.yaml", input, ["policy", "check", "--country", "th", "--manifest", "m.yaml", "--manifest-only"]),
      ),
      { numRuns: 40, seed: SEED },
    );
  });

  it("GIVEN mutated public keys WHEN a bundle is verified with them THEN exit 0/1/2", async () => {
    await fc.assert(
      fc.asyncProperty(mutated(pub), (input) =>
        probe("k.pub", input, ["bundle", "verify", join(work, "b.tar"), "--key", "k.pub"]),
      ),
      { numRuns: 40, seed: SEED },
    );
  });

  it("GIVEN mutated benchmark results and baselines WHEN gated THEN exit 0/1/2/3 (3: inconclusive)", async () => {
    const gated = async (r: { code: number; err: string }, what: string) => {
      expect([0, 1, 2, 3], `${what}: exit ${r.code}\n${r.err.slice(0, 2000)}`).toContain(r.code);
      expect(r.err).not.toMatch(/internal error/);
    };
    await fc.assert(
      fc.asyncProperty(mutated(gbench), mutated(baselines), async (result, file) => {
        const cwd = join(work, "cwd");
        writeFileSync(join(cwd, "c.json"), result);
        writeFileSync(join(cwd, "bl.json"), file);
        const before = snapshot(cwd);
        await gated(await runCli(["gate", "--candidate", "c.json", "--baseline", join(work, "gbench.json")], cwd), "gate --candidate");
        await gated(await runCli(["gate", "--candidate", join(work, "gbench.json"), "--baselines", "bl.json", "--gpu", "H100"], cwd), "gate --baselines");
        expect(snapshot(cwd)).toEqual(before);
      }),
      { numRuns: 40, seed: SEED },
    );
  });

  it("GIVEN mutated policy packs WHEN tested from a custom directory THEN exit 0/1/2", async () => {
    await fc.assert(
      fc.asyncProperty(mutated(pack), (input) =>
        probe("packs/odd.yaml", input, ["policy", "test", "--dir", "packs", "--pack", "odd"]),
      ),
      { numRuns: 40, seed: SEED },
    );
  });

  it("GIVEN mutated recipes WHEN planned for training (no --out: nothing is written) THEN exit 0/1/2", async () => {
    await fc.assert(
      fc.asyncProperty(mutated(recipe), (input) =>
        probe("t.yaml", input, ["train", "plan", "--recipe", "t.yaml", "--country", "th"]),
      ),
      // Each plan that parses synthesizes the country for the readiness check: few runs.
      { numRuns: 8, seed: SEED },
    );
  });

  it("GIVEN mutated archives WHEN inspected and verified THEN exit 0/1/2", async () => {
    await fc.assert(
      fc.asyncProperty(mutated(archive), async (input) => {
        await probe("x.tar", input, ["bundle", "inspect", "x.tar"]);
        await probe("x.tar", input, ["bundle", "verify", "x.tar", "--key", join(work, "keys/bundle.pub")]);
      }),
      { numRuns: 40, seed: SEED },
    );
  });
});
