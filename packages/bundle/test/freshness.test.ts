import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { isCanonicalSignature, MANIFEST_FILE, SIGNATURE_FILE, verifyBundle } from "../src/index.js";
import { EPOCH, keyPair, packFixture, removeTmpDirs, tmpDir, verifyKey } from "./helpers.js";
afterAll(removeTmpDirs);

// Issue 9, item 7: what is signed binds the country and is dated; rollbacks, another country's
// bundle, high-s signatures and extra zstd frames are refused.
const N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;

describe("signed binding and freshness", () => {
  const keys = keyPair();

  it("GIVEN a packed bundle WHEN verified THEN the signed manifest names the country, kit version, creation time and sequence", async () => {
    const b = join(tmpDir(), "b");
    await packFixture(b, keys, { sequence: 42 });
    const r = await verifyBundle(b, verifyKey(keys.pub));
    expect(r.ok).toBe(true);
    expect(r).toMatchObject({ country: "th", sequence: 42, kitVersion: "0.1.0", created: "2023-11-14T22:13:20Z" });
    const m = JSON.parse(readFileSync(join(b, MANIFEST_FILE), "utf8"));
    expect(m).toMatchObject({ country: "th", sequence: 42, kitVersion: "0.1.0" });
  });

  it("GIVEN the th bundle WHEN verified expecting sa THEN it fails as another country's bundle", async () => {
    const b = join(tmpDir(), "b");
    await packFixture(b, keys);
    const r = await verifyBundle(b, verifyKey(keys.pub), undefined, { country: "sa" });
    expect(r.ok).toBe(false);
    expect(r.problems).toContainEqual({ file: MANIFEST_FILE, message: "signed for country th, not sa (another country's bundle)" });
    expect((await verifyBundle(b, verifyKey(keys.pub), undefined, { country: "th" })).ok).toBe(true);
  });

  it("GIVEN an older bundle WHEN verified with --min-sequence or --not-before past it THEN it is refused as a rollback", async () => {
    const b = join(tmpDir(), "b");
    await packFixture(b, keys, { sequence: 5 });
    const seq = await verifyBundle(b, verifyKey(keys.pub), undefined, { minSequence: 6 });
    expect(seq.problems.map((p) => p.message)).toEqual(["sequence 5 is below --min-sequence 6 (a rollback to an older bundle)"]);
    const date = await verifyBundle(b, verifyKey(keys.pub), undefined, { notBefore: new Date((EPOCH + 1) * 1000) });
    expect(date.problems[0]!.message).toMatch(/^created 2023-11-14T22:13:20Z, before --not-before/);
    expect((await verifyBundle(b, verifyKey(keys.pub), undefined, { minSequence: 5, notBefore: new Date(EPOCH * 1000) })).ok).toBe(true);
  });

  it("GIVEN the signature rewritten to its high-s twin (equally valid ECDSA) WHEN verified THEN it is refused as malleated", async () => {
    const b = join(tmpDir(), "b");
    await packFixture(b, keys);
    const der = Buffer.from(readFileSync(join(b, SIGNATURE_FILE), "latin1").trim(), "base64");
    expect(isCanonicalSignature(der)).toBe(true);
    const rLen = der[3]!;
    const r = der.subarray(4, 4 + rLen);
    const sLen = der[5 + rLen]!;
    const s = BigInt(`0x${der.subarray(6 + rLen, 6 + rLen + sLen).toString("hex")}`);
    let hi = Buffer.from((N - s).toString(16).padStart(64, "0"), "hex");
    if (hi[0]! & 0x80) hi = Buffer.concat([Buffer.from([0]), hi]);
    const body = Buffer.concat([Buffer.from([0x02, r.length]), r, Buffer.from([0x02, hi.length]), hi]);
    const twin = Buffer.concat([Buffer.from([0x30, body.length]), body]);
    writeFileSync(join(b, SIGNATURE_FILE), twin.toString("base64"));
    const v = await verifyBundle(b, verifyKey(keys.pub));
    expect(v.ok).toBe(false);
    expect(v.problems).toContainEqual({
      file: SIGNATURE_FILE,
      message: "is not a strict DER low-s signature (a malleated copy of a signature is refused)",
    });
  });

  it("GIVEN a .tar.zst with an empty trailing zstd frame WHEN verified THEN the frame is refused", async () => {
    const b = join(tmpDir(), "b.tar.zst");
    await packFixture(b, keys);
    // A frame with one empty raw last block: decodes to nothing, so only the framing can see it.
    const empty = Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x38, 0x01, 0x00, 0x00]);
    writeFileSync(b, Buffer.concat([readFileSync(b), empty]));
    const v = await verifyBundle(b, verifyKey(keys.pub));
    expect(v.ok).toBe(false);
    expect(v.problems[0]!.message).toMatch(/empty zstd frame/);
  });
});
