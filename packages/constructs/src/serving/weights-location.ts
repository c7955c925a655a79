import type { WeightsSpec } from "@sovereign/profile";

/** Where the weights live in S3-compatible storage, requested path-style: `<endpoint>/<bucket>/<prefix>/<file>`. */
export interface WeightsLocation {
  /** https://host[:port] of the object store, no trailing slash. */
  endpoint: string;
  bucket: string;
  /** Key prefix inside the bucket, no leading or trailing slash (may be empty). */
  prefix: string;
}

const URI = /^(s3|https):\/\/([^\s/]+)\/(.*)$/;

/**
 * Splits a profile's weights reference. With `endpoint`, `s3://bucket/prefix` names the bucket
 * and the key prefix on that endpoint. Without it (the older form) the URI's host is the endpoint
 * and the first path segment the bucket; an https:// URI is read the same way.
 */
export function weightsLocation(w: Pick<WeightsSpec, "uri" | "endpoint">): WeightsLocation {
  const m = URI.exec(w.uri);
  if (!m) throw new Error(`weights uri ${JSON.stringify(w.uri)} was not validated`);
  const [, scheme, host, rest] = m as unknown as [string, string, string, string];
  const trim = (s: string) => s.replace(/^\/+|\/+$/g, "");
  if (w.endpoint && scheme === "s3") {
    return { endpoint: w.endpoint.replace(/\/+$/, ""), bucket: host, prefix: trim(rest) };
  }
  const [bucket = "", ...prefix] = trim(rest).split("/");
  return { endpoint: `https://${host}`, bucket, prefix: prefix.join("/") };
}

/** The https URL of the weights (manifest directory or file), for annotations and messages. */
export function weightsUrl(l: WeightsLocation): string {
  return [l.endpoint, l.bucket, l.prefix].filter((s) => s !== "").join("/");
}
