import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { extractBundle } from "../src/index.js";
import { keyPair, packFixture, removeTmpDirs, tmpDir, verifyKey } from "./helpers.js";
afterAll(removeTmpDirs);

describe("bundle extract", () => {
  const keys = keyPair();

  for (const ext of ["", ".tar", ".tar.zst"]) {
    it(`GIVEN a verified ${ext || "directory"} bundle with 2 MiB weights WHEN extracted THEN logical files, raw weights and unpacked charts are written`, async () => {
      const t = tmpDir();
      const w = join(t, "model.safetensors");
      const data = randomBytes(2 * 1024 * 1024 + 3);
      writeFileSync(w, data);
      const b = join(t, `b${ext}`);
      await packFixture(b, keys, { weights: [w] });
      const out = join(t, "out");
      const r = await extractBundle(b, verifyKey(keys.pub), out);
      expect(r.report.ok).toBe(true);
      expect(readFileSync(join(out, "weights/model.safetensors")).equals(data)).toBe(true);
      expect(readFileSync(join(out, "runbooks/install.md"), "utf8")).toMatch(
        /^# Install: Kingdom of Thailand/,
      );
      expect(JSON.parse(readFileSync(join(out, "sbom/bom.cdx.json"), "utf8")).specVersion).toBe("1.6");
      expect(readFileSync(join(out, "charts/demo/Chart.yaml"), "utf8")).toContain("name: demo");
      expect(existsSync(join(out, "synth/stacks/th-gpu/cdk.tf.json"))).toBe(true);
      expect(r.written).toContain("charts/demo/values.yaml");
    });
  }

  it("GIVEN a tampered bundle WHEN extracted THEN nothing is written and the tampered file is named", async () => {
    const t = tmpDir();
    const b = join(t, "b");
    await packFixture(b, keys);
    writeFileSync(join(b, "oci-layout"), "{}\n");
    const out = join(t, "out");
    const r = await extractBundle(b, verifyKey(keys.pub), out);
    expect(r.report.ok).toBe(false);
    expect(r.report.problems.some((p) => p.file === "oci-layout")).toBe(true);
    expect(existsSync(out)).toBe(false);
  });

  it("GIVEN the wrong key WHEN extracting THEN nothing is written", async () => {
    const t = tmpDir();
    const b = join(t, "b.tar");
    await packFixture(b, keys);
    const r = await extractBundle(b, verifyKey(keyPair().pub), join(t, "out"));
    expect(r.report.ok).toBe(false);
    expect(existsSync(join(t, "out"))).toBe(false);
  });
});
