import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { shippedProfilePath } from "@sovereign/profile";
import { writeFileAtomic, writeTreeAtomic } from "@sovereign/diagnostics";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixtureArgs, runCli, snapshot } from "./cli-harness.js";

// Issue 9, items 1 and 2: an output never destroys what the user had, and temp paths are
// created exclusively, never through a planted link.
const work = mkdtempSync(join(tmpdir(), "sovereign-output-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A directory with the th profile and two files of the user's, as a user's project folder. */
function project(name: string): string {
  const d = join(work, name);
  mkdirSync(d);
  writeFileSync(join(d, "th.yaml"), readFileSync(shippedProfilePath("th")));
  writeFileSync(join(d, "notes.txt"), "my notes\n");
  mkdirSync(join(d, "data"));
  writeFileSync(join(d, "data", "model.bin"), Buffer.alloc(4096, 7));
  return d;
}

let keys: string;
beforeAll(async () => {
  keys = join(work, "keys");
  expect((await runCli(["bundle", "keygen", "--out", keys], work)).code).toBe(0);
});

describe("--out . and other outputs that hold the user's files", () => {
  it("GIVEN synth --profile th.yaml --out . WHEN run THEN exit 2 names the current directory and every file is still there byte for byte", async () => {
    const d = project("synth-dot");
    const before = snapshot(d);
    const r = await runCli(["synth", "--profile", "th.yaml", "--out", "."], d);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/is the current directory or one of its ancestors/);
    expect(snapshot(d)).toEqual(before);
  });

  it("GIVEN synth --out . --force WHEN run THEN the kit's files are added and every pre-existing file is still there byte for byte", async () => {
    const d = project("synth-dot-force");
    const before = snapshot(d);
    const r = await runCli(["synth", "--profile", "th.yaml", "--out", ".", "--force"], d);
    expect(r.code, r.err).toBe(0);
    const after = snapshot(d);
    for (const [f, sha] of before) expect(after.get(f), f).toBe(sha);
    expect(existsSync(join(d, "manifest.json"))).toBe(true);
    expect(existsSync(join(d, ".sovereign-output"))).toBe(true);
  }, 120_000);

  it("GIVEN a previous synth output holding a terraform state the user created WHEN synthesized again THEN the state file stays and the kit's files are replaced", async () => {
    const d = project("resynth");
    expect((await runCli(["synth", "--profile", "th.yaml", "--out", "out"], d)).code).toBe(0);
    writeFileSync(join(d, "out", "terraform.tfstate"), "{\"serial\": 7}\n");
    writeFileSync(join(d, "out", "stale-kit-file.json"), "x");
    const r = await runCli(["synth", "--profile", "th.yaml", "--out", "out"], d);
    expect(r.code, r.err).toBe(0);
    expect(readFileSync(join(d, "out", "terraform.tfstate"), "utf8")).toBe("{\"serial\": 7}\n");
    expect(existsSync(join(d, "out", "stale-kit-file.json"))).toBe(true);
    expect(existsSync(join(d, "out", "manifest.json"))).toBe(true);
  }, 120_000);

  it("GIVEN a non-empty directory the kit did not write WHEN given as synth --out THEN exit 2 and it is untouched", async () => {
    const d = project("foreign");
    const before = snapshot(d);
    const r = await runCli(["synth", "--profile", "th.yaml", "--out", "data"], d);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/non-empty directory the kit did not write/);
    expect(snapshot(d)).toEqual(before);
  });

  it("GIVEN bundle extract X --out . in the bundle's folder WHEN run THEN exit 2 and the bundle and every other file are byte-identical; with --force the files are added beside them", async () => {
    const d = project("extract-dot");
    expect((await runCli(["bundle", "pack", "--country", "th", "--key", join(keys, "bundle.key"), "--out", "b.tar", ...fixtureArgs], d)).code).toBe(0);
    const before = snapshot(d);
    const r = await runCli(["bundle", "extract", "b.tar", "--key", join(keys, "bundle.pub"), "--out", "."], d);
    expect(r.code).toBe(2);
    expect(snapshot(d)).toEqual(before);
    const forced = await runCli(["bundle", "extract", "b.tar", "--key", join(keys, "bundle.pub"), "--out", ".", "--force"], d);
    expect(forced.code, forced.err).toBe(0);
    const after = snapshot(d);
    for (const [f, sha] of before) expect(after.get(f), f).toBe(sha);
    expect(existsSync(join(d, "runbooks"))).toBe(true);
  });

  it("GIVEN pack --weights model --out model WHEN run, with or without --force THEN exit 2 names the input and the weights are byte-identical", async () => {
    const d = project("weights-out");
    const before = snapshot(d);
    for (const force of [[], ["--force"]]) {
      const r = await runCli(
        ["bundle", "pack", "--country", "th", "--key", join(keys, "bundle.key"), "--weights", "data", "--out", "data", ...force, ...fixtureArgs],
        d,
      );
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/is an input \(--weights data\)/);
      expect(snapshot(d)).toEqual(before);
    }
  });

  it("GIVEN pack --out inside the weights directory WHEN run THEN exit 2 (never write into an input)", async () => {
    const d = project("inside-input");
    const r = await runCli(
      ["bundle", "pack", "--country", "th", "--key", join(keys, "bundle.key"), "--weights", "data", "--out", "data/b.tar", ...fixtureArgs],
      d,
    );
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/inside an input/);
    expect(existsSync(join(d, "data", "b.tar"))).toBe(false);
  });
});

