import { readFileSync } from "node:fs";
import { InputError, type Issue } from "@sovereign/diagnostics";
import { LineCounter, parseAllDocuments } from "yaml";
import type { K8sObject, SynthObject } from "./types.js";

/**
 * Reads integrators' own manifests (multi-document YAML or JSON, `kind: List` expanded) as
 * objects to check. `stack` is the file, `address` is `<file>#<document index>`.
 */
export function loadManifests(files: readonly string[]): SynthObject[] {
  const out: SynthObject[] = [];
  const issues: Issue[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (e) {
      issues.push({
        code: "file.unreadable",
        path: [],
        file,
        message: `cannot read manifest ${file}: ${(e as NodeJS.ErrnoException).code}`,
        hint: "check the --manifest path",
      });
      continue;
    }
    const lc = new LineCounter();
    parseAllDocuments(text, { lineCounter: lc }).forEach((doc, i) => {
      const at = lc.linePos(doc.range?.[0] ?? 0);
      if (doc.errors.length) {
        issues.push({
          code: "yaml.syntax",
          path: [],
          file,
          line: lc.linePos(doc.errors[0]!.pos[0]).line,
          column: lc.linePos(doc.errors[0]!.pos[0]).col,
          message: `YAML syntax error: ${doc.errors[0]!.message.split("\n")[0]}`,
          hint: "check indentation and quoting",
        });
        return;
      }
      const v = doc.toJS() as unknown;
      if (v === null || v === undefined) return;
      const items =
        (v as { kind?: string }).kind === "List" ? ((v as { items?: unknown[] }).items ?? []) : [v];
      for (const item of items) {
        const o = item as Partial<K8sObject>;
        if (typeof o !== "object" || typeof o.apiVersion !== "string" || typeof o.kind !== "string") {
          issues.push({
            code: "manifest.not_object",
            path: [],
            file,
            line: at.line,
            column: at.col,
            message: `document ${i} is not a Kubernetes object (apiVersion and kind are required)`,
            hint: "give every document apiVersion, kind and metadata.name",
          });
          continue;
        }
        out.push({
          stack: file,
          address: `${file}#${i}`,
          source: "manifest",
          object: { ...o, metadata: o.metadata ?? {} } as K8sObject,
        });
      }
    });
  }
  if (issues.length) throw new InputError(issues);
  return out;
}
