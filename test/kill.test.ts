import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { mulberry32 } from "@sovereign/gate";
import { shippedProfilePath } from "@sovereign/profile";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixtureArgs, runCli, sentinelsSettled, snapshot, spawnCli, temps } from "./cli-harness.js";

/**
 * Kill test: pack, synth and extract are stopped by SIGKILL and SIGTERM at every named stage (the
 * SOVEREIGN_TEST_SIGNAL_AT hook makes the process signal itself there, so the point is exact,
 * not a guess with a timer), and at seeded random moments. The previous output must be
 * byte-identical afterwards, at its path, or, past the commit point, be the complete new output;
 * once the cleanup sentinels have finished, at most 4 KiB of temp files are left.
 */
const work = mkdtempSync(join(tmpdir(), "sovereign-kill-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const TEMP_BYTES_LEFT = 4096;

interface Case {
  name: string;
  /** Command line; `{seq}` is replaced by a sequence number so each run's output differs. */
  argv: (seq: number) => string[];
  out: string;
  /** Every named stage: each is hit by SIGKILL. */
  stages: string[];
  /** The stages also hit by SIGTERM (its handler recovers in-process). */
  termStages: string[];
  /** Stages at or past the commit point, where the output may be the complete new one. */
  committed: RegExp;
  /** True when `dir` is a complete output of this command. */
  complete: (cwd: string) => Promise<boolean>;
}

const key = "keys/bundle.key";
const verifies = (out: string) => async (cwd: string) =>
  (await runCli(["bundle", "verify", out, "--key", "keys/bundle.pub"], cwd)).code === 0;
// Synth is deterministic: a complete new output is byte-identical to the previous one, so any
// difference at all is a half-written or lost output.
const synthComplete = async () => false;

const cases: Case[] = [
  {
    name: "bundle pack (directory)",
    argv: (seq) => ["bundle", "pack", "--country", "th", "--key", key, "--weights", "w.bin", "--sequence", String(seq), "--out", "bundle", ...fixtureArgs],
    out: "bundle",
    stages: ["pack:collected", "pack:hashed", "pack:signed", "pack:built", "pack:aside", "pack:swapped"],
    termStages: ["pack:hashed", "pack:built", "pack:aside"],
    committed: /swapped$/,
    complete: verifies("bundle"),
  },
  {
    name: "bundle pack (.tar.zst)",
    argv: (seq) => ["bundle", "pack", "--country", "th", "--key", key, "--weights", "w.bin", "--sequence", String(seq), "--out", "bundle.tar.zst", ...fixtureArgs],
    out: "bundle.tar.zst",
    stages: ["pack:hashed", "pack:built"],
    termStages: ["pack:built"],
    committed: /^$/,
    complete: verifies("bundle.tar.zst"),
  },
  {
    name: "synth",
    argv: () => ["synth", "--profile", "th.yaml", "--out", "cdktf.out"],
    out: "cdktf.out",
    stages: ["synth:built", "synth:aside", "synth:swapped"],
    termStages: ["synth:built", "synth:aside"],
    committed: /swapped$/,
    complete: synthComplete,
  },
  {
    // A directory holding the user's own files (and the input): the kit's files are merged in.
    name: "synth merged into user files",
    argv: () => ["synth", "--profile", "th.yaml", "--out", "mixed", "--force"],
    out: "mixed",
    stages: ["synth:built", "synth:aside", "synth:merged", "synth:committed"],
    termStages: ["synth:aside", "synth:merged"],
    committed: /committed$/,
    complete: synthComplete,
  },
  {
    name: "bundle extract",
    argv: (seq) => ["bundle", "extract", seq % 2 ? "src-a.tar" : "src-b.tar", "--key", "keys/bundle.pub", "--out", "extracted"],
    out: "extracted",
    stages: ["extract:verified", "extract:built", "extract:aside", "extract:swapped"],
    termStages: ["extract:verified", "extract:aside"],
    committed: /swapped$/,
    complete: async (cwd) => snapshot(join(cwd, "extracted")).has("runbooks/install.md"),
  },
];

beforeAll(async () => {
  expect((await runCli(["bundle", "keygen", "--out", "keys"], work)).code).toBe(0);
  writeFileSync(join(work, "w.bin"), Buffer.alloc(3 * 1024 * 1024, 5));
  writeFileSync(join(work, "th.yaml"), readFileSync(shippedProfilePath("th")));
  mkdirSync(join(work, "mixed"));
  writeFileSync(join(work, "mixed", "notes.txt"), "the user's own notes\n");
  for (const [name, seq] of [["src-a.tar", 1], ["src-b.tar", 2]] as const)
    expect((await runCli(["bundle", "pack", "--country", "th", "--key", key, "--sequence", String(seq), "--out", name, ...fixtureArgs], work)).code).toBe(0);
}, 120_000);

let seq = 100;

/** A fresh working directory with the inputs and a previous output of `c`. */
async function prepared(c: Case, name: string): Promise<string> {
  const cwd = join(work, name);
  mkdirSync(cwd);
  for (const f of ["keys", "w.bin", "th.yaml", "src-a.tar", "src-b.tar", "mixed"]) cpSync(join(work, f), join(cwd, f), { recursive: true });
  const first = await runCli(c.argv(seq++), cwd);
  expect(first.code, first.err).toBe(0);
  return cwd;
}

/** After the kill: the previous output or (past `mayDiffer`) the complete new one; temps bounded. */
async function assertRecovered(c: Case, cwd: string, before: string, mayDiffer: boolean): Promise<void> {
  await sentinelsSettled(cwd);
  if (state(cwd, c.out) !== before) {
    expect(mayDiffer, "only past the commit point may the output differ").toBe(true);
    expect(await c.complete(cwd)).toBe(true);
  }
  const left = temps(cwd);
  for (const name of left.names) expect(name).toMatch(/^\.sovereign-tmp-\d+-/);
  expect(left.bytes).toBeLessThanOrEqual(TEMP_BYTES_LEFT);
}

describe.each(cases)("$name interrupted", (c) => {
  const points = [
    ...c.stages.map((stage) => ["SIGKILL", stage] as const),
    ...c.termStages.map((stage) => ["SIGTERM", stage] as const),
  ];
  it.each(points)(`GIVEN a previous output WHEN %s arrives at %s THEN the previous output is at its path byte for byte (or the complete new one past the commit point) and temps are bounded`, async (signal, stage) => {
    const cwd = await prepared(c, `${c.out}-${signal}-${stage.replace(":", "-")}`);
    const before = state(cwd, c.out);
    const r = await spawnCli(c.argv(seq++), cwd, { SOVEREIGN_TEST_SIGNAL_AT: stage, SOVEREIGN_TEST_SIGNAL: signal });
    expect(r.signal, `${r.err}`).toBe(signal);
    await assertRecovered(c, cwd, before, c.committed.test(stage));
  }, 300_000);
});

// Random points: the run is signalled after a seeded fraction of the time an uninterrupted run
// of the same command took here. Wherever it lands, the same invariants hold (the assertions do
// not depend on when it landed; a signal after the end finds the complete new output).
const SEEDS = [7, 1009, 65537];
describe.each(cases.filter((c) => c.name !== "bundle pack (.tar.zst)"))("$name interrupted at random points", (c) => {
  it.each(SEEDS)(`GIVEN a previous output WHEN signalled at the point seed %i picks THEN the previous output or the complete new one is at its path and temps are bounded`, async (s) => {
    const rnd = mulberry32(s);
    const signal = rnd() < 0.5 ? "SIGKILL" : "SIGTERM";
    const cwd = await prepared(c, `${c.out}-random-${s}`);
    const t0 = performance.now();
    const full = await spawnCli(c.argv(seq++), cwd);
    expect(full.code, full.err).toBe(0);
    const span = performance.now() - t0;
    const before = state(cwd, c.out);
    const r = await spawnCli(c.argv(seq++), cwd, {}, [], { signal, afterMs: rnd() * span });
    expect([signal, null]).toContain(r.signal);
    await assertRecovered(c, cwd, before, true);
  }, 300_000);
});

/** The output's content: every entry's digest for a directory, the file's for a file. */
function state(cwd: string, out: string): string {
  const all = snapshot(cwd);
  return JSON.stringify([...all].filter(([k]) => (k === out || k.startsWith(`${out}/`)) && !k.includes(".sovereign-tmp-")));
}
