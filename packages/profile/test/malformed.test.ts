import { readFileSync } from "node:fs";
import { formatPath, InputError } from "@sovereign/diagnostics";
import { describe, expect, it } from "vitest";
import { shippedProfilePath } from "../src/index.js";
import { parseProfile } from "../src/load.js";
import { malformedCases } from "./malformed.cases.js";

const base = readFileSync(shippedProfilePath("th"), "utf8");

function lineOf(text: string, needle: string): number {
  const i = text.indexOf(needle);
  if (i < 0) throw new Error(`marker not found: ${needle}`);
  return text.slice(0, i).split("\n").length + (needle.startsWith("\n") ? 1 : 0);
}

function refuse(text: string): InputError {
  try {
    parseProfile(text, "th.yaml");
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
  throw new Error("profile was accepted");
}

describe("malformed profiles are refused with path, line and exit code 2", () => {
  it("GIVEN the table THEN it has at least 30 distinct cases", () => {
    expect(new Set(malformedCases.map((c) => c.name)).size).toBeGreaterThanOrEqual(30);
  });

  it.each(malformedCases)("GIVEN $name WHEN loaded THEN $code at $path", (c) => {
    const text = c.edit(base);
    const err = refuse(text);
    expect(err.exitCode).toBe(2);
    const issue = err.issues.find((i) => i.code === c.code);
    expect(issue, `issues: ${JSON.stringify(err.issues)}`).toBeDefined();
    expect(formatPath(issue!.path)).toBe(c.path);
    expect(issue!.file).toBe("th.yaml");
    expect(issue!.line).toBe(lineOf(text, c.lineOf));
    expect(issue!.column).toBeGreaterThan(0);
    expect(issue!.message.length).toBeGreaterThan(10);
    expect(issue!.hint, "every issue suggests a fix").toBeTruthy();
  });
});

describe("all failures are reported at once", () => {
  it("GIVEN three independent mistakes WHEN loaded THEN three issues come back in one error", () => {
    const text = base
      .replace("egressCidrs: [192.0.2.0/25]", "egressCidrs: [192.0.2.0/99]")
      .replace("replicas: { min: 2, max: 6 }", "replicas: { min: 9, max: 6 }")
      .replace("name: h100-train, site: bkk1", "name: h100-train, site: nowhere");
    const codes = refuse(text).issues.map((i) => i.code);
    expect(codes).toEqual(expect.arrayContaining(["cidr.invalid", "replicas.range", "ref.site"]));
  });

  it("GIVEN a dangling site WHEN refused THEN the hint lists the declared site names", () => {
    const err = refuse(base.replace("name: h100-train, site: bkk1", "name: h100-train, site: bkk2"));
    expect(err.issues[0]!.hint).toBe('use one of the declared names: "bkk1"');
  });
});

describe("error text", () => {
  it("GIVEN a misspelt key WHEN rendered as text THEN it reads file:line:col, code, path and fix", async () => {
    const { formatIssuesText } = await import("@sovereign/diagnostics");
    const err = refuse(base.replace("  registry: registry", "  registy: registry"));
    expect(
      formatIssuesText(err.issues.filter((i) => i.code === "schema.unknown_key")),
    ).toMatchInlineSnapshot(`
      "th.yaml:12:3: error schema.unknown_key at spec.registy: unknown key "registy"
        fix: remove it or check its spelling against the JSON Schema (field names are case-sensitive)
      1 error"
    `);
  });
});
