import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { shippedProfilePath } from "@sovereign/profile";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixtureArgs, ROOT, runCli, spawnCli } from "./cli-harness.js";

// Issue 9, items 4 and 5: every input is a bounded regular file, any bad input is exit 2 (never
// 70), and each input is read once.
const work = mkdtempSync(join(tmpdir(), "sovereign-bounded-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const th = readFileSync(shippedProfilePath("th"), "utf8");

beforeAll(async () => {
  expect((await runCli(["bundle", "keygen", "--out", "keys"], work)).code).toBe(0);
});

describe("special files and sizes", () => {
  it("GIVEN --key /dev/zero WHEN packing THEN exit 2 says it is a device, without reading it", async () => {
    const r = await runCli(["bundle", "pack", "--country", "th", "--key", "/dev/zero", ...fixtureArgs], work);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/\/dev\/zero is a device; only regular files are read/);
  });

  it("GIVEN a FIFO as the profile WHEN validated THEN exit 2 at once (no hang waiting for a writer)", async () => {
    const fifo = join(work, "profile.fifo");
    execFileSync("mkfifo", [fifo]);
    const r = await runCli(["validate", "--profile", fifo], work);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/is a FIFO; only regular files are read/);
  });

  it("GIVEN /dev/urandom as the profile WHEN validated THEN exit 2", async () => {
    const r = await runCli(["validate", "--profile", "/dev/urandom"], work);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/is a device/);
  });

  it("GIVEN a profile over --max-input-size WHEN validated THEN exit 2 names the limit and how to raise it; raised, it validates", async () => {
    const p = join(work, "big.yaml");
    writeFileSync(p, `${th}\n# ${"x".repeat(2000)}\n`);
    const r = await runCli(["validate", "--profile", p, "--max-input-size", "1K"], work);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/over the 1024-byte limit/);
    expect(r.err).toMatch(/--max-input-size/);
    expect((await runCli(["validate", "--profile", p, "--max-input-size", "1M"], work)).code).toBe(0);
  });
});

// Every other reader a command reaches: gate's result and baselines files, policy packs given with
// `policy test --dir`, and training recipes. Each refuses a FIFO or device at once and a file over
// --max-input-size, naming the file (and the flag that raises the cap).
const gbench = join(ROOT, "packages/gate/test/fixtures/gbench-1.7.json");
const readers: { name: string; argv: (file: string) => string[]; place: (file: string) => string }[] = [
  { name: "gate --candidate", argv: (f) => ["gate", "--candidate", f, "--baseline", gbench], place: (f) => f },
  { name: "gate --baseline", argv: (f) => ["gate", "--candidate", gbench, "--baseline", f], place: (f) => f },
  { name: "gate --baselines", argv: (f) => ["gate", "--candidate", gbench, "--baselines", f, "--gpu", "H100"], place: (f) => f },
  {
    name: "policy test --dir (a pack)",
    argv: (f) => ["policy", "test", "--dir", f.replace(/\/[^/]+$/, ""), "--pack", "odd"],
    place: (f) => join(f, "..", "odd.yaml"),
  },
  { name: "train plan --recipe", argv: (f) => ["train", "plan", "--recipe", f, "--country", "th"], place: (f) => f },
];

/** The last two segments of a path: how it appears whether shown absolute or relative. */
const shownTail = (p: string) => p.split("/").slice(-2).join("/");

describe("gate, policy packs and training recipes are bounded regular inputs too", () => {
  it.each(readers)("GIVEN a FIFO for $name WHEN run THEN exit 2 at once naming it", async (r) => {
    const dir = mkdtempSync(join(work, "fifo-"));
    const file = r.place(join(dir, "input.json"));
    execFileSync("mkfifo", [file]);
    const run = await runCli(r.argv(file), work);
    expect(run.code, run.err).toBe(2);
    expect(run.err).toContain(shownTail(file));
    expect(run.err).toMatch(/is a FIFO; only regular files are read/);
  });

  it.each(readers.filter((r) => !r.name.startsWith("policy")))("GIVEN /dev/zero for $name WHEN run THEN exit 2: a device", async (r) => {
    const run = await runCli(r.argv("/dev/zero"), work);
    expect(run.code, run.err).toBe(2);
    expect(run.err).toMatch(/\/dev\/zero is a device/);
  });

  it.each(readers)("GIVEN a file over --max-input-size for $name WHEN run THEN exit 2 names the file and the flag that raises the cap", async (r) => {
    const dir = mkdtempSync(join(work, "big-"));
    const file = r.place(join(dir, "input.json"));
    // Larger than the cap; the other inputs of the command line are below it.
    writeFileSync(file, `${" ".repeat(64 * 1024)}{}\n`);
    const run = await runCli([...r.argv(file), "--max-input-size", "32K"], work);
    expect(run.code, run.err).toBe(2);
    expect(run.err).toContain(shownTail(file));
    expect(run.err).toMatch(/over the 32768-byte limit/);
    expect(run.err).toMatch(/--max-input-size/);
  });

  it("GIVEN --record-baseline naming a --candidate file WHEN run THEN exit 2 and the result file is byte-identical", async () => {
    const cand = join(work, "cand.json");
    writeFileSync(cand, readFileSync(gbench));
    const before = readFileSync(cand);
    const run = await runCli(["gate", "--candidate", cand, "--record-baseline", cand, "--gpu", "H100"], work);
    expect(run.code, run.err).toBe(2);
    expect(run.err).toMatch(/--record-baseline .* is an input/);
    expect(readFileSync(cand).equals(before)).toBe(true);
  });
});

