import { createPrivateKey, createPublicKey, verify } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { generateKeyPair, loadSigningKey, signDer, signRaw } from "../src/index.js";
import { removeTmpDirs, tmpFile } from "./helpers.js";
afterAll(removeTmpDirs);

// RFC 6979 appendix A.2.5 (P-256), private key and the SHA-256 signature of "sample".
const X = 0xc9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721n;
const N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;

describe("deterministic ECDSA P-256 (RFC 6979)", () => {
  it("GIVEN the RFC 6979 P-256 key WHEN signing 'sample' with SHA-256 THEN r and s match the published vector", () => {
    const { r, s } = signRaw(X, Buffer.from("sample"));
    expect(r.toString(16)).toBe("efd48b2aacb6a8fd1140dd9cd45e81d69d2c877b56aaf991c34d0ea84eaf3716");
    // The published s is high; bundles store the equivalent low-s form N - s.
    const published = 0xf7cb1c942d657c41d436c7a1b6e29f65f3e900dbb9aff4064dc4ab2f843acda8n;
    expect(s === published || s === N - published).toBe(true);
    expect(s <= N / 2n).toBe(true);
  });

  it("GIVEN a fresh key pair WHEN a message is signed twice THEN the DER signatures are identical and node:crypto verifies them", () => {
    const { privatePem, publicPem } = generateKeyPair();
    const key = loadSigningKey(tmpFile("k.pem", privatePem));
    const msg = Buffer.from('{"kind":"BundleManifest"}\n');
    const a = key.sign(msg);
    expect(key.sign(msg).equals(a)).toBe(true);
    expect(verify("sha256", msg, { key: createPublicKey(publicPem), dsaEncoding: "der" }, a)).toBe(true);
    expect(
      verify("sha256", Buffer.from("other"), { key: createPublicKey(publicPem), dsaEncoding: "der" }, a),
    ).toBe(false);
  });

  it("GIVEN many random messages WHEN signed THEN every signature verifies with node:crypto", () => {
    const { privatePem, publicPem } = generateKeyPair();
    const jwk = createPrivateKey(privatePem).export({ format: "jwk" });
    const d = BigInt(`0x${Buffer.from(jwk.d!, "base64url").toString("hex")}`);
    const pub = createPublicKey(publicPem);
    for (let i = 0; i < 20; i++) {
      const msg = Buffer.from(`message ${i} ${Math.random()}`);
      expect(verify("sha256", msg, { key: pub, dsaEncoding: "der" }, signDer(d, msg))).toBe(true);
    }
  });
});
