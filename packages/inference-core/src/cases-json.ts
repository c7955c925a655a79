import { InputError } from "@sovereign/diagnostics";
import { caseName, KERNELS, type KernelCase, type KernelName } from "./kernel-case.js";

/** `apiVersion`/`kind` of the cases file, checked by both backends before they run anything. */
export const CASES_API_VERSION = "sovereign.ai/v1alpha1";
export const CASES_KIND = "KernelCases";

/**
 * The case list as the file both backends read: one case per line so a change of shapes shows
 * as a readable diff, and nothing but objects, strings and integers (the backends' JSON reader
 * is deliberately small).
 */
export function casesJson(cases: readonly KernelCase[]): string {
  const lines = cases.map((c) => {
    const entry: Record<string, unknown> = { name: c.name, kernel: c.kernel, shape: c.shape };
    if (c.scaledFrom) entry.scaledFrom = c.scaledFrom;
    return `    ${JSON.stringify(entry)}`;
  });
  return `{\n  "apiVersion": "${CASES_API_VERSION}",\n  "kind": "${CASES_KIND}",\n  "cases": [\n${lines.join(",\n")}\n  ]\n}\n`;
}

/** Reads a cases file back, checking every name matches its kernel and shape. */
export function parseCasesJson(text: string, file = "<cases>"): KernelCase[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new InputError([
      {
        code: "cases.json",
        path: [],
        file,
        message: `not JSON: ${(e as Error).message}`,
        hint: "regenerate it with casesJson()",
      },
    ]);
  }
  const d = doc as { apiVersion?: unknown; kind?: unknown; cases?: unknown };
  if (d?.apiVersion !== CASES_API_VERSION || d.kind !== CASES_KIND || !Array.isArray(d.cases)) {
    throw new InputError([
      {
        code: "cases.kind",
        path: [],
        file,
        message: `expected apiVersion ${CASES_API_VERSION}, kind ${CASES_KIND} and a cases array`,
        hint: "regenerate it with casesJson()",
      },
    ]);
  }
  return d.cases.map((raw, i) => {
    const c = raw as KernelCase;
    const expected =
      (KERNELS as readonly string[]).includes(c?.kernel) && c.shape ? safeName(c.kernel, c.shape) : undefined;
    if (expected === undefined || expected !== c.name) {
      throw new InputError([
        {
          code: "cases.case",
          path: ["cases", i],
          file,
          message: `case ${JSON.stringify(c?.name)} does not match its kernel and shape${expected ? ` (expected ${expected})` : ""}`,
          hint: `kernel must be one of ${KERNELS.join(", ")} with that kernel's shape keys`,
        },
      ]);
    }
    return c;
  });
}

function safeName(kernel: KernelName, shape: Record<string, number>): string | undefined {
  try {
    return caseName(kernel, shape);
  } catch {
    return undefined;
  }
}
