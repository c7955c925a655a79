import { readFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "@sovereign/profile";

/**
 * The upstream facts the training stack relies on, recorded as data from the pinned tags
 * (upstream/*.json, written by scripts/record-upstream-training.ts): chart
 * version and values keys, CRD schemas without prose, and single facts with their source file.
 */
export interface UpstreamRecord {
  component: string;
  repository: string;
  tag: string;
  commit: string;
  chart: { name: string; version: string; appVersion: string | null; valueKeys: string[] };
  facts: Record<string, { value: string | number; source: string }>;
  crds: {
    kind: string;
    group: string;
    version: string;
    plural: string;
    scope: "Cluster" | "Namespaced";
    source: { path: string; blob: string };
    schema: Record<string, unknown>;
  }[];
}

function load(file: string): UpstreamRecord {
  return loadUpstream<UpstreamRecord>(file);
}

/** One record of `upstream/`, as written by its recorder script. */
export function loadUpstream<T>(file: string): T {
  return JSON.parse(readFileSync(join(repoRoot(), "upstream", file), "utf8")) as T;
}

/** Kueue v0.19.2: ResourceFlavor, ClusterQueue, LocalQueue (kueue.x-k8s.io/v1beta2). */
export const KUEUE: UpstreamRecord = load("kueue-v0.19.2.json");
/** JobSet v0.12.0: JobSet (jobset.x-k8s.io/v1alpha2). */
export const JOBSET: UpstreamRecord = load("jobset-v0.12.0.json");

/** apiVersion of a recorded kind, e.g. `kueue.x-k8s.io/v1beta2` for ClusterQueue. */
export function apiVersionOf(record: UpstreamRecord, kind: string): string {
  const crd = record.crds.find((c) => c.kind === kind);
  if (!crd) throw new Error(`${record.component} ${record.tag} records no kind ${kind}`);
  return `${crd.group}/${crd.version}`;
}

/** A recorded fact's value (throws on a name the record lacks: a bug, not input). */
export function fact(record: UpstreamRecord, name: string): string | number {
  const f = record.facts[name];
  if (!f) throw new Error(`${record.component} ${record.tag} records no fact ${name}`);
  return f.value;
}

/**
 * Dotted key paths of a values object, the form the record lists (maps recurse; lists, strings
 * and numbers are leaves). A test checks every key the kit sets is in the chart's record.
 */
export function valueKeyPaths(values: unknown, prefix = ""): string[] {
  if (values === null || typeof values !== "object" || Array.isArray(values)) return [prefix];
  return Object.entries(values as Record<string, unknown>).flatMap(([k, v]) =>
    valueKeyPaths(v, prefix ? `${prefix}.${k}` : k),
  );
}

/**
 * Splits an in-country `<repo>@sha256:<hex>` into the chart's repository and tag fields. Both
 * charts build `<repository>:<tag>`, so the tag carries `<version>@sha256:<hex>`: the digest is
 * what the runtime pulls, the version only reads well in `kubectl describe`.
 */
export function imageValues(ref: string, version: string): { repository: string; tag: string } {
  const at = ref.indexOf("@");
  return { repository: ref.slice(0, at), tag: `${version}${ref.slice(at)}` };
}
