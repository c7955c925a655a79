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
  it("GIVEN each way an image can be wrong WHEN checked THEN the message names the image or digest and the hint gives the fix", () => {
    expect(checkImageRef("docker.io/x:1", `${CASE_REGISTRY}/`, ["spec", "image"])).toEqual([
      {
        code: "image.registry",
        path: ["spec", "image"],
        message: `image "docker.io/x:1" is not from the in-country registry "${CASE_REGISTRY}/"`,
        hint: `mirror it and reference it as ${CASE_REGISTRY}/<name>@sha256:<digest>`,
      },
      {
        code: "image.not_pinned",
        path: ["spec", "image"],
        message: 'image "docker.io/x:1" is not pinned by digest (tags can be moved)',
        hint: "append @sha256:<64 hex> (e.g. from `crane digest <ref>` or `skopeo inspect`)",
      },
    ]);
    expect(checkImageRef(`${CASE_REGISTRY}/x@sha256:ABC`, CASE_REGISTRY, ["m", 0])).toEqual([
      {
        code: "image.bad_digest",
        path: ["m", 0],
        message: 'image digest "sha256:ABC" is not 64 lowercase hex characters',
        hint: "copy the full sha256 digest of the mirrored image",
      },
    ]);
  });

  it("GIVEN references with whitespace WHEN checked THEN they are not pinned (a reference has no spaces), and a digest with a space is no digest", () => {
    expect(checkImageRef(`${CASE_REGISTRY}/x y@sha256:${HEX64}`, CASE_REGISTRY, []).map((i) => i.code)).toEqual(["image.not_pinned"]);
    expect(checkImageRef(`${CASE_REGISTRY}/x@sha256:${HEX64} `, CASE_REGISTRY, []).map((i) => i.code)).toEqual(["image.not_pinned"]);
    expect(checkImageRef(`${CASE_REGISTRY}/x@sha256:`, CASE_REGISTRY, []).map((i) => i.code)).toEqual(["image.bad_digest"]);
    expect(checkImageRef(`@sha256:${HEX64}`, "", []).map((i) => i.code)).toEqual(["image.registry", "image.not_pinned"]);
    expect(pinnedDigest(`r.example/x @sha256:${HEX64}`)).toBeUndefined();
    expect(pinnedDigest(`r.example/x@sha256:${HEX64}\n`)).toBeUndefined();
    expect(pinnedDigest(`@sha256:${HEX64}`)).toBeUndefined();
    expect(pinnedDigest(`r.example/x@sha256:${HEX64}x`)).toBeUndefined();
    expect(pinnedDigest(`xr.example/x@sha256:${HEX64}`)).toBe(HEX64);
  });

  it("GIVEN schemes with digits, plus, dot and hyphen, upper case, a query right after the host, and a URL inside the path WHEN taking the host THEN only the leading scheme is dropped", () => {
    expect(hostOf("git+ssh://Git.Fx1.Example/repo")).toBe("git.fx1.example");
    expect(hostOf("x-y.z2://h.fx1.example:1/p")).toBe("h.fx1.example");
    expect(hostOf("HTTPS://h.fx1.example")).toBe("h.fx1.example");
    expect(hostOf("https://h.fx1.example?x=1")).toBe("h.fx1.example");
    expect(hostOf("h.fx1.example/r?u=https://other.example")).toBe("h.fx1.example");
    expect(hostOf("s3:/h.fx1.example/p")).toBe("s3");
    expect(hostOf("://h.fx1.example/p")).toBe("");
  });

  it("GIVEN a registry with several trailing slashes or none WHEN prefixing THEN only one trailing slash is dropped before the separator is added", () => {
    expect(registryPrefix("r.example/ai//")).toBe("r.example/ai//");
    expect(registryPrefix("r.example")).toBe("r.example/");
  });

  it("GIVEN names at and past 253 characters WHEN checked THEN object names and domains end at 253", () => {
    const at253 = `${"a".repeat(63)}.${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(61)}`;
    expect(at253).toHaveLength(253);
    expect([isDnsSubdomain(at253), isDnsName(at253)]).toEqual([true, true]);
    expect([isDnsSubdomain(`${at253}d`), isDnsName(`${at253}d`)]).toEqual([false, false]);
    expect(isDnsName("a.b.")).toBe(false);
    expect(isDnsName("a.-b")).toBe(false);
    expect(isDnsLabel("a--b")).toBe(true);
  });

  it("GIVEN a host equal to the domain in another case, or the domain with a leading dot WHEN matched THEN in the domain; a host that only contains it THEN not", () => {
    expect(hostInDomain("FX1.Sovereign.Example", "fx1.sovereign.example")).toBe(true);
    expect(hostInDomain("a.fx1.sovereign.example", "FX1.SOVEREIGN.EXAMPLE")).toBe(true);
    expect(hostInDomain("fx1.sovereign.example.evil", "fx1.sovereign.example")).toBe(false);
    expect(hostInDomain("", "fx1.sovereign.example")).toBe(false);
    expect(hostInDomain("", "")).toBe(false);
  });
});
