import type { DocPath, Issue } from "@sovereign/diagnostics";
import type { WeightsSpec } from "./schema.js";

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

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const PREFIX = /^([A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*)?$/;

/** The bucket follows S3 naming and the prefix is plain path segments (what the fetch script accepts). */
export function checkWeightsLocation(w: Pick<WeightsSpec, "uri" | "endpoint">, path: DocPath): Issue[] {
  const l = weightsLocation(w);
  const out: Issue[] = [];
  if (!BUCKET.test(l.bucket)) {
    out.push({
      code: "weights.bucket",
      path,
      message: `bucket ${JSON.stringify(l.bucket)} of ${w.uri} is not an S3 bucket name (3-63 of a-z, 0-9, '.', '-')`,
      hint: w.endpoint
        ? "write uri as s3://<bucket>/<prefix>"
        : "declare weights.endpoint and write uri as s3://<bucket>/<prefix>",
    });
  }
  if (!PREFIX.test(l.prefix)) {
    out.push({
      code: "weights.prefix",
      path,
      message: `key prefix ${JSON.stringify(l.prefix)} of ${w.uri} has characters outside [A-Za-z0-9._/-] or empty segments`,
      hint: "use a prefix like models/r1-distill-qwen-14b",
    });
  }
  return out;
}
