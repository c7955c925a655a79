import { createHash } from "node:crypto";
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { InputError } from "@sovereign/diagnostics";
import { afterEach, describe, expect, it, vi } from "vitest";
import { evaluate } from "../src/evaluate.js";
import { fixtureProfile, runFixtures } from "../src/fixtures.js";
import { availablePacks, loadPacks, parsePack, policiesDir, type Rule } from "../src/pack.js";
import { packKey, precompiledPath, readPrecompiled, writePrecompiled } from "../src/precompiled.js";

const dirs: string[] = [];
function tmp(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A copy of one shipped pack in its own folder, with an empty precompiled folder beside it. */
function packCopy(name: string) {
  const dir = tmp("sovereign-packs-");
  copyFileSync(join(policiesDir(), `${name}.yaml`), join(dir, `${name}.yaml`));
  return { dir, cache: join(dir, "precompiled"), yaml: join(dir, `${name}.yaml`) };
}

describe("precompiled policy packs", () => {
  it("GIVEN every shipped pack stored precompiled WHEN read back THEN every fixture gives the same verdicts and findings as the YAML", () => {
    const cache = tmp("sovereign-precompiled-");
    for (const name of availablePacks()) {
      const text = readFileSync(join(policiesDir(), `${name}.yaml`), "utf8");
      const fromYaml = parsePack(text, `${name}.yaml`);
      expect(writePrecompiled(text, fromYaml, cache)).toBe(precompiledPath(text, cache));
      const fromJson = readPrecompiled(text, name, `${name}.yaml`, cache);
      expect(fromJson, name).toBeDefined();
      expect(JSON.stringify(fromJson)).toBe(JSON.stringify(fromYaml));
      const strip = (rs: ReturnType<typeof runFixtures>) =>
        rs.map((r) => ({ ...r, findings: r.findings.map((f) => ({ ...f })) }));
      expect(strip(runFixtures([fromJson!]))).toEqual(strip(runFixtures([fromYaml])));
    }
  });

  it("GIVEN a shipped pack WHEN stored THEN the file is named by the sha256 of the YAML and holds syntax trees, no CEL source re-parse needed", () => {
    const cache = tmp("sovereign-precompiled-");
    const text = readFileSync(join(policiesDir(), "residency-core.yaml"), "utf8");
    writePrecompiled(text, parsePack(text), cache);
    expect(readdirSync(cache)).toEqual([`${packKey(text)}.json`]);
    const { digest, body, stored } = readStored(join(cache, `${packKey(text)}.json`));
    expect(digest).toBe(sha256(body));
    expect(stored.sha256).toBe(packKey(text));
    expect(stored.id).toBe("residency-core");
    const first = JSON.parse(stored.rules[0].trees.validations[0].expr);
    expect(Object.keys(first)).toEqual(expect.arrayContaining(["id"]));
    expect(JSON.stringify(first)).toMatch(/callExpr|comprehensionExpr|selectExpr|constExpr/);
  });

  it("GIVEN a pack loaded once WHEN its YAML changes validly THEN the new rule is used and stored under the new hash", () => {
    const { dir, cache, yaml } = packCopy("th-pdpa");
    const before = readFileSync(yaml, "utf8");
    loadPacks(["th-pdpa"], dir, cache);
    expect(existsSync(precompiledPath(before, cache))).toBe(true);

    const after = before.replace(/title: [^\n]+/, "title: Edited title");
    expect(after).not.toBe(before);
    const moved = tmp("sovereign-packs-");
    writeFileSync(join(moved, "th-pdpa.yaml"), after);
    const [pack] = loadPacks(["th-pdpa"], moved, cache);
    expect(pack!.title).toBe("Edited title");
    expect(existsSync(precompiledPath(after, cache))).toBe(true);
  });

  it("GIVEN a precompiled pack WHEN its YAML gets a bad CEL expression THEN the YAML is parsed and the error located at line:column", () => {
    const { cache, yaml } = packCopy("th-pdpa");
    const good = readFileSync(yaml, "utf8");
    writePrecompiled(good, parsePack(good), cache);
    const bad = good.replace(/expression: (["']?)/, "expression: $1(1 + ");
    const moved = tmp("sovereign-packs-");
    writeFileSync(join(moved, "th-pdpa.yaml"), bad);
    let err: unknown;
    try {
      loadPacks(["th-pdpa"], moved, cache);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InputError);
    const issue = (err as InputError).issues[0]!;
    expect(issue.code).toBe("policy.cel");
    expect(issue.line).toBeGreaterThan(1);
    expect(issue.column).toBeGreaterThan(0);
    expect(existsSync(precompiledPath(bad, cache))).toBe(false);
  });

  it("GIVEN a damaged, foreign-format or misnamed precompiled file WHEN read THEN it is ignored (the YAML is used)", () => {
    const cache = tmp("sovereign-precompiled-");
    const text = readFileSync(join(policiesDir(), "kr-pipa.yaml"), "utf8");
    const file = writePrecompiled(text, parsePack(text), cache)!;
    expect(readPrecompiled(text, "kr-pipa", "x.yaml", cache)).toBeDefined();
    expect(readPrecompiled(text, "other-name", "x.yaml", cache)).toBeUndefined();
    const { stored } = readStored(file);
    writeStored(file, { ...stored, format: stored.format + 1 });
    expect(readPrecompiled(text, "kr-pipa", "x.yaml", cache)).toBeUndefined();
    // A changed tree under the old digest: refused before any tree is decoded.
    const damaged = structuredClone(stored);
    damaged.rules[0].trees.validations[0].expr = JSON.stringify({ callExpr: { function: 42 } });
    writeFileSync(file, `${sha256(JSON.stringify(stored))}\n${JSON.stringify(damaged)}\n`);
    expect(readPrecompiled(text, "kr-pipa", "x.yaml", cache)).toBeUndefined();
    // One flipped byte of the body, digest line intact.
    writeStored(file, stored);
    const bytes = readFileSync(file);
    bytes[bytes.length - 10]! ^= 1;
    writeFileSync(file, bytes);
    expect(readPrecompiled(text, "kr-pipa", "x.yaml", cache)).toBeUndefined();
    writeFileSync(file, "{ not json");
    expect(readPrecompiled(text, "kr-pipa", "x.yaml", cache)).toBeUndefined();
    // The format before digests (no digest line) is ignored too.
    writeFileSync(file, `${JSON.stringify(stored)}\n`);
    expect(readPrecompiled(text, "kr-pipa", "x.yaml", cache)).toBeUndefined();
  });

  it("GIVEN a precompiled pack WHEN read THEN no syntax tree is decoded until its rule runs, and then only that rule's", () => {
    const cache = tmp("sovereign-precompiled-");
    const text = readFileSync(join(policiesDir(), "residency-core.yaml"), "utf8");
    const fromYaml = parsePack(text);
    writePrecompiled(text, fromYaml, cache);
    const pack = readPrecompiled(text, "residency-core", "x.yaml", cache)!;
    const rules = pack.rules.filter((r) => r.targets.kubernetes?.some((t) => t.kinds.includes("Namespace")));
    expect(rules.length).toBeGreaterThan(0);
    const spy = vi.spyOn(JSON, "parse");
    try {
      const ns = { apiVersion: "v1", kind: "Namespace", metadata: { name: "serving" } };
      const findings = evaluate({ profile: fixtureProfile(), objects: [{ object: ns, stack: "fx-platform", address: "kubernetes_manifest.ns", source: "manifest" }], terraform: [], packs: [{ ...pack, rules }] });
      const decoded = spy.mock.calls.filter(([t]) => typeof t === "string" && t.startsWith('{"id":')).length;
      // At most every expression of the rules that ran; none of the pack's other rules.
      const own = rules.reduce((n, r) => n + exprCount(r), 0);
      expect(decoded).toBeGreaterThan(0);
      expect(decoded).toBeLessThanOrEqual(own);
      const yamlRules = fromYaml.rules.filter((r) => rules.some((x) => x.id === r.id));
      const expected = evaluate({ profile: fixtureProfile(), objects: [{ object: ns, stack: "fx-platform", address: "kubernetes_manifest.ns", source: "manifest" }], terraform: [], packs: [{ ...fromYaml, rules: yamlRules }] });
      expect(findings).toEqual(expected);
    } finally {
      spy.mockRestore();
    }
  });

  it("GIVEN a precompiled tree that decodes to nothing valid under a matching digest WHEN its rule runs THEN the rule fails closed with an evaluation error", () => {
    const cache = tmp("sovereign-precompiled-");
    const text = readFileSync(join(policiesDir(), "residency-core.yaml"), "utf8");
    const file = writePrecompiled(text, parsePack(text), cache)!;
    const { stored } = readStored(file);
    const i = stored.rules.findIndex((r: { doc: { targets: { kubernetes?: { kinds: string[] }[] }; failurePolicy?: string } }) =>
      r.doc.targets.kubernetes?.some((t) => t.kinds.includes("Namespace")),
    );
    expect(i).toBeGreaterThanOrEqual(0);
    stored.rules[i].doc.failurePolicy = "Fail";
    stored.rules[i].doc.matchConditions = [];
    stored.rules[i].trees.matchConditions = [];
    stored.rules[i].trees.validations[0].expr = JSON.stringify({ callExpr: { function: 42 } });
    writeStored(file, stored);
    const pack = readPrecompiled(text, "residency-core", "x.yaml", cache)!;
    const rule = pack.rules[i]!;
    const ns = { apiVersion: "v1", kind: "Namespace", metadata: { name: "serving" } };
    const findings = evaluate({ profile: fixtureProfile(), objects: [{ object: ns, stack: "fx-platform", address: "kubernetes_manifest.ns", source: "manifest" }], terraform: [], packs: [{ ...pack, rules: [rule] }] });
    expect(findings.map((f) => [f.ruleId, f.reason])).toContainEqual([rule.id, "EvaluationError"]);
    expect(findings.find((f) => f.reason === "EvaluationError")!.message).toMatch(/precompiled syntax tree unreadable/);
  });
});

function sha256(s: string): string {
  return createHash("sha256").update(s).digest("hex");
}

/** A precompiled file: its digest line, the body after it, and the body parsed. */
function readStored(file: string) {
  const text = readFileSync(file, "utf8");
  const nl = text.indexOf("\n");
  const body = text.slice(nl + 1);
  return { digest: text.slice(0, nl), body, stored: JSON.parse(body) };
}

/** Writes a (changed) body with a matching digest line, as the writer would. */
function writeStored(file: string, stored: unknown): void {
  const body = `${JSON.stringify(stored)}\n`;
  writeFileSync(file, `${sha256(body)}\n${body}`);
}

/** Expressions of a rule (matchConditions, variables, validations and message expressions). */
function exprCount(r: Rule): number {
  return (
    r.matchConditions.length +
    r.variables.length +
    r.validations.reduce((n, v) => n + 1 + (v.messageExpression === undefined ? 0 : 1), 0)
  );
}
