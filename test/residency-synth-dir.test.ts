import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runMain } from "./cli-main.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// An output not made by `sovereign synth` (cdktf synth, an integrator's script, a hand-edited
// tree) is checked by `policy check --synth-dir` and refused by `bundle pack --synth-dir` exactly
// as synth would refuse it.

const work = mkdtempSync(join(tmpdir(), "sovereign-synth-dir-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const run = (argv: string[]) => runMain(argv, work, { SOURCE_DATE_EPOCH: "1700000000", PATH: process.env.PATH });

/** Re-creates the th storage class `resident-block` on an NFS driver inside a copy of the synth. */
function tamper(from: string, to: string): void {
  cpSync(from, to, { recursive: true });
  const file = join(to, "stacks", "th-storage", "cdk.tf.json");
  const json = JSON.parse(readFileSync(file, "utf8")) as {
    resource: { kubernetes_manifest: Record<string, { manifest: { kind: string; metadata: { name: string }; provisioner?: string } }> };
  };
  const sc = Object.values(json.resource.kubernetes_manifest).find(
    (r) => r.manifest.kind === "StorageClass" && r.manifest.metadata.name === "resident-block",
  )!;
  sc.manifest.provisioner = "nfs.csi.k8s.io";
  writeFileSync(file, JSON.stringify(json, null, 2));
}

describe("checking an existing synth output", () => {
  beforeAll(async () => {
    expect((await run(["synth", "--country", "th", "--out", "good"])).code).toBe(0);
    expect((await run(["bundle", "keygen", "--out", "keys"])).code).toBe(0);
    tamper(join(work, "good"), join(work, "tampered"));
  }, 120_000);

  it("GIVEN the synth's own output WHEN checked with --synth-dir THEN no finding", async () => {
    const r = await run(["policy", "check", "--country", "th", "--synth-dir", "good", "--format", "json"]);
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as { findings: unknown[] }).findings).toEqual([]);
  });

  it("GIVEN an edited output WHEN checked with --synth-dir THEN exit 1 naming the re-pointed class", async () => {
    const r = await run(["policy", "check", "--country", "th", "--synth-dir", "tampered", "--format", "json"]);
    expect(r.code).toBe(1);
    const findings = (JSON.parse(r.stdout) as { findings: { ruleId: string; objectRef: { name: string } }[] }).findings;
    expect(findings).toContainEqual(
      expect.objectContaining({ ruleId: "storageclass-provisioner-pinned", objectRef: expect.objectContaining({ name: "resident-block" }) }),
    );
  });

  it("GIVEN an edited output WHEN bundle pack --synth-dir THEN it refuses to sign it and writes no bundle", async () => {
    const r = await run(["bundle", "pack", "--country", "th", "--key", "keys/bundle.key", "--synth-dir", "tampered", "--out", "th.tar"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("storageclass-provisioner-pinned");
    expect(existsSync(join(work, "th.tar"))).toBe(false);
  });

  it("GIVEN a directory with another country's stacks WHEN checked for kr THEN bad input (exit 2) naming the fix", async () => {
    const r = await run(["policy", "check", "--country", "kr", "--synth-dir", "good"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("holds no stack of kr");
  });
});
