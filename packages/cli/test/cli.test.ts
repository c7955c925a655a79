import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot, shippedProfilePath } from "@sovereign/profile";
import { afterAll, describe, expect, it } from "vitest";
import { type CommandContext, main } from "../src/index.js";

function run(argv: string[], cwd = repoRoot()) {
  const out: string[] = [];
  const err: string[] = [];
  const ctx: CommandContext = {
    stdout: (s) => out.push(s),
    stderr: (s) => err.push(s),
    cwd,
    env: process.env,
    isTTY: false,
  };
  return main(argv, ctx).then((code) => ({ code, stdout: out.join(""), stderr: err.join("") }));
}

const tmp = mkdtempSync(join(tmpdir(), "sovereign-cli-"));
// Every folder a test here makes is below `tmp`, removed once at the end.
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const badProfile = join(tmp, "bad.yaml");
writeFileSync(
  badProfile,
  readFileSync(shippedProfilePath("th"), "utf8").replace("nodes: 4,", "nodes: many,"),
);

/** argv → exit code, and a fragment that must appear on stdout or stderr. */
const table: { argv: string[]; code: number; stream: "stdout" | "stderr"; contains: string }[] = [
  { argv: [], code: 2, stream: "stdout", contains: "usage: sovereign <command>" },
  { argv: ["--help"], code: 0, stream: "stdout", contains: "commands:" },
  { argv: ["--version"], code: 0, stream: "stdout", contains: "0.1.0" },
  { argv: ["frobnicate"], code: 2, stream: "stderr", contains: 'unknown command "frobnicate"' },
  { argv: ["validate", "--help"], code: 0, stream: "stdout", contains: "usage: sovereign validate" },
  { argv: ["validate", "--country", "th"], code: 0, stream: "stdout", contains: "valid CountryProfile th" },
  { argv: ["validate", "--country", "kr"], code: 0, stream: "stdout", contains: "2 site(s)" },
  {
    argv: ["validate", "--country", "sa", "--format", "json"],
    code: 0,
    stream: "stdout",
    contains: '"country": "SA"',
  },
  { argv: ["validate"], code: 2, stream: "stderr", contains: "no profile given" },
  {
    argv: ["validate", "--country", "zz"],
    code: 2,
    stream: "stderr",
    contains: 'no shipped profile for country "zz"',
  },
  {
    argv: ["validate", "--country", "THA"],
    code: 2,
    stream: "stderr",
    contains: "lowercase two-letter code",
  },
  {
    argv: ["validate", "--country", "th", "--profile", badProfile],
    code: 2,
    stream: "stderr",
    contains: "mutually exclusive",
  },
  {
    argv: ["validate", "--country", "th", "--format", "yaml"],
    code: 2,
    stream: "stderr",
    contains: '--format "yaml"',
  },
  { argv: ["validate", "--country", "th", "--bogus"], code: 2, stream: "stderr", contains: "--bogus" },
  {
    argv: ["validate", "--profile", badProfile],
    code: 2,
    stream: "stderr",
    contains: "spec.gpuPools[0].nodes",
  },
  {
    argv: ["validate", "--profile", join(tmp, "missing.yaml")],
    code: 2,
    stream: "stderr",
    contains: "file not found",
  },
  { argv: ["init"], code: 2, stream: "stderr", contains: "exactly one country code" },
  { argv: ["init", "qq"], code: 2, stream: "stderr", contains: "ISO 3166-1" },
  { argv: ["doctor", "--format", "json"], code: 0, stream: "stdout", contains: '"name": "helm"' },
];

describe("sovereign argv table", () => {
  it.each(table)("GIVEN $argv THEN exit $code and $stream contains $contains", async (row) => {
    const r = await run(row.argv);
    expect(r.code, r.stderr).toBe(row.code);
    expect(r[row.stream]).toContain(row.contains);
  });

  it("GIVEN a bad profile and --format json WHEN validated THEN stderr is JSON with path, line and hint", async () => {
    const r = await run(["validate", "--profile", badProfile, "--format", "json"]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    const body = JSON.parse(r.stderr);
    expect(body.ok).toBe(false);
    expect(body.errors[0]).toMatchObject({ code: "schema.type", path: "spec.gpuPools[0].nodes", line: 29 });
    expect(body.errors[0].hint).toBeTruthy();
  });
});

describe("sovereign init", () => {
  it("GIVEN a new country WHEN init runs THEN the written profile validates and marks what to change", async () => {
    const dir = mkdtempSync(join(tmp, "init-"));
    const r = await run(["init", "id", "--out", "id.yaml"], dir);
    expect(r.code, r.stderr).toBe(0);
    const text = readFileSync(join(dir, "id.yaml"), "utf8");
    expect(text).toContain("displayName: Indonesia");
    expect(text.match(/# CHANGE/g)?.length).toBeGreaterThan(5);
    const v = await run(["validate", "--profile", "id.yaml"], dir);
    expect(v.code, v.stderr).toBe(0);
    const again = await run(["init", "id", "--out", "id.yaml"], dir);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain("--force");
  });

  it.each(["ke", "br", "no", "vn"])(
    "GIVEN country %s WHEN init runs THEN the profile validates",
    async (cc) => {
      const dir = mkdtempSync(join(tmp, "init-"));
      expect((await run(["init", cc, "--out", `${cc}.yaml`], dir)).code).toBe(0);
      expect((await run(["validate", "--profile", `${cc}.yaml`], dir)).code).toBe(0);
    },
  );
});

describe("command registry", () => {
  it("GIVEN the lazily loaded commands THEN each help summary matches the command's own", async () => {
    const { commands } = await import("../src/commands/index.js");
    for (const entry of commands) {
      const cmd = await entry.load();
      expect(cmd.name).toBe(entry.name);
      expect(cmd.summary).toBe(entry.summary);
    }
  });
});
