import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject, verify } from "node:crypto";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { InputError, readInputFile, UsageError, writeFileAtomic } from "@sovereign/diagnostics";
import { signDer } from "./ecdsa.js";
import { sha256Hex } from "./hash.js";

/** Signature algorithm of every bundle: ECDSA P-256 with SHA-256 (cosign's default key type). */
export const SIGNATURE_ALGORITHM = "ecdsa-p256-sha256";

/** File names `bundle keygen` writes (cosign calls its pair cosign.key / cosign.pub). */
export const PRIVATE_KEY_FILE = "bundle.key";
export const PUBLIC_KEY_FILE = "bundle.pub";

function requireP256(key: KeyObject, file: string): void {
  if (key.asymmetricKeyType !== "ec" || key.asymmetricKeyDetails?.namedCurve !== "prime256v1") {
    const kind =
      key.asymmetricKeyType === "ec" ? `ec ${key.asymmetricKeyDetails?.namedCurve}` : key.asymmetricKeyType;
    throw new UsageError(
      `${file} is a ${kind} key; bundles are signed with ECDSA P-256 only`,
      "create a key pair with `sovereign bundle keygen --out <dir>` (or `cosign generate-key-pair` and export it as PKCS#8)",
    );
  }
}

/** A fresh key pair as PEM: PKCS#8 private, PKIX (SubjectPublicKeyInfo) public. */
export function generateKeyPair(): { privatePem: string; publicPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
  return {
    privatePem: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    publicPem: publicKey.export({ type: "spki", format: "pem" }).toString(),
  };
}

/** Writes a key pair into `dir`; the private key is readable by its owner only. Refuses to overwrite. */
export function writeKeyPair(dir: string): { privateKey: string; publicKey: string; keyId: string } {
  const privateKey = join(dir, PRIVATE_KEY_FILE);
  const publicKey = join(dir, PUBLIC_KEY_FILE);
  for (const p of [privateKey, publicKey]) {
    if (existsSync(p)) {
      throw new UsageError(
        `${p} already exists`,
        "choose another --out directory; keys are never overwritten",
      );
    }
  }
  const pair = generateKeyPair();
  // Created 0600 from the first byte (exclusive temp file, then rename): the private key is never
  // readable by others, not even briefly.
  mkdirSync(dir, { recursive: true });
  writeFileAtomic(privateKey, pair.privatePem, { mode: 0o600 });
  writeFileAtomic(publicKey, pair.publicPem);
  return { privateKey, publicKey, keyId: keyIdOf(createPublicKey(pair.publicPem)) };
}

/** Stable id of a public key: sha256 of its DER SubjectPublicKeyInfo (what cosign prints too). */
export function keyIdOf(publicKey: KeyObject): string {
  return sha256Hex(publicKey.export({ type: "spki", format: "der" }));
}

/** Largest key file read: a PEM EC key is a few hundred bytes. */
const KEY_MAX_BYTES = 64 * 1024;

function readPem(path: string, what: string): string {
  try {
    return readInputFile(path, { limit: KEY_MAX_BYTES, what }).bytes.toString("utf8");
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    throw new UsageError(
      e.issues[0]!.message.replace(/^file not found: /, `cannot read ${what} ${path}: no such file `).trim(),
      "create a key pair with `sovereign bundle keygen --out <dir>`",
    );
  }
}

/** A signing key loaded from a PKCS#8 (or SEC1) PEM file. */
export interface SigningKey {
  keyId: string;
  sign(data: Uint8Array): Buffer;
}

export function loadSigningKey(path: string): SigningKey {
  let key: KeyObject;
  try {
    key = createPrivateKey(readPem(path, "private key"));
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(
      `${path} is not an unencrypted PEM private key (${(e as Error).message})`,
      "pass the PKCS#8 key written by `sovereign bundle keygen` (encrypted cosign keys: `cosign import-key-pair` works the other way round; export an unencrypted PKCS#8 copy)",
    );
  }
  requireP256(key, path);
  const jwk = key.export({ format: "jwk" });
  const d = BigInt(`0x${Buffer.from(jwk.d!, "base64url").toString("hex")}`);
  return { keyId: keyIdOf(createPublicKey(key)), sign: (data) => signDer(d, data) };
}

/** A verification key loaded from a PKIX PEM file (`bundle.pub`, or a cosign.pub). */
export interface VerifyKey {
  keyId: string;
  verify(data: Uint8Array, derSignature: Uint8Array): boolean;
}

export function loadVerifyKey(path: string): VerifyKey {
  let key: KeyObject;
  try {
    key = createPublicKey(readPem(path, "public key"));
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(
      `${path} is not a PEM public key (${(e as Error).message})`,
      "pass the bundle.pub written by `sovereign bundle keygen`",
    );
  }
  requireP256(key, path);
  return {
    keyId: keyIdOf(key),
    verify: (data, sig) => {
      try {
        return verify("sha256", data, { key, dsaEncoding: "der" }, sig);
      } catch {
        return false;
      }
    },
  };
}
