import { readFileSync } from "node:fs";
import { join } from "node:path";
import { InputError } from "@sovereign/diagnostics";
import { Ajv2020 } from "ajv/dist/2020.js";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { availablePacks, parsePack, policiesDir } from "../src/pack.js";
import { policyPackJsonSchema } from "../src/schema.js";

const rule = (extra: string) => `apiVersion: sovereign.ai/v1alpha1
kind: PolicyPack
metadata: { name: demo }
spec:
  title: Demo
  description: Demo pack
  rules:
    - id: demo-rule
      title: Demo
      rationale: Because.
      severity: error
      legalRefs: { TH-PDPA: ["§28"] }
      targets: { kubernetes: [{ apiGroups: [""], kinds: [Pod] }] }
${extra}
      fixtures:
        pass: [{ name: p, object: { apiVersion: v1, kind: Pod, metadata: { name: a } } }]
        fail: [{ name: f, object: { apiVersion: v1, kind: Pod, metadata: { name: b } } }]
`;

function issuesOf(text: string) {
  try {
    parsePack(text, "demo.yaml");
  } catch (e) {
    if (e instanceof InputError) return e.issues;
    throw e;
  }
  return [];
}

describe("pack format", () => {
  it("GIVEN a valid pack WHEN parsed THEN the rule compiles", () => {
    expect(issuesOf(rule("      validations: [{ expression: \"object.metadata.name == 'a'\" }]"))).toEqual(
      [],
    );
  });

  it("GIVEN a function outside the Kubernetes CEL environment WHEN loaded THEN it is refused at its YAML path and line", () => {
    const issues = issuesOf(
      rule("      validations:\n        - expression: \"object.metadata.name.sha256() == 'x'\""),
    );
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({
      code: "policy.cel",
      path: ["spec", "rules", 0, "validations", 0, "expression"],
      file: "demo.yaml",
      line: 15,
    });
    expect(issues[0]!.message).toContain("`sha256` is not part of the Kubernetes CEL environment");
  });

  it("GIVEN an identifier the API server does not bind, an undeclared variable and a bad escape WHEN loaded THEN each is refused", () => {
    const issues = issuesOf(
      rule(
        [
          '      matchConditions: [{ name: m, expression: "variables.x == 1" }]',
          "      validations:",
          '        - expression: "now > 1"',
          '        - expression: "variables.missing == 1"',
          "        - expression: 'object.metadata.name.matches(\"\\d\")'",
        ].join("\n"),
      ),
    );
    const msgs = issues.map((i) => i.message).join("\n");
    expect(msgs).toContain("`variables` cannot be used in a matchCondition");
    expect(msgs).toContain("unknown identifier `now`");
    expect(msgs).toContain("`variables.missing` is not declared");
    expect(msgs).toContain("invalid escape `\\d`");
  });

  it("GIVEN a misspelt key and a rule without failing fixtures WHEN loaded THEN both are located", () => {
    const text = rule("      validation: []").replace(/ {8}fail: .*\n/, "        fail: []\n");
    const issues = issuesOf(text);
    expect(issues.map((i) => i.code)).toEqual(
      expect.arrayContaining(["schema.unknown_key", "schema.too_small"]),
    );
    expect(issues.every((i) => typeof i.line === "number")).toBe(true);
  });

  it("GIVEN the committed JSON Schema WHEN compared with the zod source THEN it is current and accepts every shipped pack", () => {
    const committed = JSON.parse(readFileSync(join(policiesDir(), "policy-pack.schema.json"), "utf8"));
    expect(committed, "stale policies/policy-pack.schema.json: run `npm run gen:schemas`").toEqual(
      policyPackJsonSchema(),
    );
    const ajv = new Ajv2020({ strict: false });
    const validate = ajv.compile(committed);
    for (const name of availablePacks()) {
      const doc = parseYaml(readFileSync(join(policiesDir(), `${name}.yaml`), "utf8"));
      expect(validate(doc), `${name}: ${JSON.stringify(validate.errors)}`).toBe(true);
    }
  });
});

describe("VAP semantics", () => {
  it("GIVEN a failing messageExpression WHEN the validation fails THEN the static message is used", async () => {
    const { evaluate } = await import("../src/evaluate.js");
    const { fixtureProfile } = await import("../src/fixtures.js");
    const pack = parsePack(
      rule(
        "      validations: [{ expression: \"object.metadata.name == 'a'\", message: static, messageExpression: \"object.nope + 'x'\" }]",
      ),
    );
    const profile = fixtureProfile();
    const f = evaluate({
      profile,
      packs: [pack],
      terraform: [],
      objects: [
        {
          stack: "s",
          address: "x",
          source: "manifest",
          object: { apiVersion: "v1", kind: "Pod", metadata: { name: "b" } },
        },
      ],
    });
    expect(f.map((x) => x.message)).toEqual(["static"]);
  });

  it("GIVEN an evaluation error WHEN failurePolicy is Fail or Ignore THEN it is a finding or skipped", async () => {
    const { evaluate } = await import("../src/evaluate.js");
    const { fixtureProfile } = await import("../src/fixtures.js");
    const obj = {
      stack: "s",
      address: "x",
      source: "manifest" as const,
      object: { apiVersion: "v1", kind: "Pod", metadata: { name: "b" } },
    };
    const run = (policy: string) =>
      evaluate({
        profile: fixtureProfile(),
        terraform: [],
        objects: [obj],
        packs: [
          parsePack(
            rule(`      failurePolicy: ${policy}\n      validations: [{ expression: "object.spec.x == 1" }]`),
          ),
        ],
      });
    expect(run("Fail").map((f) => f.reason)).toEqual(["EvaluationError"]);
    expect(run("Ignore")).toEqual([]);
  });

  it("GIVEN a false matchCondition WHEN evaluated THEN the rule is skipped; integral numbers are ints", async () => {
    const { evaluate } = await import("../src/evaluate.js");
    const { fixtureProfile } = await import("../src/fixtures.js");
    const obj = (n: number) => ({
      stack: "s",
      address: "x",
      source: "manifest" as const,
      object: { apiVersion: "v1", kind: "Pod", metadata: { name: "b" }, spec: { n } },
    });
    const pack = parsePack(
      rule(
        '      matchConditions: [{ name: big, expression: "object.spec.n > 2" }]\n      validations: [{ expression: "type(object.spec.n) == int && object.spec.n % 2 == 0" }]',
      ),
    );
    const ev = (n: number) =>
      evaluate({ profile: fixtureProfile(), terraform: [], packs: [pack], objects: [obj(n)] });
    expect(ev(1)).toEqual([]);
    expect(ev(4)).toEqual([]);
    expect(ev(5).map((f) => f.reason)).toEqual(["Violation"]);
  });
});
