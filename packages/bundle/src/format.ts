import { gzipSync } from "node:zlib";

/**
 * The bundle format (see docs/bundle.md). An OCI image layout with three more files at its root
 * that make it verifiable without a registry:
 *
 *   oci-layout, index.json, blobs/sha256/<hex>   OCI image layout 1.0
 *   checksums.sha256                             `sha256sum -c` list of every file above, sorted
 *   bundle.json                                  small manifest committing to checksums.sha256
 *   bundle.json.sig                              base64 DER ECDSA P-256/SHA-256 over bundle.json
 */

export const CHECKSUMS_FILE = "checksums.sha256";
export const MANIFEST_FILE = "bundle.json";
export const SIGNATURE_FILE = "bundle.json.sig";
/** Files the checksum list cannot contain (they commit to it). */
export const CONTROL_FILES = [CHECKSUMS_FILE, MANIFEST_FILE, SIGNATURE_FILE] as const;

export const MEDIA = {
  index: "application/vnd.oci.image.index.v1+json",
  manifest: "application/vnd.oci.image.manifest.v1+json",
  artifact: "application/vnd.sovereign.bundle.v1",
  config: "application/vnd.sovereign.bundle.config.v1+json",
  /** A text file, gzip-compressed; its own type is in the `io.sovereign.content-type` annotation. */
  file: "application/vnd.sovereign.file.v1+gzip",
  chart: "application/vnd.cncf.helm.chart.content.v1.tar+gzip",
  /** Raw, uncompressed bytes: the blob digest is the file's own sha256. */
  weights: "application/vnd.sovereign.model.weights.v1",
  dataset: "application/vnd.sovereign.dataset.v1",
} as const;

export const ANNOTATION = {
  title: "org.opencontainers.image.title",
  created: "org.opencontainers.image.created",
  refName: "org.opencontainers.image.ref.name",
  kind: "io.sovereign.kind",
  contentType: "io.sovereign.content-type",
  contentDigest: "io.sovereign.content.digest",
} as const;

/** What a layer is, for `inspect` and for consumers that pick content by kind. */
export type ItemKind =
  | "profile"
  | "synth"
  | "chart"
  | "policy"
  | "recipe"
  | "training"
  | "runbook"
  | "dashboard"
  | "alert-rules"
  | "images"
  | "terraform"
  | "sbom"
  | "weights"
  | "dataset";

/** The signed manifest (`bundle.json`). Field names are a public contract. */
export interface BundleManifest {
  apiVersion: "sovereign.ai/v1alpha1";
  kind: "BundleManifest";
  /** Lowercase ISO 3166-1 alpha-2 code of the country the bundle is for (`verify --country`). */
  country: string;
  /** Creation time, RFC 3339 UTC (`verify --not-before`). */
  created: string;
  /** Version of the kit that packed it. */
  kitVersion: string;
  /**
   * Bundle sequence number, increasing with every release for a country (`verify --min-sequence`
   * refuses a rollback to an older bundle).
   */
  sequence: number;
  /** The checksum list this manifest commits to. */
  checksums: { path: typeof CHECKSUMS_FILE; sha256: string; files: number; bytes: number };
  /** The OCI index, repeated for tools that only read the manifest. */
  index: { path: "index.json"; sha256: string };
  signature: {
    algorithm: "ecdsa-p256-sha256";
    encoding: "base64-der";
    keyId: string;
    path: typeof SIGNATURE_FILE;
  };
}

/**
 * gzip without a file name and with mtime 0 (Node writes neither), at a fixed level: the same
 * bytes in give the same bytes out on the same zlib.
 */
export function gzipDeterministic(data: Uint8Array): Buffer {
  return gzipSync(data, { level: 9 });
}

/** Canonical JSON text: two-space indent, trailing newline. Object key order is the writer's. */
export function jsonText(value: unknown): Buffer {
  return Buffer.from(`${JSON.stringify(value, null, 2)}\n`);
}
