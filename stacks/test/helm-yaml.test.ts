import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "@sovereign/profile";
import { helmBinary } from "@sovereign/tools";
import fc from "fast-check";
import jsyaml from "js-yaml";
import { afterAll, describe, expect, it } from "vitest";
import { parseAllDocuments, stringify } from "yaml";
import { parseYamlDocuments } from "../helm-yaml.js";
import { cleanup, tempDir } from "./helpers.js";

afterAll(cleanup);

/** What the renderer used before: the `yaml` package's documents, each as JavaScript. */
const viaYaml = (text: string) => parseAllDocuments(text).map((d) => d.toJS() as unknown);

/** The values, or the error thrown. */
function outcome(parse: (text: string) => unknown[], text: string): { docs: unknown[]; json: string } | { error: string } {
  try {
    const docs = parse(text);
    return { docs, json: JSON.stringify(docs) };
  } catch (e) {
    return { error: `${(e as Error).name}: ${(e as Error).message}` };
  }
}

/**
 * The same values, the same key order (JSON text), and the same NaN / -0 / undefined (deep
 * equality); or the same error.
 */
function expectSameAsYaml(text: string): unknown[] {
  const mine = outcome(parseYamlDocuments, text);
  expect(mine).toStrictEqual(outcome(viaYaml, text));
  return "docs" in mine ? mine.docs : [];
}

const CHART = join(repoRoot(), "charts", "inference-core");

function helmTemplate(values: object): string {
  const f = join(tempDir(), "values.yaml");
  writeFileSync(f, stringify(values));
  return execFileSync(
    helmBinary(),
    ["template", "r", CHART, "--namespace", "serving", "-f", join(CHART, "ci", "example-values.yaml"), "-f", f],
    { encoding: "utf8" },
  );
}

describe("parseYamlDocuments: helm output as the yaml package reads it", () => {
  it.each([
    ["the example values", {}],
    ["KEDA autoscaling", { autoscaling: { provider: "keda", keda: { serverAddress: "http://prometheus.monitoring:9090" } } }],
    ["autoscaling off", { autoscaling: { enabled: false } }],
  ])("GIVEN helm's rendering of the kit's chart with %s WHEN parsed THEN every document equals yaml's", (_what, values) => {
    const text = helmTemplate(values);
    const docs = expectSameAsYaml(text) as { kind?: string; spec?: { template?: { spec?: { securityContext?: { runAsUser?: unknown } } } } }[];
    // Integers stay numbers (a schema mistake would turn them into strings).
    const deployment = docs.find((d) => d?.kind === "Deployment")!;
    expect(typeof deployment.spec!.template!.spec!.securityContext!.runAsUser).toBe("number");
    expect(docs.filter((d) => d !== null).length).toBeGreaterThan(3);
  });

  it("GIVEN several documents, empty ones, comment-only ones and a document end marker WHEN parsed THEN the documents, nulls included, equal yaml's", () => {
    const text = "---\n# Source: a\n---\n\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  k: v\n...\n---\nkind: B\nempty:\n";
    const docs = expectSameAsYaml(text);
    expect(docs).toHaveLength(4);
    expect(docs[2]).toMatchObject({ kind: "ConfigMap", data: { k: "v" } });
    expect(docs[3]).toStrictEqual({ kind: "B", empty: null });
  });

  it.each([
    "a: ~\nb: null\nc: NULL\nd:\ne: ''",
    "a: true\nb: False\nc: TRUE\nd: yes\ne: on\nf: y",
    "a: 0o17\nb: 017\nc: 0x1F\nd: 1_000\ne: 0b11\nf: -0\ng: +12\nh: 12345678901234567890",
    "a: 1e3\nb: .5\nc: 1.\nd: -.inf\ne: .NaN\nf: 1.50\ng: 2.5E-3\nh: 1.2.3",
    "a: 2001-12-14\nb: 12:30:00\nc: =\nd: '1'\ne: \"true\"",
    "1: x\n1.0: y\ntrue: z\n0x10: w",
    "a: \"\\x41\\u00e9\\t\\\\\"\nb: 'it''s'\nc: |\n  x\n   y\n\nd: >-\n  x\n  y\ne: |+\n  keep\n\nf: plain\n  folded",
    "a: [1, '2', {b: c, d: [e]}]\nb: {}\nc: []\n'<<': 1\n__proto__: {x: 1}",
    "- a\n- - b\n  - c: [1, {d: e}]\n-",
    "a: !!str 1\nb: !!float 1.5\nc: !!bool true\nd: !!null ''",
  ])("GIVEN YAML with %j WHEN parsed THEN the values equal yaml's", (text) => {
    expectSameAsYaml(text);
  });

  it.each([
    ["a duplicate key (yaml keeps the last)", "a: 1\na: 2"],
    ["a null key (yaml makes it \"\")", "~: 1\nb: 2"],
    ["an anchor and aliases", "a: &x {k: 1}\nb: *x\nc: [*x]"],
    ["a YAML 1.1 directive", "%YAML 1.1\n---\na: yes\nb: 0777"],
    ["an explicit complex key", "? [a, b]\n: 1"],
    ["a flow collection as key", "[a]: 1\n{b: c}: 2"],
    ["an explicit int tag", "a: !!int 17"],
    ["an unknown tag", "a: !custom x\nb: !!binary aGk="],
    ["malformed text", "a: [1, 2\nb: c"],
  ])("GIVEN %s WHEN parsed THEN the result is yaml's", (_what, text) => {
    expectSameAsYaml(text);
  });

  it("GIVEN an alias without anchor WHEN parsed THEN yaml's error is thrown", () => {
    expect(() => parseYamlDocuments("a: *nowhere")).toThrow(/Unresolved alias/);
    expectSameAsYaml("a: *nowhere");
  });

  it("GIVEN `&&` and `*` in an embedded shell script WHEN parsed THEN the values equal yaml's", () => {
    expectSameAsYaml('data:\n  run.sh: |\n    test -f x && echo ok\n    case "$X" in *[!0-9]*) exit 1;; esac\n    ls * 2>&1\n');
  });

  it("GIVEN any JSON-like values written as YAML by either library WHEN parsed THEN the values equal yaml's", () => {
    const key = fc.oneof(fc.string(), fc.constantFrom("null", "~", "true", "1", "1.0", "0x1F", "<<", "a: b", "- x", "#c", "&a", "*a"));
    const scalar = fc.oneof(
      fc.string(),
      fc.constantFrom("null", "~", "", "yes", "True", "0o17", "017", "1e3", ".5", ".inf", "-0", "1_0", "a: b", "#x", "'q'", "\"q\"", " lead", "trail ", "multi\nline\n"),
      fc.integer(),
      fc.double({ noNaN: true }),
      fc.boolean(),
      fc.constant(null),
    );
    const value = fc.letrec((tie) => ({
      v: fc.oneof({ depthSize: "small" }, scalar, tie("a"), tie("o")),
      a: fc.array(tie("v"), { maxLength: 4 }),
      o: fc.dictionary(key, tie("v"), { maxKeys: 4 }),
    })).v;
    fc.assert(
      fc.property(fc.array(value, { minLength: 1, maxLength: 3 }), fc.boolean(), (docs, byYaml) => {
        const text = byYaml
          ? docs.map((d) => stringify(d)).join("---\n")
          : docs.map((d) => jsyaml.dump(d, { schema: jsyaml.JSON_SCHEMA })).join("---\n");
        expectSameAsYaml(text);
      }),
      { numRuns: 1000 },
    );
  });
});
