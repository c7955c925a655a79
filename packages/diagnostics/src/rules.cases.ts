/**
 * The specification of the naming and reference rules as a table of cases. The TypeScript
 * functions (rules.ts) and the residency policies' CEL are both tested against this one table,
 * so the offline checks and the in-cluster admission policies cannot drift apart.
 */

/** 64 lowercase hex characters: a well-formed sha256. */
export const HEX64 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/** The registry and domains the cases are written against (those of policies/fixtures/profile.yaml). */
export const CASE_REGISTRY = "registry.fx1.sovereign.example/ai";
export const CASE_DOMAINS = ["fx1.sovereign.example", "fx2.sovereign.example"] as const;

/** [image, accepted for CASE_REGISTRY, why] */
export const IMAGE_CASES: readonly (readonly [string, boolean, string])[] = [
  [`${CASE_REGISTRY}/inference-core@sha256:${HEX64}`, true, "in-country, pinned"],
  [`${CASE_REGISTRY}/team/sub/inference-core@sha256:${HEX64}`, true, "nested path"],
  [`${CASE_REGISTRY}/inference-core:1.4@sha256:${HEX64}`, true, "tag plus digest: the digest wins"],
  [`${CASE_REGISTRY}/inference-core:1.4`, false, "tag only"],
  [`${CASE_REGISTRY}/inference-core`, false, "neither tag nor digest"],
  [`${CASE_REGISTRY}/inference-core@sha256:${HEX64.toUpperCase()}`, false, "upper-case hex"],
  [`${CASE_REGISTRY}/inference-core@sha256:${HEX64.slice(1)}`, false, "63 hex characters"],
  [`${CASE_REGISTRY}/inference-core@sha256:${HEX64}0`, false, "65 hex characters"],
  [`${CASE_REGISTRY}/inference-core@sha512:${HEX64}${HEX64}`, false, "other algorithm"],
  [`${CASE_REGISTRY}/x@sha256:${HEX64}@sha256:${HEX64}`, false, "two digests"],
  [`${CASE_REGISTRY}x/inference-core@sha256:${HEX64}`, false, "registry path prefix without its slash boundary"],
  [`registry.fx1.sovereign.example.attacker.example/ai/x@sha256:${HEX64}`, false, "in-country host as a prefix of a foreign one"],
  [`REGISTRY.fx1.sovereign.example/ai/x@sha256:${HEX64}`, false, "registry case differs"],
  [`docker.io/library/busybox@sha256:${HEX64}`, false, "foreign registry, pinned"],
];

/** [host, in country for CASE_DOMAINS, why] */
export const HOST_CASES: readonly (readonly [string, boolean, string])[] = [
  ["fx1.sovereign.example", true, "the domain itself"],
  ["s3.fx1.sovereign.example", true, "one label below"],
  ["a.b.fx2.sovereign.example", true, "two labels below the second domain"],
  ["S3.FX1.Sovereign.Example", true, "case-insensitive"],
  ["xfx1.sovereign.example", false, "suffix without the dot boundary"],
  ["s3-fx1.sovereign.example", false, "suffix after a hyphen"],
  ["sovereign.example", false, "the parent of a domain"],
  ["fx1.sovereign.example.attacker.example", false, "in-country domain as a prefix"],
  ["s3.fx1.sovereign.example.", false, "trailing dot (compared verbatim, as in the cluster)"],
  ["fx3.sovereign.example", false, "a sibling domain"],
];

/** [name, RFC 1123 label] */
export const LABEL_CASES: readonly (readonly [string, boolean])[] = [
  ["a", true],
  ["a-b", true],
  ["0a9", true],
  ["a".repeat(63), true],
  ["a".repeat(64), false],
  ["-a", false],
  ["a-", false],
  ["A", false],
  ["a.b", false],
  ["a_b", false],
  ["", false],
];

/** [name, RFC 1123 subdomain (Kubernetes object name)] */
export const SUBDOMAIN_CASES: readonly (readonly [string, boolean])[] = [
  ["a", true],
  ["a.b-c.d", true],
  [`${"a".repeat(63)}.${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(61)}`, true],
  [`${"a".repeat(63)}.${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(62)}`, false],
  ["a..b", false],
  [".a", false],
  ["a.", false],
  ["a.-b", false],
  ["A.b", false],
  ["", false],
];

/** [name, DNS name with at least two labels (an in-country domain)] */
export const DNS_NAME_CASES: readonly (readonly [string, boolean])[] = [
  ["bkk1.sovereign.example", true],
  ["a.b", true],
  ["localhost", false],
  ["bkk1.sovereign.example.", false],
  ["Bkk1.sovereign.example", false],
  ["bkk1..example", false],
  [`${"a".repeat(63)}.${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(61)}`, true],
  [`${"a".repeat(63)}.${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(62)}`, false],
];
