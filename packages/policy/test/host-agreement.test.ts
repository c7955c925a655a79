import { FOREIGN_SERVICE_SCHEMES, foreignService, hostInCountry, uriHost } from "@sovereign/profile";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { jsonToCel } from "../src/cel/values.js";
import { evaluateRule, prepareObject } from "../src/evaluate.js";
import { loadPacks, policiesDir } from "../src/pack.js";
import { buildParams } from "../src/params.js";
import { fixtureProfile } from "../src/fixtures.js";

// The profile check (`validate`) and the residency rule (CEL, in synth and in the cluster) must
// read hosts the same way, or a profile validate accepts would fail synth. This compares the two
// on chosen tricky values and on random URLs built from in-country and foreign parts.

const profile = fixtureProfile();
const params = jsonToCel(buildParams(profile, { now: new Date("2026-01-01T00:00:00Z") }));
const rule = loadPacks(["residency-core"])[0]!.rules.find((r) => r.id === "workload-endpoints-in-country")!;
const ctx = {
  domains: profile.spec.sites.flatMap((s) => s.domains ?? []),
  cidrs: profile.spec.sites.flatMap((s) => s.egressCidrs),
};

/** True when the CEL rule finds a foreign host in an address-named variable holding `value`. */
function celForeign(value: string): boolean {
  const pod = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "p", namespace: "x" },
    spec: { containers: [{ name: "c", image: "i", env: [{ name: "TARGET_URL", value }] }] },
  };
  const fs = evaluateRule(rule, prepareObject(pod), params, []);
  expect(fs.filter((f) => f.reason === "EvaluationError")).toEqual([]);
  return fs.length > 0;
}

const tsForeign = (value: string) => foreignService(value) !== undefined || !hostInCountry(uriHost(value), ctx);

const CHOSEN = [
  "https://weights.fx1.sovereign.example/m",
  "s3://weights.fx2.sovereign.example/m",
  "https://huggingface.co/x",
  "HTTPS://Weights.FX1.Sovereign.Example./m",
  "https://weights.fx1.sovereign.example.evil.example/m",
  "https://weights.fx1.sovereign.example@evil.example/m",
  "https://robot:pw@weights.fx1.sovereign.example:8443/m",
  "http://192.0.2.7:8080/x",
  "http://192.0.2.200/x",
  "http://3221225985/x",
  "http://0xc0000201/x",
  "http://0300.0.2.1/x",
  "http://[2001:db8:10::1]:443/x",
  "http://[2001:db8:ffff::1]/x",
  "http://[::1]/x",
  "http://127.0.0.1:9000/x",
  "http://ckpt-cache:8080/x",
  "http://api.serving.svc.cluster.local/x",
  "weights.fx1.sovereign.example/m",
  "huggingface.co",
  "  https://huggingface.co",
  "hf://meta-llama/Llama-3.1-8B-Instruct",
  "HF://org",
  "gs://weights.fx1.sovereign.example/m",
  "gcs://bucket/x",
  "az://models/r1",
  "abfss://c@acct.dfs.core.windows.net/x",
  "wasbs://c@acct.blob.core.windows.net/x",
  "s3://models/r1-distill-qwen-14b",
  "2001:db8:10::5",
  "2001:db8:99::5",
  "2001:DB8:10::5",
  "::1",
  "fe80::1",
  "nas.fx1.sovereign.example:2049",
  "s3a://weights.fx1.sovereign.example/m",
  "shf://weights.fx1.sovereign.example/m",
];

describe("host reading: profile check and CEL rule agree", () => {
  it.each(CHOSEN)("GIVEN %s WHEN read by both THEN they agree", (v) => {
    expect(celForeign(v)).toBe(tsForeign(v));
  });

  it.each(Object.keys(FOREIGN_SERVICE_SCHEMES))(
    "GIVEN the foreign-service scheme %s:// before an in-country name WHEN read by both THEN both refuse it (the CEL's scheme list is the profile's)",
    (scheme) => {
      const v = `${scheme}://weights.fx1.sovereign.example/m`;
      expect(tsForeign(v)).toBe(true);
      expect(celForeign(v)).toBe(true);
    },
  );

  it("GIVEN the residency-core pack's text WHEN its foreign-service scheme alternations are expanded THEN each lists exactly the profile's schemes", () => {
    // The test above tries every scheme of the TypeScript table; this one catches a scheme added
    // to the CEL alone (which the profile check would then accept and synth refuse).
    const text = readFileSync(join(policiesDir(), "residency-core.yaml"), "utf8");
    const lists = [...text.matchAll(/\(\?:((?:[a-z]+\??\|)+[a-z]+\??)\):\/\//g)].map((m) => m[1]!).filter((l) => l.split("|").includes("hf"));
    expect(lists.length).toBeGreaterThanOrEqual(2);
    const expand = (alt: string) => (alt.endsWith("?") ? [alt.slice(0, -1), alt.slice(0, -2)] : [alt]);
    for (const list of lists) expect(list.split("|").flatMap(expand).sort()).toEqual(Object.keys(FOREIGN_SERVICE_SCHEMES).sort());
  });

  it("GIVEN 300 random URLs of in-country and foreign parts WHEN read by both THEN they agree on every one", () => {
    const host = fc.oneof(
      fc.constantFrom("fx1.sovereign.example", "fx2.sovereign.example", "vendor.example.com", "sovereign.example"),
      fc.tuple(fc.constantFrom("w", "s3", "Api"), fc.constantFrom("fx1.sovereign.example", "evil.example")).map(([a, b]) => `${a}.${b}`),
      fc.tuple(fc.constantFrom(192, 198, 203, 10), fc.nat(255), fc.nat(255), fc.nat(255)).map((o) => o.join(".")),
      fc.nat(0xffffffff).map(String),
      fc.nat(0xffffffff).map((n) => `0x${n.toString(16)}`),
      fc.constantFrom("[2001:db8:10::9]", "[2001:db8:99::9]", "[::1]", "localhost", "cache"),
    );
    const url = fc.record({
      scheme: fc.constantFrom("https://", "http://", "s3://", "HTTP://", "", "hf://", "GS://", "az://", "abfss://"),
      user: fc.constantFrom("", "u@", "weights.fx1.sovereign.example@", "a:b@"),
      host,
      upper: fc.boolean(),
      dot: fc.boolean(),
      port: fc.constantFrom("", ":443", ":9000"),
      path: fc.constantFrom("/", "/m/x", ""),
    });
    fc.assert(
      fc.property(url, (u) => {
        let h = u.upper ? u.host.toUpperCase() : u.host;
        if (u.dot && !h.endsWith("]")) h += ".";
        const v = `${u.scheme}${u.user}${h}${u.port}${u.path}`;
        expect(celForeign(v), v).toBe(tsForeign(v));
      }),
      { numRuns: 300, seed: 11 },
    );
  });
});
