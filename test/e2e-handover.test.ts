import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot } from "@sovereign/profile";
import { execa } from "execa";
import { afterAll, describe, expect, it } from "vitest";

/**
 * The whole hand-over as a user runs it, through the compiled `sovereign` bin, for a country the
 * kit does not ship: init → validate → synth → policy report → keygen → pack → verify, then a
 * tampered bundle is refused. Each step's exit code is the public contract.
 */
const root = repoRoot();
const bin = join(root, "packages", "cli", "bin", "sovereign.js");
const work = mkdtempSync(join(tmpdir(), "sovereign-handover-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const sovereign = (...args: string[]) =>
  execa("node", [bin, ...args], { cwd: work, reject: false, env: { SOURCE_DATE_EPOCH: "1767225600" } });

describe("hand-over of a new country, end to end", () => {
  it("GIVEN `init ke` WHEN the profile goes through every stage THEN each succeeds and the bundle verifies offline", async () => {
    expect((await sovereign("init", "ke", "--out", "ke.yaml")).exitCode).toBe(0);

    const v = await sovereign("validate", "--profile", "ke.yaml", "--format", "json");
    expect(v.exitCode, v.stderr).toBe(0);
    expect(JSON.parse(v.stdout).spec.displayName).toBe("Kenya");

    const s = await sovereign("synth", "--profile", "ke.yaml", "--out", "cdktf.out");
    expect(s.exitCode, s.stderr).toBe(0);
    for (const stack of ["platform", "gpu", "storage", "serving"]) {
      expect(existsSync(join(work, "cdktf.out", "stacks", `ke-${stack}`, "cdk.tf.json"))).toBe(true);
    }

    const r = await sovereign("policy", "report", "--profile", "ke.yaml", "--out", "report");
    expect(r.exitCode, r.stderr).toBe(0);
    for (const f of ["report.html", "report.json", "report.sarif", "junit.xml"]) {
      expect(existsSync(join(work, "report", f)), f).toBe(true);
    }

    expect((await sovereign("bundle", "keygen", "--out", "keys")).exitCode).toBe(0);
    const p = await sovereign("bundle", "pack", "--profile", "ke.yaml", "--key", "keys/bundle.key", "--out", "ke.tar");
    expect(p.exitCode, p.stderr).toBe(0);
    const ok = await sovereign("bundle", "verify", "ke.tar", "--key", "keys/bundle.pub");
    expect(ok.exitCode, ok.stderr).toBe(0);

    // One flipped byte in the middle of the archive: verification must fail with exit 1.
    const tar = readFileSync(join(work, "ke.tar"));
    tar[Math.floor(tar.length / 2)]! ^= 0x01;
    writeFileSync(join(work, "ke-tampered.tar"), tar);
    const bad = await sovereign("bundle", "verify", "ke-tampered.tar", "--key", "keys/bundle.pub");
    expect(bad.exitCode).toBe(1);
    expect(bad.stderr.length).toBeGreaterThan(0);
  });

  it("GIVEN a profile edited to serve from a foreign registry WHEN synthesized THEN exit 2 and nothing is written", async () => {
    const text = readFileSync(join(work, "ke.yaml"), "utf8").replace(
      /image: registry\.kedc1\.sovereign\.example\/ai\/inference-core@/,
      "image: docker.io/library/inference-core@",
    );
    writeFileSync(join(work, "foreign.yaml"), text);
    const r = await sovereign("synth", "--profile", "foreign.yaml", "--out", "foreign.out");
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain("spec.serving.models[0].image");
    expect(existsSync(join(work, "foreign.out"))).toBe(false);
  });
  it("GIVEN a profile that breaks a residency rule by itself (local state outside a demo) WHEN validated, synthesized or packed THEN all three refuse it as located bad input (exit 2) and write nothing", async () => {
    const text = readFileSync(join(work, "ke.yaml"), "utf8").replace(
      /type: kubernetes.*\n\s*namespace: sovereign-state/,
      "type: local",
    );
    expect(text).toContain("type: local");
    writeFileSync(join(work, "local-state.yaml"), text);
    const v = await sovereign("validate", "--profile", "local-state.yaml");
    expect(v.exitCode).toBe(2);
    expect(v.stderr).toMatch(/local-state\.yaml:\d+:\d+: error state\.local at spec\.stateBackend\.type/);
    const s = await sovereign("synth", "--profile", "local-state.yaml", "--out", "local.out");
    expect(s.exitCode).toBe(2);
    expect(s.stderr).toContain("state.local");
    expect(existsSync(join(work, "local.out"))).toBe(false);
    const p = await sovereign(
      "bundle",
      "pack",
      "--profile",
      "local-state.yaml",
      "--key",
      "keys/bundle.key",
      "--out",
      "local.tar",
    );
    expect(p.exitCode).toBe(2);
    expect(p.stderr).toContain("state.local");
    expect(existsSync(join(work, "local.tar"))).toBe(false);
  });
});
