import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { InputError } from "@sovereign/diagnostics";
import { afterEach, describe, expect, it } from "vitest";
import { runFixtures } from "../src/fixtures.js";
import { availablePacks, loadPacks, parsePack, policiesDir } from "../src/pack.js";
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
    const stored = JSON.parse(readFileSync(join(cache, `${packKey(text)}.json`), "utf8"));
    expect(stored.sha256).toBe(packKey(text));
    expect(stored.id).toBe("residency-core");
    const first = stored.rules[0].trees.validations[0].expr;
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
    expect(readPrecompiled(text, "other-name", "x.yaml", cache)).toBeUndefined();
    const stored = JSON.parse(readFileSync(file, "utf8"));
    writeFileSync(file, JSON.stringify({ ...stored, format: stored.format + 1 }));
    expect(readPrecompiled(text, "kr-pipa", "x.yaml", cache)).toBeUndefined();
    stored.rules[0].trees.validations[0].expr = { callExpr: { function: 42 } };
    writeFileSync(file, JSON.stringify(stored));
    expect(readPrecompiled(text, "kr-pipa", "x.yaml", cache)).toBeUndefined();
    writeFileSync(file, "{ not json");
    expect(readPrecompiled(text, "kr-pipa", "x.yaml", cache)).toBeUndefined();
  });
});