describe("a --synth-dir is read as bounded regular files", () => {
  it("GIVEN a synth output whose stack file was replaced by a FIFO WHEN policy check reads it THEN exit 2 at once naming the file", async () => {
    const out = join(mkdtempSync(join(work, "synthdir-")), "out");
    expect((await runCli(["synth", "--country", "th", "--out", out], work)).code).toBe(0);
    const stack = join(out, "stacks", "th-serving", "cdk.tf.json");
    rmSync(stack);
    execFileSync("mkfifo", [stack]);
    const run = await runCli(["policy", "check", "--country", "th", "--synth-dir", out], work);
    expect(run.code, run.err).toBe(2);
    expect(run.err).toContain("th-serving/cdk.tf.json");
    expect(run.err).toMatch(/synthesized file .* is a FIFO; only regular files are read/);
  });
});

describe("YAML that exhausts a parser", () => {
  it("GIVEN billion laughs WHEN validated THEN exit 2 yaml.aliases at the first alias, no stack trace", async () => {
    const p = join(work, "laughs.yaml");
    const lines = ["a: &a [x, x, x, x, x, x, x, x, x]"];
    for (const [n, prev] of [["b", "a"], ["c", "b"], ["d", "c"], ["e", "d"], ["f", "e"]])
      lines.push(`${n}: &${n} [${Array(9).fill(`*${prev}`).join(", ")}]`);
    writeFileSync(p, `${lines.join("\n")}\n`);
    const r = await runCli(["validate", "--profile", p], work);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/laughs\.yaml:2:\d+: error yaml\.aliases/);
    expect(r.err).not.toMatch(/internal error|at .*\.ts:/);
  });

  it("GIVEN 3000-deep nesting WHEN validated THEN exit 2 yaml.too_deep with a location", async () => {
    const p = join(work, "deep.yaml");
    writeFileSync(p, `${"[".repeat(3000)}${"]".repeat(3000)}\n`);
    const r = await runCli(["validate", "--profile", p], work);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/deep\.yaml:1:\d+: error yaml\.too_deep/);
  });

  it("GIVEN 200-deep block nesting (parses fine) WHEN validated THEN exit 2 yaml.too_deep at the first line past the limit", async () => {
    const p = join(work, "deep-block.yaml");
    writeFileSync(p, Array.from({ length: 200 }, (_, i) => `${" ".repeat(i)}k:`).join("\n") + " 1\n");
    const r = await runCli(["validate", "--profile", p], work);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/deep-block\.yaml:\d+:\d+: error yaml\.too_deep/);
  });

  it("GIVEN a profile with 40,000 keys and one duplicate at the end WHEN validated THEN exit 2 names the duplicate's line", async () => {
    const p = join(work, "wide.yaml");
    const keys = Array.from({ length: 40_000 }, (_, i) => `k${i}: ${i}`);
    writeFileSync(p, `${keys.join("\n")}\nk7: again\n`);
    const r = await runCli(["validate", "--profile", p], work);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/wide\.yaml:40001:1: error yaml\.duplicate_key/);
  });
});

