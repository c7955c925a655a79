import { generateKeyPairSync } from "node:crypto";
import { cpSync, mkdirSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { InputError } from "@sovereign/diagnostics";
import { KeyScanner, keyMaterialIn } from "../src/index.js";
import { FIXTURES, keyPair, packFixture, removeTmpDirs, tmpDir } from "./helpers.js";
afterAll(removeTmpDirs);

// Issue 9, item 6: key material is refused in every common form, wherever it hides, naming the file.
const ec = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
const ed = generateKeyPairSync("ed25519");
const rsa = generateKeyPairSync("rsa", { modulusLength: 1024 });
const forms: [string, Buffer][] = [
  ["PEM PKCS#8", Buffer.from(ec.privateKey.export({ type: "pkcs8", format: "pem" }) as string)],
  ["PEM SEC1", Buffer.from(ec.privateKey.export({ type: "sec1", format: "pem" }) as string)],
  ["PKCS#8 DER (EC)", ec.privateKey.export({ type: "pkcs8", format: "der" }) as Buffer],
  ["PKCS#8 DER (Ed25519)", ed.privateKey.export({ type: "pkcs8", format: "der" }) as Buffer],
  ["PKCS#8 DER (RSA)", rsa.privateKey.export({ type: "pkcs8", format: "der" }) as Buffer],
  ["SEC1 DER", ec.privateKey.export({ type: "sec1", format: "der" }) as Buffer],
  ["PKCS#1 DER", rsa.privateKey.export({ type: "pkcs1", format: "der" }) as Buffer],
  ["JWK", Buffer.from(JSON.stringify(ec.privateKey.export({ format: "jwk" })))],
  [
    "OpenSSH",
    Buffer.from(
      "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n-----END OPENSSH PRIVATE KEY-----\n",
    ),
  ],
  ["OpenSSH binary", Buffer.concat([Buffer.from("openssh-key-v1\0"), Buffer.alloc(64, 1)])],
];

describe("key material detection", () => {
  it.each(forms)("GIVEN a %s key WHEN scanned THEN it is found", (_form, data) => {
    expect(keyMaterialIn(data)).toBeDefined();
  });

  it.each(forms)("GIVEN a %s key inside 1 MiB of other bytes WHEN scanned THEN it is found", (_form, data) => {
    const big = Buffer.concat([Buffer.alloc(512 * 1024, 0x41), data, Buffer.alloc(512 * 1024, 0x42)]);
    expect(keyMaterialIn(big)).toBeDefined();
  });

  it.each(forms)("GIVEN a %s key inside 1 MiB and split across two chunks WHEN streamed THEN it is found at every cut", (_form, data) => {
    const big = Buffer.concat([Buffer.alloc(512 * 1024, 0x41), data, Buffer.alloc(512 * 1024, 0x42)]);
    const keyAt = 512 * 1024;
    for (const cut of [1, 2, 3, 4, 5, 8, 16, Math.floor(data.length / 2), data.length - 1].filter((c) => c > 0 && c < data.length)) {
      const scan = new KeyScanner();
      scan.update(big.subarray(0, keyAt + cut));
      scan.update(big.subarray(keyAt + cut));
      expect(scan.result(big.length), `cut at ${cut}`).toBeDefined();
    }
  });

  it("GIVEN a PKCS#8 DER key in 1 MiB of other bytes WHEN scanned THEN it is named as PKCS#8, not as another DER form", () => {
    const der = ec.privateKey.export({ type: "pkcs8", format: "der" }) as Buffer;
    expect(keyMaterialIn(Buffer.concat([Buffer.alloc(1 << 20, 0x41), der]))).toBe("a PKCS#8 DER private key");
    const sec1 = ec.privateKey.export({ type: "sec1", format: "der" }) as Buffer;
    expect(keyMaterialIn(Buffer.concat([Buffer.alloc(1 << 20, 0x41), sec1]))).toBe("a SEC1 DER EC private key");
  });

  it("GIVEN a JWK's private member before, after or chunks apart from its kty, among thousands of other quotes WHEN streamed THEN it is found", () => {
    const quotes = Buffer.from('"a" "kt" "ktyx" "d":"short" "q" : 1 '.repeat(4000));
    const cases: [string, string][] = [
      ['{"d" : "Zm9vYmFyYmF6cXV4MTIzNDU2", ', '"kty":"EC"}'],
      ['{"kty":"RSA", ', '"p":"Zm9vYmFyYmF6cXV4MTIzNDU2"}'],
      ['{"kty" :  "oct",', '"k":"Zm9vYmFyYmF6cXV4MTIzNDU2"}'],
      ['{"q":"Zm9vYmFyYmF6cXV4MTIzNDU2"', ', "kty": "OKP"}'],
    ];
    for (const [a, b] of cases) {
      const scan = new KeyScanner();
      scan.update(Buffer.concat([quotes, Buffer.from(a)]));
      scan.update(Buffer.concat([quotes, Buffer.from(b)]));
      expect(scan.result(1 << 30), `${a}|${b}`).toBe("a JSON Web Key with its private part");
    }
  });

  it("GIVEN a kty and private-looking members that fall short (value under 16 characters, unknown key type, no quotes around the name) WHEN scanned THEN nothing is reported", () => {
    for (const text of ['{"kty":"EC","d":"c2hvcnQ"}', '{"kty":"XYZ","d":"Zm9vYmFyYmF6cXV4MTIzNDU2"}', '{"kty":"EC",d:"Zm9vYmFyYmF6cXV4MTIzNDU2"}', '{kty:"EC","d":"Zm9vYmFyYmF6cXV4MTIzNDU2"}'])
      expect(keyMaterialIn(Buffer.from(text)), text).toBeUndefined();
  });

  it("GIVEN public keys, text about keys and zero bytes WHEN scanned THEN nothing is reported", () => {
    expect(keyMaterialIn(Buffer.from(ec.publicKey.export({ type: "spki", format: "pem" }) as string))).toBeUndefined();
    expect(keyMaterialIn(Buffer.from(JSON.stringify(ec.publicKey.export({ format: "jwk" }))))).toBeUndefined();
    expect(keyMaterialIn(Buffer.alloc(1 << 20, 0))).toBeUndefined();
    expect(keyMaterialIn(Buffer.from("rotate the PRIVATE KEY every 90 days (runbook text)"))).toBeUndefined();
  });
});

describe("pack refuses key material in weights, datasets, charts and policies", () => {
  const keys = keyPair();
  const der = ec.privateKey.export({ type: "pkcs8", format: "der" }) as Buffer;

  async function refused(extra: Parameters<typeof packFixture>[2], file: RegExp): Promise<void> {
    const t = tmpDir();
    try {
      await packFixture(join(t, "b"), keys, extra);
      expect.unreachable("pack should refuse key material");
    } catch (e) {
      expect(e).toBeInstanceOf(InputError);
      const issue = (e as InputError).issues[0]!;
      expect(issue.code).toBe("bundle.secret");
      expect(issue.file).toMatch(file);
    }
  }

  it("GIVEN a weights directory holding bundle.key (PEM) WHEN packed THEN refused naming the file", async () => {
    const w = join(tmpDir(), "keys");
    mkdirSync(w);
    writeFileSync(join(w, "bundle.key"), ec.privateKey.export({ type: "pkcs8", format: "pem" }) as string);
    await refused({ weights: [w] }, /keys\/bundle\.key$/);
  });

  it("GIVEN a DER key buried in a 5 MiB weights file WHEN packed THEN refused naming the file", async () => {
    const w = join(tmpDir(), "model.bin");
    writeFileSync(w, Buffer.concat([Buffer.alloc(3 * 1024 * 1024, 3), der]));
    truncateSync(w, 5 * 1024 * 1024);
    await refused({ weights: [w] }, /model\.bin$/);
  });

  it("GIVEN a JWK in a dataset WHEN packed THEN refused naming the file", async () => {
    const d = join(tmpDir(), "data.jsonl");
    writeFileSync(d, `{"text":"hello"}\n${JSON.stringify(ec.privateKey.export({ format: "jwk" }))}\n`);
    await refused({ datasets: [d] }, /data\.jsonl$/);
  });

  it("GIVEN a chart carrying a private key WHEN packed THEN refused naming the chart member", async () => {
    const charts = tmpDir();
    cpSync(join(FIXTURES, "charts"), charts, { recursive: true });
    writeFileSync(join(charts, "demo", "tls.key"), ec.privateKey.export({ type: "sec1", format: "pem" }) as string);
    await refused({ chartsDir: charts }, /^charts\/demo-.*\.tgz:demo\/tls\.key$/);
  });

  it("GIVEN a policy file carrying an OpenSSH key WHEN packed THEN refused naming it", async () => {
    const pol = tmpDir();
    cpSync(join(FIXTURES, "policies"), pol, { recursive: true });
    writeFileSync(join(pol, "leak.yaml"), `key: |\n  -----BEGIN OPENSSH PRIVATE KEY-----\n  abc\n`);
    await refused({ policiesDir: pol }, /^policies\/leak\.yaml$/);
  });
});
