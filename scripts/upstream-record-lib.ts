// The shared part of the upstream recorders (scripts/record-upstream-*.ts): read a file of a
// pinned tag from a git directory, keep the structure of a CRD schema, record a chart's value keys,
// and record a fact only if the value is really in the file at the tag.
import { execFileSync } from "node:child_process";
import { parse } from "yaml";

export type Schema = Record<string, unknown>;

export const git = (dir: string, ...args: string[]) =>
  execFileSync("git", ["--git-dir", dir, ...args], { encoding: "utf8", maxBuffer: 64 << 20 });

const KEEP = new Set([
  "type",
  "properties",
  "items",
  "required",
  "enum",
  "minimum",
  "maximum",
  "minLength",
  "maxLength",
  "minItems",
  "maxItems",
  "pattern",
  "format",
  "additionalProperties",
  "x-kubernetes-int-or-string",
  "x-kubernetes-preserve-unknown-fields",
  "anyOf",
]);

export function prune(s: Schema, cut: (path: string[]) => Schema | undefined, path: string[] = []): Schema {
  const replaced = cut(path);
  if (replaced) return replaced;
  const out: Schema = {};
  for (const [k, v] of Object.entries(s)) {
    if (!KEEP.has(k)) continue;
    if (k === "properties") {
      out[k] = Object.fromEntries(
        Object.entries(v as Record<string, Schema>).map(([p, sub]) => [p, prune(sub, cut, [...path, p])]),
      );
    } else if (k === "items" || (k === "additionalProperties" && typeof v === "object")) {
      out[k] = prune(v as Schema, cut, [...path, k === "items" ? "[]" : "{}"]);
    } else if (k === "anyOf") {
      out[k] = (v as Schema[]).map((x) => prune(x, cut, path));
    } else out[k] = v;
  }
  return out;
}

export interface CrdSpec {
  file: string;
  version: string;
  /** Subtrees replaced by a marker, keyed by dotted path. */
  embedded?: Record<string, string>;
}

export function recordCrd(dir: string, tag: string, c: CrdSpec) {
  const crd = parse(git(dir, "show", `${tag}:${c.file}`)) as {
    spec: {
      group: string;
      names: { kind: string; plural: string };
      scope: string;
      versions: { name: string; served: boolean; storage: boolean; schema: { openAPIV3Schema: Schema } }[];
    };
  };
  const v = crd.spec.versions.find((x) => x.name === c.version);
  if (!v) throw new Error(`${c.file}@${tag} has no version ${c.version}`);
  const cut = (path: string[]): Schema | undefined => {
    const key = path.join(".");
    const emb = c.embedded?.[key];
    return emb ? { type: "object", "x-sovereign-embedded": emb } : undefined;
  };
  const root = v.schema.openAPIV3Schema as { properties: Record<string, Schema> };
  const { status: _status, ...props } = root.properties;
  return {
    kind: crd.spec.names.kind,
    group: crd.spec.group,
    version: c.version,
    plural: crd.spec.names.plural,
    scope: crd.spec.scope,
    served: v.served,
    storage: v.storage,
    servedVersions: crd.spec.versions.filter((x) => x.served).map((x) => x.name),
    source: { path: c.file, blob: git(dir, "rev-parse", `${tag}:${c.file}`).trim() },
    schema: prune({ ...root, properties: props }, cut),
  };
}

/** Every dotted key path of a values file (maps only; lists and scalars are leaves). */
export function valueKeys(values: unknown, prefix = ""): string[] {
  if (values === null || typeof values !== "object" || Array.isArray(values)) return [prefix];
  const entries = Object.entries(values as Record<string, unknown>);
  if (entries.length === 0) return [prefix];
  return entries.flatMap(([k, v]) => valueKeys(v, prefix ? `${prefix}.${k}` : k));
}

export function recordChart(dir: string, tag: string, chartDir: string) {
  const chart = parse(git(dir, "show", `${tag}:${chartDir}/Chart.yaml`)) as Record<string, string>;
  const valuesPath = `${chartDir}/values.yaml`;
  return {
    name: chart.name,
    version: chart.version,
    appVersion: chart.appVersion ?? null,
    values: { path: valuesPath, blob: git(dir, "rev-parse", `${tag}:${valuesPath}`).trim() },
    valueKeys: valueKeys(parse(git(dir, "show", `${tag}:${valuesPath}`))).sort(),
  };
}

/**
 * A fact the kit relies on that is not in a schema: the value, and the file it was read from. The
 * value must appear in that file at the tag (a typo or an upstream change stops the script).
 */
export function fact(dir: string, tag: string, path: string, value: string | number, needle = String(value)) {
  if (!git(dir, "show", `${tag}:${path}`).includes(needle)) {
    throw new Error(`${path}@${tag} does not contain ${JSON.stringify(needle)}`);
  }
  return { value, source: path };
}

