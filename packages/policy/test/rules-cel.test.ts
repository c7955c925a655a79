// The residency policies' CEL against the kit's one copy of the naming and reference rules
// (@sovereign/diagnostics rules.ts), on the same table of cases: an image or host the offline
// checks accept is exactly one the admission policies admit, and the reverse.
import { hostInDomain, isPinnedImage, ruleCases } from "@sovereign/diagnostics";
import { uriHost } from "@sovereign/profile";
import { describe, expect, it } from "vitest";
import { jsonToCel } from "../src/cel/values.js";
import { evaluateRule, prepareObject } from "../src/evaluate.js";
import { FIXTURE_NOW, fixtureProfile } from "../src/fixtures.js";
import { loadPacks } from "../src/pack.js";
import { buildParams } from "../src/params.js";
import type { K8sObject } from "../src/types.js";

const { CASE_DOMAINS, CASE_REGISTRY, HOST_CASES, IMAGE_CASES } = ruleCases;
const profile = fixtureProfile();
const core = loadPacks(["residency-core"])[0]!;
const rule = (id: string) => core.rules.find((r) => r.id === id)!;

/**
 * Whether every given rule admits the object (no finding of any kind). The params are built
 * inside each test, not at import, so mutation testing credits the tests that use them.
 */
function admitted(ids: string[], obj: K8sObject): boolean {
  const params = jsonToCel(buildParams(profile, { now: FIXTURE_NOW }));
  return ids.every((id) => evaluateRule(rule(id), prepareObject(obj), params, []).length === 0);
}

const pod = (image: string, annotations: Record<string, string> = {}): K8sObject => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name: "p", namespace: "serving", annotations },
  spec: { containers: [{ name: "main", image }] },
});
const PINNED = `${CASE_REGISTRY}/x@sha256:${ruleCases.HEX64}`;

describe("residency CEL agrees with the kit's naming and reference rules", () => {
  it("GIVEN the fixture profile WHEN params are built THEN they carry the table's registry and domains", () => {
    expect(buildParams(profile).data.registry).toBe(CASE_REGISTRY);
    expect(buildParams(profile).data.domains!.split(",")).toEqual([...CASE_DOMAINS]);
  });

  it.each(IMAGE_CASES)(
    "GIVEN image %s WHEN admitted by image-in-country-registry and image-pinned-digest THEN admitted=%s, as isPinnedImage (%s)",
    (image, ok) => {
      expect(isPinnedImage(image, CASE_REGISTRY)).toBe(ok);
      expect(admitted(["image-in-country-registry", "image-pinned-digest"], pod(image))).toBe(ok);
    },
  );

  it.each(HOST_CASES)(
    "GIVEN host %s WHEN a weights URI and an Ingress use it THEN admitted=%s, as hostInDomain (%s)",
    (host, ok) => {
      expect(CASE_DOMAINS.some((d) => hostInDomain(host, d))).toBe(ok);
      // data-uri-in-country reads URL hosts as uriHost does (one trailing dot dropped, as URL
      // parsers do), so its verdict is hostInDomain's on that reading.
      const uri = `https://${host}/w/model.safetensors`;
      const weights = pod(PINNED, { "sovereign.ai/weights-uri": uri });
      expect(admitted(["data-uri-in-country"], weights)).toBe(CASE_DOMAINS.some((d) => hostInDomain(uriHost(uri), d)));
      const ingress: K8sObject = {
        apiVersion: "networking.k8s.io/v1",
        kind: "Ingress",
        metadata: { name: "i", namespace: "serving" },
        spec: { rules: [{ host }] },
      };
      expect(admitted(["ingress-hosts-in-country"], ingress)).toBe(ok);
    },
  );
});
