import { readFileSync } from "node:fs";
import { InputError } from "@sovereign/diagnostics";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isMap, isScalar, isSeq, type Node, parseDocument, Scalar } from "yaml";
import { parseProfile, shippedProfilePath } from "../src/index.js";

/** Replacement values that exercise every type confusion a hand-edited file can produce. */
const weird = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer({ min: -5, max: 100 }),
  fc.double({ noNaN: false }),
  fc.string({ maxLength: 12 }),
  fc.constantFrom(
    "",
    "bkk1",
    "none",
    "mig",
    "1e3",
    "2Ti",
    "0x1F",
    "~",
    "[]",
    "{}",
    "__proto__",
    "constructor",
  ),
  fc.array(fc.string({ maxLength: 4 }), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 6 }), fc.string({ maxLength: 6 }), { maxKeys: 2 }),
);

function collectPaths(node: Node | null, path: (string | number)[], out: (string | number)[][]): void {
  out.push(path);
  if (isMap(node)) {
    for (const p of node.items)
      if (isScalar(p.key)) collectPaths(p.value as Node, [...path, String(p.key.value)], out);
  } else if (isSeq(node)) {
    for (const [i, n] of node.items.entries()) collectPaths(n as Node, [...path, i], out);
  }
}

const texts = ["th", "kr", "sa"].map((cc) => readFileSync(shippedProfilePath(cc), "utf8"));

describe("loader robustness (property)", () => {
  it("GIVEN random mutations of shipped profiles WHEN loaded THEN the result is a profile or structured issues, never an unstructured error", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 }),
        fc.array(fc.tuple(fc.nat(), fc.constantFrom("set", "delete", "truncate"), weird), {
          minLength: 1,
          maxLength: 4,
        }),
        (which, mutations) => {
          const doc = parseDocument(texts[which]!);
          for (const [pick, op, value] of mutations) {
            const paths: (string | number)[][] = [];
            collectPaths(doc.contents as Node, [], paths);
            const path = paths[pick % paths.length]!;
            if (path.length === 0) continue;
            if (op === "delete") doc.deleteIn(path);
            else if (op === "set") doc.setIn(path, value === null ? new Scalar(null) : value);
          }
          let text = doc.toString();
          if (mutations.some(([, op]) => op === "truncate"))
            text = text.slice(0, mutations[0]![0] % (text.length + 1));
          try {
            const p = parseProfile(text, "mutated.yaml");
            expect(p.apiVersion).toBe("sovereign.ai/v1alpha1");
          } catch (e) {
            expect(e).toBeInstanceOf(InputError);
            for (const issue of (e as InputError).issues) {
              expect(issue.code).toMatch(/^[a-z_]+\.[a-zA-Z_]+$/);
              expect(issue.line).toBeGreaterThanOrEqual(1);
              expect(issue.message).not.toMatch(/undefined|\[object Object\]/);
            }
          }
        },
      ),
      { numRuns: 400, seed: 20261123 },
    );
  });
});
