import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { shippedProfilePath } from "@sovereign/profile";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixtureArgs, runCli, snapshot, spawnCli, temps } from "./cli-harness.js";

/**
 * Kill test: pack, synth and extract are stopped by SIGKILL and SIGTERM at named stages (the
 * SOVEREIGN_TEST_SIGNAL_AT hook makes the process signal itself there, so the point is exact,
 * not a guess with a timer). The previous output must be byte-identical afterwards, or, past the
 * commit point, be the complete new output; SIGTERM leaves no temp file; SIGKILL leaves only the
 * kit's named temp directories, which the next run removes.
 */
const work = mkdtempSync(join(tmpdir(), "sovereign-kill-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface Case {
  name: string;
  /** Command line; `{seq}` is replaced by a sequence number so each run's output differs. */
  argv: (seq: number) => string[];
  out: string;
  stages: string[];
  /** True when `dir` is a complete output of this command. */
  complete: (cwd: string) => Promise<boolean>;
}

const key = "keys/bundle.key";
const verifies = (out: string) => async (cwd: string) =>
  (await runCli(["bundle", "verify", out, "--key", "keys/bundle.pub"], cwd)).code === 0;

const cases: Case[] = [
  {
    name: "bundle pack (directory)",
    argv: (seq) => ["bundle", "pack", "--country", "th", "--key", key, "--weights", "w.bin", "--sequence", String(seq), "--out", "bundle", ...fixtureArgs],
    out: "bundle",
    stages: ["pack:hashed", "pack:built", "pack:swapped"],
    complete: verifies("bundle"),
  },
  {
    name: "bundle pack (.tar.zst)",
    argv: (seq) => ["bundle", "pack", "--country", "th", "--key", key, "--weights", "w.bin", "--sequence", String(seq), "--out", "bundle.tar.zst", ...fixtureArgs],
    out: "bundle.tar.zst",
    stages: ["pack:built"],
    complete: verifies("bundle.tar.zst"),
  },
  {
    name: "synth",
    argv: () => ["synth", "--profile", "th.yaml", "--out", "cdktf.out"],
    out: "cdktf.out",
    stages: ["synth:built"],
    complete: async (cwd) => snapshot(join(cwd, "cdktf.out")).has("manifest.json"),
  },
  {
    name: "bundle extract",
    argv: (seq) => ["bundle", "extract", seq % 2 ? "src-a.tar" : "src-b.tar", "--key", "keys/bundle.pub", "--out", "extracted"],
    out: "extracted",
    stages: ["extract:verified", "extract:swapped"],
    complete: async (cwd) => snapshot(join(cwd, "extracted")).has("runbooks/install.md"),
  },
];

beforeAll(async () => {
  expect((await runCli(["bundle", "keygen", "--out", "keys"], work)).code).toBe(0);
  writeFileSync(join(work, "w.bin"), Buffer.alloc(3 * 1024 * 1024, 5));
  writeFileSync(join(work, "th.yaml"), readFileSync(shippedProfilePath("th")));
  for (const [name, seq] of [["src-a.tar", 1], ["src-b.tar", 2]] as const)
    expect((await runCli(["bundle", "pack", "--country", "th", "--key", key, "--sequence", String(seq), "--out", name, ...fixtureArgs], work)).code).toBe(0);
}, 120_000);

describe.each(cases)("$name interrupted", (c) => {
  let n = 0;
  describe.each(["SIGKILL", "SIGTERM"] as const)("by %s", (signal) => {
    it.each(c.stages)(`GIVEN a previous output WHEN killed at %s THEN the output is the previous one byte for byte (or the complete new one past the commit point) and temps are bounded`, async (stage) => {
      const cwd = join(work, `${c.out}-${signal}-${stage.replace(":", "-")}`);
      mkdirSync(cwd);
      for (const f of ["keys", "w.bin", "th.yaml", "src-a.tar", "src-b.tar"]) cpSync(join(work, f), join(cwd, f), { recursive: true });
      const first = await runCli(c.argv(100 + n++), cwd);
      expect(first.code, first.err).toBe(0);
      const before = state(cwd, c.out);
      const r = await spawnCli(c.argv(100 + n++), cwd, { SOVEREIGN_TEST_SIGNAL_AT: stage, SOVEREIGN_TEST_SIGNAL: signal });
      expect(r.signal, `${r.err}`).toBe(signal);
      if (state(cwd, c.out) !== before) {
        expect(stage, "only past the commit point may the output differ").toMatch(/swapped$/);
        expect(await c.complete(cwd)).toBe(true);
      }
      const left = temps(cwd);
      if (signal === "SIGTERM") expect(left.names).toEqual([]);
      else {
        for (const name of left.names) expect(name).toMatch(/^\.sovereign-tmp-\d+-/);
        const again = await runCli(c.argv(100 + n++), cwd);
        expect(again.code, again.err).toBe(0);
        expect(temps(cwd).names).toEqual([]);
      }
    }, 120_000);
  });
});

/** The output's content: every entry's digest for a directory, the file's for a file. */
function state(cwd: string, out: string): string {
  const all = snapshot(cwd);
  return JSON.stringify([...all].filter(([k]) => k === out || k.startsWith(`${out}/`)));
}
