/** IPv4/IPv6 CIDR validation without dependencies: the profile must be checkable offline. */

import { hostInDomain, hostOf } from "@sovereign/diagnostics";

function ipv4Bytes(s: string): number[] | null {
  const parts = s.split(".");
  if (parts.length !== 4) return null;
  const out: number[] = [];
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || (p.length > 1 && p.startsWith("0"))) return null;
    const n = Number(p);
    if (n > 255) return null;
    out.push(n);
  }
  return out;
}

function ipv6Bytes(s: string): number[] | null {
  if (!/^[0-9a-fA-F:.]+$/.test(s)) return null;
  const dbl = s.split("::");
  if (dbl.length > 2) return null;
  const parseGroups = (part: string): number[] | null => {
    if (part === "") return [];
    const out: number[] = [];
    const groups = part.split(":");
    for (const [i, g] of groups.entries()) {
      if (i === groups.length - 1 && g.includes(".")) {
        const v4 = ipv4Bytes(g);
        if (!v4) return null;
        out.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
        out.push(Number.parseInt(g, 16));
      }
    }
    return out;
  };
  const head = parseGroups(dbl[0]!);
  const tail = dbl.length === 2 ? parseGroups(dbl[1]!) : [];
  if (!head || !tail) return null;
  let groups: number[];
  if (dbl.length === 2) {
    if (head.length + tail.length > 7) return null;
    groups = [...head, ...new Array(8 - head.length - tail.length).fill(0), ...tail];
  } else {
    if (head.length !== 8) return null;
    groups = head;
  }
  return groups.flatMap((g) => [g >> 8, g & 0xff]);
}

/** Address bytes (4 or 16) or null when not an IP address. */
export function parseIp(s: string): number[] | null {
  return s.includes(":") ? ipv6Bytes(s) : ipv4Bytes(s);
}

export interface Cidr {
  bytes: number[];
  prefix: number;
}

/** Parses `a.b.c.d/n` or `v6/n`; null when malformed. Host bits may be set (as NetworkPolicy allows). */
export function parseCidr(s: string): Cidr | null {
  const slash = s.indexOf("/");
  if (slash < 0) return null;
  const bytes = parseIp(s.slice(0, slash));
  const pfx = s.slice(slash + 1);
  if (!bytes || !/^\d{1,3}$/.test(pfx)) return null;
  const prefix = Number(pfx);
  if (prefix > bytes.length * 8) return null;
  return { bytes, prefix };
}

/** True when `inner` lies entirely inside `outer` (same family). */
export function cidrContains(outer: Cidr, inner: Cidr): boolean {
  if (outer.bytes.length !== inner.bytes.length || inner.prefix < outer.prefix) return false;
  for (let bit = 0; bit < outer.prefix; bit++) {
    const byte = bit >> 3;
    const mask = 0x80 >> (bit & 7);
    if ((outer.bytes[byte]! & mask) !== (inner.bytes[byte]! & mask)) return false;
  }
  return true;
}

// Host and name rules (isDnsName, hostInDomain, hostOf) live in @sovereign/diagnostics; re-exported
// here for the profile's own callers.
export { hostInDomain, hostOf, isDnsName } from "@sovereign/diagnostics";

/**
 * The in-country DNS suffixes of a profile: every site's `domains`, or, when no site declares
 * any, the registry's and the KMS's hosts. One rule for `validate`, the constructs and the
 * residency params, so the profile check and the policies never disagree on what is in-country.
 */
export function inCountryDomains(profile: {
  spec: { registry: string; kms: { endpoint: string }; sites: { domains?: string[] }[] };
}): string[] {
  const declared = profile.spec.sites.flatMap((x) => x.domains ?? []);
  if (declared.length > 0) return [...new Set(declared)];
  return [...new Set([hostOf(`https://${profile.spec.registry}`), hostOf(profile.spec.kms.endpoint)])];
}

/**
 * Services whose URI schemes name no host of their own and always resolve abroad: the residency
 * policies (residency-core, `foreign` variable) refuse these URIs whatever follows the scheme.
 * `s3://` is not among them: it names a bucket on an endpoint configured beside it.
 */
export const FOREIGN_SERVICE_SCHEMES: Readonly<Record<string, string>> = {
  hf: "the Hugging Face Hub",
  gs: "Google Cloud Storage",
  gcs: "Google Cloud Storage",
  az: "Azure Storage",
  abfs: "Azure Storage",
  abfss: "Azure Storage",
  wasb: "Azure Storage",
  wasbs: "Azure Storage",
  adl: "Azure Storage",
};

/** The service a value's URI scheme always reaches abroad (`hf://org/model`), else undefined. */
export function foreignService(value: string): string | undefined {
  const m = /^([a-z][a-z0-9+.-]*):\/\//i.exec(value.trim());
  return m ? FOREIGN_SERVICE_SCHEMES[m[1]!.toLowerCase()] : undefined;
}

/**
 * The host a URL-like value names, read the way the residency policies read it (and URL parsers
 * do): scheme and any slashes or backslashes after it dropped, user information dropped, port
 * dropped, IPv6 brackets removed, lower case, one trailing dot removed. `s3://h/p`, `h:443` and
 * `https://u@H./p` all name `h`.
 */
export function uriHost(value: string): string {
  let a = value.trim().replace(/^((https?|wss?|ftps?|file):[/\\]*|[a-z][a-z0-9+.-]*:\/\/)/i, "");
  a = a.split(/[/\\?#\s]/)[0] ?? "";
  if (a.includes("@")) a = a.slice(a.lastIndexOf("@") + 1);
  // Brackets hold an IPv6 address; without them, two or more colons are a bare IPv6 address (an
  // NFS server is written so) and one colon separates the port.
  if (a.startsWith("[") && a.includes("]")) a = a.slice(1, a.indexOf("]"));
  else if (a.indexOf(":") === a.lastIndexOf(":")) a = a.split(":")[0] ?? "";
  a = a.toLowerCase();
  return a.endsWith(".") ? a.slice(0, -1) : a;
}

const IN_CLUSTER_SUFFIXES = ["svc", "svc.cluster.local", "cluster.local"];

/**
 * True when a normalized host is in-country by the residency rule (the CEL in
 * policies/residency-core.yaml, `foreign` variable, says the same; a test compares them): empty or
 * localhost; an IP address (any host ending in a number is one, as the URL standard reads
 * decimal, octal and hex forms) only when written canonically and loopback, unspecified or
 * inside `cidrs`; a DNS name when it is a single label (an in-cluster service), under an
 * in-cluster suffix, or under one of `domains`.
 */
export function hostInCountry(host: string, ctx: { domains: readonly string[]; cidrs: readonly string[] }): boolean {
  const h = host;
  if (h === "" || h === "localhost") return true;
  if (h.includes(":") || /(^|\.)(0x[0-9a-f]*|[0-9]+)$/.test(h)) {
    const b = h.includes(":") && h.includes(".") ? null : parseIp(h);
    if (!b) return false;
    if (b.every((x) => x === 0)) return true;
    if (b.length === 4 ? b[0] === 127 : b.slice(0, 15).every((x) => x === 0) && b[15] === 1) return true;
    const me: Cidr = { bytes: b, prefix: b.length * 8 };
    return ctx.cidrs.some((c) => {
      const net = parseCidr(c);
      return net !== null && cidrContains(net, me);
    });
  }
  if (!/^[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*$/.test(h)) return false;
  return (
    !h.includes(".") ||
    IN_CLUSTER_SUFFIXES.some((s) => h.endsWith(`.${s}`)) ||
    ctx.domains.some((d) => hostInDomain(h, d))
  );
}
