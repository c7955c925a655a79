import { createHash, createHmac } from "node:crypto";

/**
 * Deterministic ECDSA over P-256 with SHA-256 (RFC 6979). node:crypto signs with a random nonce,
 * which would make two packs of the same inputs differ in their signature; RFC 6979 derives the
 * nonce from key and message, so the signature (and the whole bundle) is reproducible while
 * staying an ordinary ECDSA signature any verifier (cosign, openssl) accepts.
 */

const P = 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn;
const N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
const A = P - 3n;
const GX = 0x6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296n;
const GY = 0x4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5n;

type Jacobian = [bigint, bigint, bigint];

const mod = (a: bigint, m: bigint) => {
  const r = a % m;
  return r >= 0n ? r : r + m;
};

function inv(a: bigint, m: bigint): bigint {
  // Fermat: m is prime for both the field and the group order.
  let result = 1n;
  let base = mod(a, m);
  let e = m - 2n;
  while (e > 0n) {
    if (e & 1n) result = (result * base) % m;
    base = (base * base) % m;
    e >>= 1n;
  }
  return result;
}

function double([x, y, z]: Jacobian): Jacobian {
  if (y === 0n || z === 0n) return [0n, 1n, 0n];
  const yy = (y * y) % P;
  const s = (4n * x * yy) % P;
  const zz = (z * z) % P;
  const m = mod(3n * x * x + A * zz * zz, P);
  const x3 = mod(m * m - 2n * s, P);
  const y3 = mod(m * (s - x3) - 8n * yy * yy, P);
  const z3 = (2n * y * z) % P;
  return [x3, y3, z3];
}

function add(p: Jacobian, q: Jacobian): Jacobian {
  if (p[2] === 0n) return q;
  if (q[2] === 0n) return p;
  const z1z1 = (p[2] * p[2]) % P;
  const z2z2 = (q[2] * q[2]) % P;
  const u1 = (p[0] * z2z2) % P;
  const u2 = (q[0] * z1z1) % P;
  const s1 = (p[1] * q[2] * z2z2) % P;
  const s2 = (q[1] * p[2] * z1z1) % P;
  if (u1 === u2) return s1 === s2 ? double(p) : [0n, 1n, 0n];
  const h = mod(u2 - u1, P);
  const r = mod(s2 - s1, P);
  const hh = (h * h) % P;
  const hhh = (h * hh) % P;
  const v = (u1 * hh) % P;
  const x3 = mod(r * r - hhh - 2n * v, P);
  const y3 = mod(r * (v - x3) - s1 * hhh, P);
  const z3 = (h * p[2] * q[2]) % P;
  return [x3, y3, z3];
}

function mulG(k: bigint): bigint {
  let acc: Jacobian = [0n, 1n, 0n];
  let base: Jacobian = [GX, GY, 1n];
  let e = k;
  while (e > 0n) {
    if (e & 1n) acc = add(acc, base);
    base = double(base);
    e >>= 1n;
  }
  const zi = inv(acc[2], P);
  return (acc[0] * zi * zi) % P;
}

const toBig = (b: Uint8Array) => BigInt(`0x${Buffer.from(b).toString("hex") || "0"}`);
const to32 = (x: bigint) => Buffer.from(x.toString(16).padStart(64, "0"), "hex");

/** RFC 6979 section 3.2 nonce generation for qlen = hlen = 256. */
function* nonces(d: bigint, h1: Buffer): Generator<bigint> {
  const x = to32(d);
  const hm = to32(mod(toBig(h1), N));
  let v = Buffer.alloc(32, 1);
  let k = Buffer.alloc(32, 0);
  const hmac = (key: Buffer, ...parts: Buffer[]) => {
    const m = createHmac("sha256", key);
    for (const p of parts) m.update(p);
    return m.digest();
  };
  k = hmac(k, v, Buffer.from([0]), x, hm);
  v = hmac(k, v);
  k = hmac(k, v, Buffer.from([1]), x, hm);
  v = hmac(k, v);
  for (;;) {
    v = hmac(k, v);
    const t = toBig(v);
    if (t >= 1n && t < N) yield t;
    k = hmac(k, v, Buffer.from([0]));
    v = hmac(k, v);
  }
}

function derInt(x: bigint): Buffer {
  let b = to32(x);
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  b = b.subarray(i);
  if (b[0]! & 0x80) b = Buffer.concat([Buffer.from([0]), b]);
  return Buffer.concat([Buffer.from([0x02, b.length]), b]);
}

/** Raw (r, s) of a deterministic signature over `message`, for tests against RFC 6979 vectors. */
export function signRaw(privateScalar: bigint, message: Uint8Array): { r: bigint; s: bigint } {
  const h1 = createHash("sha256").update(message).digest();
  const e = mod(toBig(h1), N);
  for (const k of nonces(privateScalar, h1)) {
    const r = mod(mulG(k), N);
    if (r === 0n) continue;
    let s = mod(inv(k, N) * (e + r * privateScalar), N);
    if (s === 0n) continue;
    // Low-s form: both forms verify; one canonical choice keeps the bytes stable.
    if (s > N / 2n) s = N - s;
    return { r, s };
  }
  throw new Error("unreachable: nonce generator is infinite");
}

/** DER-encoded ECDSA-Sig-Value (the format cosign and openssl read). */
export function signDer(privateScalar: bigint, message: Uint8Array): Buffer {
  const { r, s } = signRaw(privateScalar, message);
  const body = Buffer.concat([derInt(r), derInt(s)]);
  return Buffer.concat([Buffer.from([0x30, body.length]), body]);
}

function readDerInt(der: Uint8Array, at: number): { value: bigint; next: number } | undefined {
  if (der[at] !== 0x02) return undefined;
  const len = der[at + 1];
  if (len === undefined || len === 0 || len > 33 || at + 2 + len > der.length) return undefined;
  const bytes = der.subarray(at + 2, at + 2 + len);
  // Minimal encoding only: no needless leading zero, no negative numbers.
  if (bytes[0]! & 0x80) return undefined;
  if (len > 1 && bytes[0] === 0 && !(bytes[1]! & 0x80)) return undefined;
  return { value: toBig(bytes), next: at + 2 + len };
}

/**
 * Parses a DER ECDSA-Sig-Value strictly: one SEQUENCE of two minimal positive INTEGERs in
 * [1, n-1], nothing after it. Undefined for anything else.
 */
export function parseDerSignature(der: Uint8Array): { r: bigint; s: bigint } | undefined {
  if (der.length < 8 || der[0] !== 0x30 || der[1] !== der.length - 2 || der[1]! >= 0x80) return undefined;
  const r = readDerInt(der, 2);
  const s = r && readDerInt(der, r.next);
  if (!r || !s || s.next !== der.length) return undefined;
  const ok = (x: bigint) => x >= 1n && x < N;
  return ok(r.value) && ok(s.value) ? { r: r.value, s: s.value } : undefined;
}

/**
 * True for a strict DER signature in low-s form (s ≤ n/2). ECDSA accepts both (r, s) and
 * (r, n - s); accepting only one makes the signature bytes of a manifest unique, so a bundle
 * cannot be re-signed into a different but equally valid file.
 */
export function isCanonicalSignature(der: Uint8Array): boolean {
  const sig = parseDerSignature(der);
  return sig !== undefined && sig.s <= N / 2n;
}
