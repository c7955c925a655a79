import { describe, expect, it } from "vitest";
import {
  checkImageRef,
  hostInDomain,
  hostOf,
  isDnsLabel,
  isDnsName,
  isDnsSubdomain,
  isPinnedImage,
  pinnedDigest,
  registryPrefix,
  ruleCases,
} from "../src/index.js";

const { CASE_DOMAINS, CASE_REGISTRY, DNS_NAME_CASES, HEX64, HOST_CASES, IMAGE_CASES, LABEL_CASES, SUBDOMAIN_CASES } =
  ruleCases;

describe("naming and reference rules (the one copy)", () => {
  it.each(IMAGE_CASES)("GIVEN image %s WHEN checked against the registry THEN accepted=%s (%s)", (image, ok) => {
    expect(isPinnedImage(image, CASE_REGISTRY)).toBe(ok);
    expect(checkImageRef(image, CASE_REGISTRY, ["x"]).length === 0).toBe(ok);
  });

  it.each(HOST_CASES)("GIVEN host %s WHEN matched against the domains THEN in-country=%s (%s)", (host, ok) => {
    expect(CASE_DOMAINS.some((d) => hostInDomain(host, d))).toBe(ok);
  });

  it.each(LABEL_CASES)("GIVEN %j WHEN checked as an RFC 1123 label THEN %s", (name, ok) => {
    expect(isDnsLabel(name)).toBe(ok);
  });

  it.each(SUBDOMAIN_CASES)("GIVEN %j WHEN checked as an object name THEN %s", (name, ok) => {
    expect(isDnsSubdomain(name)).toBe(ok);
  });

  it.each(DNS_NAME_CASES)("GIVEN %j WHEN checked as a domain THEN %s", (name, ok) => {
    expect(isDnsName(name)).toBe(ok);
  });

  it("GIVEN each way an image can be wrong WHEN checked THEN each has its own code, path and fix", () => {
    const codes = (image: string) => checkImageRef(image, `${CASE_REGISTRY}/`, ["spec", "image"]).map((i) => i.code);
    expect(codes(`docker.io/x:1`)).toEqual(["image.registry", "image.not_pinned"]);
    expect(codes(`${CASE_REGISTRY}/x@sha256:ABC`)).toEqual(["image.bad_digest"]);
    expect(codes(`${CASE_REGISTRY}/x@sha256:${HEX64}`)).toEqual([]);
    const [issue] = checkImageRef("docker.io/x:1", CASE_REGISTRY, ["spec", "image"]);
    expect(issue).toMatchObject({ path: ["spec", "image"], hint: `mirror it and reference it as ${CASE_REGISTRY}/<name>@sha256:<digest>` });
  });

  it("GIVEN a registry with or without a trailing slash WHEN prefixing THEN one slash", () => {
    expect(registryPrefix("r.example/ai/")).toBe("r.example/ai/");
    expect(registryPrefix("r.example/ai")).toBe("r.example/ai/");
  });

  it("GIVEN pinned and unpinned images WHEN asking for the digest THEN the hex or undefined", () => {
    expect(pinnedDigest(`r.example/x@sha256:${HEX64}`)).toBe(HEX64);
    expect(pinnedDigest(`r.example/x@sha256:${HEX64.slice(2)}`)).toBeUndefined();
    expect(pinnedDigest("r.example/x:1")).toBeUndefined();
  });

  it("GIVEN URL-like strings WHEN taking the host THEN scheme, port, path and case are dropped", () => {
    expect(hostOf("https://KMS.fx1.example:8443/v1?x=1")).toBe("kms.fx1.example");
    expect(hostOf("s3://bucket.fx1.example/p")).toBe("bucket.fx1.example");
    expect(hostOf("registry.fx1.example/ai")).toBe("registry.fx1.example");
    expect(hostInDomain("a.example", "")).toBe(false);
  });
});
