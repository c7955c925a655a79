import { createPrivateKey } from "node:crypto";
import { InputError, type Issue } from "@sovereign/diagnostics";

/**
 * Finds private key material in bytes, in every form a key is commonly stored: PEM (PKCS#1,
 * PKCS#8, SEC1, encrypted, OpenSSH), the OpenSSH binary format, DER (PKCS#8, SEC1, PKCS#1) and
 * JSON Web Keys with a private member. Streaming: feed chunks, then ask. The patterns are long
 * enough (a dozen fixed bytes or more) that random model weights do not match by chance.
 */
/* eslint-disable no-control-regex -- binary key formats are matched byte for byte */
const PATTERNS: [RegExp, string][] = [
  [/-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/, "a PEM private key"],
  [/openssh-key-v1\x00/, "an OpenSSH private key"],
  [
    // PrivateKeyInfo: SEQUENCE, INTEGER 0, SEQUENCE { OID rsaEncryption | id-ecPublicKey | Ed25519/X25519/Ed448/X448 }.
    /\x30(?:[\x00-\x7f]|\x81[\s\S]|\x82[\s\S]{2})\x02\x01\x00\x30[\s\S]\x06(?:\x09\x2a\x86\x48\x86\xf7\x0d\x01\x01\x01|\x07\x2a\x86\x48\xce\x3d\x02\x01|\x03\x2b\x65[\x6e-\x71])/,
    "a PKCS#8 DER private key",
  ],
  [
    // ECPrivateKey (SEC1): SEQUENCE, INTEGER 1, OCTET STRING of 32/48/66 bytes (P-256/384/521).
    /\x30(?:[\x00-\x7f]|\x81[\s\S])\x02\x01\x01\x04(?:\x20|\x30|\x42)[\s\S]{32}/,
    "a SEC1 DER EC private key",
  ],
  [
    // RSAPrivateKey (PKCS#1): SEQUENCE, INTEGER 0 (version), INTEGER modulus of 1024 bits or more.
    /\x30\x82[\s\S]{2}\x02\x01\x00\x02(?:\x81\x81|\x82[\x01-\x04][\s\S])\x00/,
    "a PKCS#1 DER RSA private key",
  ],
];
/* eslint-enable no-control-regex */
const JWK_KTY = /"kty"\s*:\s*"(?:EC|RSA|OKP|oct)"/;
const JWK_PRIVATE = /"(?:d|k|p|q)"\s*:\s*"[A-Za-z0-9_-]{16,}/;
/** Bytes kept from the end of one chunk so a pattern split across two chunks is still seen. */
const OVERLAP = 128;

export class KeyScanner {
  private tail = "";
  private found: string | undefined;
  private kty = false;
  private priv = false;
  private head: Buffer[] = [];
  private headBytes = 0;

  update(chunk: Uint8Array): void {
    if (this.found) return;
    if (this.headBytes < 16 * 1024) {
      this.head.push(Buffer.from(chunk.subarray(0, 16 * 1024 - this.headBytes)));
      this.headBytes += Math.min(chunk.length, 16 * 1024 - this.headBytes);
    }
    const text = this.tail + Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString("latin1");
    for (const [re, what] of PATTERNS) {
      if (re.test(text)) {
        this.found = what;
        return;
      }
    }
    this.kty ||= JWK_KTY.test(text);
    this.priv ||= JWK_PRIVATE.test(text);
    if (this.kty && this.priv) this.found = "a JSON Web Key with its private part";
    this.tail = text.slice(-OVERLAP);
  }

  /** What key material was seen, or undefined. */
  result(totalSize: number): string | undefined {
    if (this.found) return this.found;
    // A small file that is a DER key as a whole (PKCS#1 RSA has no fixed prefix worth matching).
    if (totalSize > 0 && totalSize <= 16 * 1024) {
      const der = Buffer.concat(this.head);
      for (const type of ["pkcs8", "pkcs1", "sec1"] as const) {
        try {
          createPrivateKey({ key: der, format: "der", type });
          return `a ${type.toUpperCase()} DER private key`;
        } catch {
          // not this form
        }
      }
    }
    return undefined;
  }
}

/** What key material `data` holds, or undefined. */
export function keyMaterialIn(data: Uint8Array): string | undefined {
  const s = new KeyScanner();
  s.update(data);
  return s.result(data.length);
}

/** The issue for a file that holds key material: named, never packed. */
export function secretIssue(file: string, what: string): Issue {
  return {
    code: "bundle.secret",
    path: [],
    file,
    message: `${file} contains ${what}; key material is never packed`,
    hint: "remove it from the input; reference secrets by name (Kubernetes Secret, KMS key) instead",
  };
}

/** Throws an InputError naming every file that holds key material. */
export function refuseKeyMaterial(found: readonly { file: string; what: string }[]): void {
  if (found.length > 0) throw new InputError(found.map((f) => secretIssue(f.file, f.what)));
}
