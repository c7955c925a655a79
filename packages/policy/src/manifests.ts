import {
  InputError,
  type Issue,
  printable,
  readInputFile,
  structureIssues,
  toJsBounded,
} from "@sovereign/diagnostics";
import { LineCounter, type Node, parseAllDocuments } from "yaml";
import type { K8sObject, SynthObject } from "./types.js";

/**
 * How deep `*List` objects may nest inside each other. kubectl flattens lists of lists; none
 * is ever deeper than a couple of levels.
 */
const MAX_LIST_NESTING = 8;

/**
 * Reads integrators' own manifests (multi-document YAML or JSON) the way kubectl and the API
 * server would see them, so the offline check judges the same objects the cluster admits:
 *
 * - YAML 1.1 merge keys (`<<: *anchor`) are expanded, explicit keys winning over merged ones, as
 *   sigs.k8s.io/yaml (go-yaml v2) does; a `<<` whose value is not a map is refused, as there;
 * - any object whose `items` is a list is a list (kubectl's flattening uses the unstructured
 *   `IsList` test: an `items` array), so `kind: List`, `DeploymentList` and the like are
 *   expanded, nested lists too;
 * - each file is read once, regular files only, at most `limit` bytes; aliases, nesting depth and
 *   duplicate keys are bounded and reported with their location (exit 2).
 *
 * `stack` is the file, `address` is `<file>#<document index>` (`#<doc>.<item>` inside a list).
 */
export function loadManifests(files: readonly string[], o: { limit?: number } = {}): SynthObject[] {
  const out: SynthObject[] = [];
  const issues: Issue[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = readInputFile(file, { limit: o.limit, what: "manifest" }).bytes.toString("utf8");
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      issues.push(...e.issues.map((i) => ({ ...i, hint: `${i.hint ?? ""} (--manifest)`.trim() })));
      continue;
    }
    const lc = new LineCounter();
    const pos = (offset: number) => {
      const p = lc.linePos(offset);
      return { line: p.line, column: p.col };
    };
    parseAllDocuments(text, { lineCounter: lc, merge: true, uniqueKeys: false }).forEach((doc, i) => {
      const at = pos(doc.range?.[0] ?? 0);
      if (doc.errors.length) {
        const e = doc.errors[0]!;
        const deep = /Maximum call stack/.test(e.message);
        issues.push({
          code: deep ? "yaml.too_deep" : "yaml.syntax",
          path: [],
          file,
          ...pos(e.pos[0]),
          message: deep ? "nesting too deep" : `YAML syntax error: ${printable(e.message.split("\n")[0]!)}`,
          hint: "check indentation and quoting",
        });
        return;
      }
      try {
        const structural = structureIssues(doc.contents as Node | null, pos, file);
        if (structural.length) {
          issues.push(...structural);
          return;
        }
        const v = toJsBounded(doc, file, pos);
        if (v === null || v === undefined) return;
        expand(v, `${file}#${i}`, 0, (address, item) => {
          const obj = asObject(item);
          if (!obj) {
            issues.push({
              code: "manifest.not_object",
              path: [],
              file,
              ...at,
              message: `${address.slice(file.length)} is not a Kubernetes object (apiVersion and kind are required)`,
              hint: "give every document apiVersion, kind and metadata.name",
            });
            return;
          }
          out.push({ stack: file, address, source: "manifest", object: obj });
        });
      } catch (e) {
        if (e instanceof InputError) issues.push(...e.issues);
        else if (e instanceof Error && /Merge sources/.test(e.message)) {
          issues.push({
            code: "yaml.merge",
            path: [],
            file,
            ...at,
            message: `document ${i}: a \`<<\` merge key whose value is not a map (kubectl refuses it too)`,
            hint: "merge only maps: `<<: *anchor` where the anchor is a map",
          });
        } else throw e;
      }
    });
  }
  if (issues.length) throw new InputError(issues);
  return out;
}

/** Calls `emit` for every object, flattening lists (anything with an `items` array) as kubectl does. */
function expand(v: unknown, address: string, depth: number, emit: (address: string, item: unknown) => void): void {
  const items = v !== null && typeof v === "object" ? (v as { items?: unknown }).items : undefined;
  if (!Array.isArray(items) || depth >= MAX_LIST_NESTING) {
    emit(address, v);
    return;
  }
  items.forEach((item, j) => expand(item, `${address}.${j}`, depth + 1, emit));
}

function asObject(item: unknown): K8sObject | undefined {
  if (item === null || typeof item !== "object" || Array.isArray(item)) return undefined;
  const o = item as Partial<K8sObject>;
  if (typeof o.apiVersion !== "string" || typeof o.kind !== "string") return undefined;
  const metadata = o.metadata;
  if (metadata !== undefined && (metadata === null || typeof metadata !== "object" || Array.isArray(metadata)))
    return undefined;
  return { ...o, metadata: metadata ?? {} } as K8sObject;
}