describe("paths are paths, not URLs", () => {
  it("GIVEN --out \"a#2\" WHEN packing THEN the bundle is written to a#2 and a/ is neither created nor touched", async () => {
    const d = project("hash-path");
    mkdirSync(join(d, "a"));
    writeFileSync(join(d, "a", "keep"), "keep");
    const r = await runCli(["bundle", "pack", "--country", "th", "--key", join(keys, "bundle.key"), "--out", "a#2", ...fixtureArgs], d);
    expect(r.code, r.err).toBe(0);
    expect(existsSync(join(d, "a#2", "bundle.json"))).toBe(true);
    expect(snapshot(join(d, "a"))).toEqual(new Map([["keep", expect.any(String)]]));
  });

  it("GIVEN keygen --out \"my keys\" WHEN run THEN the keys are in \"my keys\", not my%20keys", async () => {
    const d = project("space-path");
    expect((await runCli(["bundle", "keygen", "--out", "my keys"], d)).code).toBe(0);
    expect(existsSync(join(d, "my keys", "bundle.key"))).toBe(true);
    expect(existsSync(join(d, "my%20keys"))).toBe(false);
  });
});

describe("temp paths never follow planted links (item 2)", () => {
  it("GIVEN links planted at every temp name the old writers used WHEN a file and a tree are written THEN the link targets are untouched", async () => {
    const d = join(work, "planted");
    mkdirSync(d);
    const victim = join(work, "victim.txt");
    writeFileSync(victim, "precious\n");
    for (const name of [`.f.txt.${process.pid}.tmp`, `.out.${process.pid}.tmp`, `.b.tar.${process.pid}.tmp`])
      symlinkSync(victim, join(d, name));
    writeFileAtomic(join(d, "f.txt"), "new");
    await writeTreeAtomic(join(d, "out"), (t) => writeFileSync(join(t, "x"), "x"));
    expect(readFileSync(victim, "utf8")).toBe("precious\n");
    expect(readFileSync(join(d, "f.txt"), "utf8")).toBe("new");
  });

  it("GIVEN a link planted at the old archive temp name WHEN pack writes b.tar THEN the link target is untouched", async () => {
    const d = project("planted-pack");
    const victim = join(d, "notes.txt");
    symlinkSync(victim, join(d, `.b.tar.${process.pid}.tmp`));
    const r = await runCli(["bundle", "pack", "--country", "th", "--key", join(keys, "bundle.key"), "--out", "b.tar", ...fixtureArgs], d);
    expect(r.code, r.err).toBe(0);
    expect(readFileSync(victim, "utf8")).toBe("my notes\n");
  });
});
