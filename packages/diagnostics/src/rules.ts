/**
 * The kit's naming and reference rules, in one place. The profile checks, the construct prop
 * checks, the gate Job and the residency policies' CEL all apply these; the CEL side is tested
 * against the functions here on one shared table of cases (packages/policy/test/rules-cel.test.ts).
 */
import type { DocPath, Issue } from "./issue.js";

/** RFC 1123 label: 1-63 of [a-z0-9-], starting and ending alphanumeric. */
export const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
/** RFC 1123 subdomain (Kubernetes object names): dot-separated labels; length checked separately. */
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** True when `s` is an RFC 1123 subdomain of at most 253 characters: a Kubernetes object name. */
export function isDnsSubdomain(s: string): boolean {
  return s.length <= 253 && DNS_SUBDOMAIN.test(s);
}

/** True when `s` is an RFC 1123 label: the form of Kubernetes object and namespace names. */
export function isDnsLabel(s: string): boolean {
  return DNS_LABEL.test(s);
}

/**
 * True when `s` is a DNS name with at least two labels (`bkk1.sovereign.example`), each an
 * RFC 1123 label, at most 253 characters, no trailing dot: the form of in-country domains.
 */
export function isDnsName(s: string): boolean {
  return s.length <= 253 && s.includes(".") && s.split(".").every((l) => DNS_LABEL.test(l));
}

/**
 * True when `host` is `domain` or a subdomain of it: `a.bkk1.example` is under `bkk1.example`,
 * `xbkk1.example` is not (the match is on a label boundary). Case-insensitive. A trailing dot
 * on the host is NOT stripped: the admission policies compare URL host names verbatim, so a
 * host written `h.example.` is refused offline exactly as it would be in the cluster.
 */
export function hostInDomain(host: string, domain: string): boolean {
  const h = host.toLowerCase();
  const d = domain.toLowerCase();
  return d !== "" && (h === d || h.endsWith(`.${d}`));
}

/** Host of a URL-like string (`https://h:443/p`, `s3://h/p`, `h/p`), lower case, without port. */
export function hostOf(uri: string): string {
  return uri
    .replace(/^[a-z0-9+.-]+:\/\//i, "")
    .split(/[/:?]/)[0]!
    .toLowerCase();
}

/** `<repository>@sha256:<digest>`: a reference pinned by digest (the hex is checked separately). */
const DIGEST_REF = /^(?<repo>[^@\s]+)@sha256:(?<hex>[^\s]*)$/;
const SHA256_HEX = /^[0-9a-f]{64}$/;

/** The sha256 hex an image is pinned to, or undefined when it is not pinned by a valid digest. */
export function pinnedDigest(image: string): string | undefined {
  const hex = DIGEST_REF.exec(image)?.groups!.hex;
  return hex !== undefined && SHA256_HEX.test(hex) ? hex : undefined;
}

/** `registry` without a trailing slash, then `/`: what every in-country image starts with. */
export function registryPrefix(registry: string): string {
  return `${registry.replace(/\/$/, "")}/`;
}

/**
 * Checks an image reference against the registry rule `<registry>/<path>@sha256:<64 hex>`:
 * from the in-country registry (`image.registry`) and pinned by a full lowercase sha256
 * (`image.not_pinned`, `image.bad_digest`). Empty when the image is acceptable.
 */
export function checkImageRef(image: string, registry: string, path: DocPath): Issue[] {
  const m = DIGEST_REF.exec(image);
  const prefix = registryPrefix(registry);
  const out: Issue[] = [];
  if (!image.startsWith(prefix)) {
    out.push({
      code: "image.registry",
      path,
      message: `image ${JSON.stringify(image)} is not from the in-country registry ${JSON.stringify(registry)}`,
      hint: `mirror it and reference it as ${prefix}<name>@sha256:<digest>`,
    });
  }
  if (!m) {
    out.push({
      code: "image.not_pinned",
      path,
      message: `image ${JSON.stringify(image)} is not pinned by digest (tags can be moved)`,
      hint: "append @sha256:<64 hex> (e.g. from `crane digest <ref>` or `skopeo inspect`)",
    });
  } else if (!SHA256_HEX.test(m.groups!.hex!)) {
    out.push({
      code: "image.bad_digest",
      path,
      message: `image digest ${JSON.stringify(`sha256:${m.groups!.hex}`)} is not 64 lowercase hex characters`,
      hint: "copy the full sha256 digest of the mirrored image",
    });
  }
  return out;
}

/** True when `image` passes {@link checkImageRef} for `registry`. */
export function isPinnedImage(image: string, registry: string): boolean {
  return checkImageRef(image, registry, []).length === 0;
}