describe("archives bounded by what their signed manifest declares", () => {
  it("GIVEN a .tar.zst with 256 MiB of zeros appended as one more zstd frame WHEN verified THEN it fails naming the appended data", async () => {
    expect((await runCli(["bundle", "pack", "--country", "th", "--key", "keys/bundle.key", "--out", "b.tar.zst", ...fixtureArgs], work)).code).toBe(0);
    const zeros = join(work, "zeros");
    writeFileSync(zeros, "");
    execFileSync("truncate", ["-s", "256M", zeros]);
    const frame = execFileSync("zstd", ["-q", "-19", "-c", zeros], { maxBuffer: 64 * 1024 * 1024 });
    expect(frame.length).toBeLessThan(64 * 1024);
    writeFileSync(join(work, "bomb.tar.zst"), Buffer.concat([readFileSync(join(work, "b.tar.zst")), frame]));
    const r = await runCli(["bundle", "verify", "bomb.tar.zst", "--key", "keys/bundle.pub"], work);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/FAIL \(end of archive\): \d+ byte\(s\) past the end of the archive's last record|expands past/);
  });

  it("GIVEN a .tar.zst with a skippable frame WHEN verified THEN it fails naming the frame", async () => {
    const skippable = Buffer.concat([Buffer.from([0x50, 0x2a, 0x4d, 0x18]), Buffer.from([4, 0, 0, 0]), Buffer.from("evil")]);
    writeFileSync(join(work, "skip.tar.zst"), Buffer.concat([skippable, readFileSync(join(work, "b.tar.zst"))]));
    const r = await runCli(["bundle", "verify", "skip.tar.zst", "--key", "keys/bundle.pub"], work);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/skippable zstd frame \(hidden data\) at byte 0/);
  });
});

describe("each input is read once", () => {
  it("GIVEN bundle pack under strace WHEN it runs THEN the profile, recipe and key are each opened exactly once", async () => {
    const p = join(work, "th.yaml");
    writeFileSync(p, th);
    const trace = join(work, "trace");
    const r = await spawnCli(
      ["bundle", "pack", "--profile", p, "--key", "keys/bundle.key", "--recipe", join(ROOT, "recipes/th.yaml"), "--out", "once.tar", ...fixtureArgs],
      work,
      {},
      ["strace", "-f", "-qq", "-e", "trace=open,openat", "-o", trace],
    );
    expect(r.code, r.err).toBe(0);
    const opens = readFileSync(trace, "utf8").split("\n").filter((l) => !/ENOENT|O_DIRECTORY/.test(l));
    const count = (path: string) => opens.filter((l) => l.includes(`"${path}"`)).length;
    expect(count(p)).toBe(1);
    expect(count(join(work, "keys/bundle.key"))).toBe(1);
    expect(count(join(ROOT, "recipes/th.yaml"))).toBe(1);
  }, 120_000);

  // A profile that makes validate warn twice (an uncited framework, a capacity shortfall): those
  // warnings are placed at their lines from the document already parsed, not from a second read.
  const warned = th
    .replace("frameworks: [TH-PDPA]", "frameworks: [TH-PDPA, TH-EXTRA]")
    .replace("        tensorParallel: 2\n", "        tensorParallel: 2\n        engine: { minConcurrency: 100000 }\n");
  it.each([
    ["validate", (p: string) => ["validate", "--profile", p]],
    ["plan", (p: string) => ["plan", "--profile", p]],
    ["synth", (p: string) => ["synth", "--profile", p, "--out", "once-synth"]],
    ["policy report", (p: string) => ["policy", "report", "--profile", p, "--out", "once-report"]],
  ] as const)("GIVEN %s under strace with a profile it warns about WHEN it runs THEN the profile is opened exactly once", async (name, argv) => {
    expect(warned).toContain("TH-EXTRA");
    expect(warned).toContain("minConcurrency: 100000");
    const p = join(work, `warned-${name.replace(" ", "-")}.yaml`);
    writeFileSync(p, warned);
    const trace = join(work, `trace-${name.replace(" ", "-")}`);
    const r = await spawnCli([...argv(p)], work, {}, ["strace", "-f", "-qq", "-e", "trace=open,openat", "-o", trace]);
    expect(r.code, r.err).toBe(0);
    // validate and policy report warn about the framework; validate, plan and synth about capacity.
    if (name === "validate" || name === "policy report") expect(r.err).toMatch(/warning framework\.uncited/);
    if (name !== "policy report") expect(r.err).toMatch(/warning capacity\.low_concurrency/);
    const opens = readFileSync(trace, "utf8").split("\n").filter((l) => !/ENOENT|O_DIRECTORY/.test(l));
    // By its name, so an open through a relative path counts too.
    expect(opens.filter((l) => l.includes(`/${basename(p)}"`) || l.includes(`"${basename(p)}"`)).length).toBe(1);
  }, 300_000);
});
