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
/** How far past its opening quote a `"kty"` or private member's match may reach. */
const JWK_KTY_REACH = 200;
const JWK_PRIVATE_REACH = 256;

/**
 * Bytes every match of a pattern contains (its anchor), and how far a match reaches before and
 * after the anchor. A chunk is searched for anchors with Buffer.indexOf (native, several GB/s),
 * and the patterns run only on the few bytes around each hit: the same matches as running them
 * over the whole chunk, without turning gigabytes of weights into strings. A PEM label or JWK
 * whitespace longer than the window is not seen (real ones are a few dozen bytes).
 */
interface Anchor {
  needle: Buffer;
  before: number;
  after: number;
  /** Cheap byte check at the hit before the pattern runs (the DER anchor is short). */
  likely?: (b: Buffer, at: number) => boolean;
}
const anchor = (needle: string, before: number, after: number, likely?: Anchor["likely"]): Anchor => ({
  needle: Buffer.from(needle, "latin1"),
  before,
  after,
  likely,
});
/** INTEGER 0 or 1 followed by SEQUENCE, OCTET STRING or INTEGER: the version field of the DER forms. */
const derVersion = (b: Buffer, at: number) =>
  (b[at + 2] === 0x00 || b[at + 2] === 0x01) && (b[at + 3] === 0x30 || b[at + 3] === 0x04 || b[at + 3] === 0x02);
const DER = anchor("\x02\x01", 4, 44, derVersion);
/** Anchors of PATTERNS, in the same order. */
const PATTERN_ANCHORS: Anchor[] = [anchor("BEGIN", 5, 200), anchor("sh-key", 5, 12), DER, DER, DER];
/** Bytes kept from the end of one chunk so a match split across two chunks is still seen. */
const OVERLAP = 256;

/** Whether `re` matches around any hit of `a` in `buf`. */
function matchesAround(buf: Buffer, a: Anchor, re: RegExp): boolean {
  for (let at = buf.indexOf(a.needle); at !== -1; at = buf.indexOf(a.needle, at + 1)) {
    if (a.likely && !a.likely(buf, at)) continue;
    const window = buf.toString("latin1", Math.max(0, at - a.before), Math.min(buf.length, at + a.after));
    if (re.test(window)) return true;
  }
  return false;
}

const QUOTE = 0x22;
/** `d`, `k`, `p`, `q`: the JWK members that hold private key material. */
const PRIVATE_MEMBER = new Set([0x64, 0x6b, 0x70, 0x71]);

/**
 * The two JWK facts in one pass over the chunk's quotes (instead of one search per member name):
 * whether a `"kty"` member with a key type occurs, and whether a private member (`"d"`, `"k"`,
 * `"p"`, `"q"`) with a value of 16 or more base64url characters does. Facts already known are not
 * looked for again.
 */
function jwkFacts(buf: Buffer, known: { kty: boolean; priv: boolean }): { kty: boolean; priv: boolean } {
  let { kty, priv } = known;
  const around = (at: number, reach: number, re: RegExp) => re.test(buf.toString("latin1", at, Math.min(buf.length, at + reach)));
  for (let at = buf.indexOf(QUOTE); at !== -1 && !(kty && priv); at = buf.indexOf(QUOTE, at + 1)) {
    const c = buf[at + 1]!;
    if (buf[at + 2] === QUOTE) {
      if (!priv && PRIVATE_MEMBER.has(c)) priv = around(at, JWK_PRIVATE_REACH, JWK_PRIVATE);
    } else if (!kty && c === 0x6b && buf[at + 2] === 0x74 && buf[at + 3] === 0x79 && buf[at + 4] === QUOTE)
      kty = around(at, JWK_KTY_REACH, JWK_KTY);
  }
  return { kty, priv };
}

/** The DER patterns that match around any hit of the shared DER anchor. */
function derMatches(buf: Buffer): Set<RegExp> {
  const found = new Set<RegExp>();
  const der = PATTERNS.filter((_, i) => PATTERN_ANCHORS[i] === DER).map(([re]) => re);
  for (let at = buf.indexOf(DER.needle); at !== -1; at = buf.indexOf(DER.needle, at + 1)) {
    if (!derVersion(buf, at)) continue;
    const window = buf.toString("latin1", Math.max(0, at - DER.before), Math.min(buf.length, at + DER.after));
    for (const re of der) if (re.test(window)) found.add(re);
  }
  return found;
}

export class KeyScanner {
  private tail: Buffer = Buffer.alloc(0);
  private found: string | undefined;
  private kty = false;
  private priv = false;
  private head: Buffer[] = [];
  private headBytes = 0;

  update(chunk: Uint8Array): void {
    if (this.found) return;
    const buf = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (this.headBytes < 16 * 1024) {
      this.head.push(Buffer.from(buf.subarray(0, 16 * 1024 - this.headBytes)));
      this.headBytes += Math.min(buf.length, 16 * 1024 - this.headBytes);
    }
    // The seam first (the previous chunk's end and this one's start), then the chunk itself.
    if (this.tail.length > 0) this.scan(Buffer.concat([this.tail, buf.subarray(0, 2 * OVERLAP)]));
    this.scan(buf);
    this.tail = Buffer.from(buf.subarray(Math.max(0, buf.length - OVERLAP)));
  }

  private scan(buf: Buffer): void {
    if (this.found) return;
    // PATTERNS' order decides which form is named when several occur; the three DER forms share
    // one anchor, so their hits are found in one pass.
    const der = derMatches(buf);
    for (const [i, [re, what]] of PATTERNS.entries()) {
      const a = PATTERN_ANCHORS[i]!;
      if (a === DER ? der.has(re) : matchesAround(buf, a, re)) {
        this.found = what;
        return;
      }
    }
    ({ kty: this.kty, priv: this.priv } = jwkFacts(buf, { kty: this.kty, priv: this.priv }));
    if (this.kty && this.priv) this.found = "a JSON Web Key with its private part";
  }

  /** What key material was seen, or undefined. */
  result(totalSize: number): string | undefined {
    if (this.found) return this.found;
    // A small file that is a DER key as a whole (PKCS#1 RSA has no fixed prefix worth matching).
    // Every DER key is a SEQUENCE (first byte 0x30): other files are not parsed, which saves
    // three failed key parses per chart, policy and text file.
    const der = totalSize > 0 && totalSize <= 16 * 1024 ? Buffer.concat(this.head) : undefined;
    if (der?.[0] === 0x30) {
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
