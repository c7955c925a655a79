import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { z } from "zod";
import {
  formatIssuesText,
  formatPath,
  InputError,
  parseYamlSource,
  readYamlSource,
  writeFileAtomic,
  writeTreeAtomic,
  zodToIssues,
} from "../src/index.js";

describe("formatPath", () => {
  it.each([
    [[], "(document)"],
    [["spec", "sites", 0, "name"], "spec.sites[0].name"],
    [["spec", "storage", "dataClasses", "model-weights"], "spec.storage.dataClasses.model-weights"],
    [["metadata", "labels", "app.kubernetes.io/name"], 'metadata.labels["app.kubernetes.io/name"]'],
  ] as const)("GIVEN %j THEN %s", (path, expected) => {
    expect(formatPath(path)).toBe(expected);
  });
});

describe("YAML sources", () => {
  const text = "a:\n  b:\n    - x: 1\n    - x: 2\n      y: [3, 4]\n";
  const src = parseYamlSource(text, "t.yaml");

  it("GIVEN a nested path THEN locate returns the node's own line and column", () => {
    expect(src.locate(["a", "b", 1, "y", 1])).toEqual({ line: 5, column: 14 });
    expect(src.locate(["a", "b", 1, "x"], "key")).toEqual({ line: 4, column: 7 });
  });

  it("GIVEN a missing path THEN locate falls back to the nearest existing ancestor", () => {
    expect(src.locate(["a", "b", 0, "missing"])).toEqual({ line: 3, column: 7 });
  });

  it("GIVEN a tab-indented or unterminated document THEN InputError carries yaml.syntax with a line", () => {
    try {
      parseYamlSource("a: [1, 2\nb: 3\n", "bad.yaml");
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(InputError);
      const i = (e as InputError).issues[0]!;
      expect(i.code).toBe("yaml.syntax");
      expect(i.file).toBe("bad.yaml");
      expect(i.line).toBeGreaterThanOrEqual(1);
    }
  });

  it("GIVEN a missing file THEN the error names it and exit code is 2", () => {
    try {
      readYamlSource("/nonexistent/p.yaml", "p.yaml");
      expect.unreachable();
    } catch (e) {
      expect((e as InputError).exitCode).toBe(2);
      expect((e as InputError).issues[0]!.message).toBe("file not found: p.yaml");
    }
  });
});

describe("zod issues", () => {
  it("GIVEN unknown keys, a missing field and a bad type THEN each becomes its own located issue", () => {
    const schema = z.strictObject({ a: z.number(), b: z.string() });
    const input = { a: "1", c: 1, d: 2 };
    const r = schema.safeParse(input);
    const issues = zodToIssues(r.error!, input);
    expect(issues.map((i) => `${i.code}:${formatPath(i.path)}`).sort()).toEqual([
      "schema.required:b",
      "schema.type:a",
      "schema.unknown_key:c",
      "schema.unknown_key:d",
    ]);
    expect(formatIssuesText(issues)).toContain("4 errors");
  });
});

describe("YAML type confusion", () => {
  it("GIVEN an all-digit hash read by YAML as a number WHEN validated THEN the hint says to quote it", () => {
    const src = parseYamlSource("sha256: 0000\n", "w.yaml");
    try {
      src.parse(z.strictObject({ sha256: z.string() }));
      expect.unreachable();
    } catch (e) {
      const i = (e as InputError).issues[0]!;
      expect(i).toMatchObject({ code: "schema.type", line: 1, column: 9 });
      expect(i.message).toBe("expected string, got number 0");
      expect(i.hint).toMatch(/^quote the value/);
    }
  });
});

describe("atomic writes", () => {
  // Each test gets a fresh folder below one root, removed once at the end.
  const atomicRoot = mkdtempSync(join(tmpdir(), "atomic-"));
  afterAll(() => rmSync(atomicRoot, { recursive: true, force: true }));

  it("GIVEN a file write THEN no temp file is left behind", () => {
    const dir = mkdtempSync(join(atomicRoot, "t-"));
    writeFileAtomic(join(dir, "sub", "f.txt"), "hello");
    expect(readFileSync(join(dir, "sub", "f.txt"), "utf8")).toBe("hello");
    expect(readdirSync(join(dir, "sub"))).toEqual(["f.txt"]);
  });

  it("GIVEN a tree build that throws THEN the previous tree is untouched and no temp tree remains", async () => {
    const dir = mkdtempSync(join(atomicRoot, "t-"));
    const out = join(dir, "out");
    await writeTreeAtomic(out, (t) => writeFileSync(join(t, "v1"), "1"));
    await expect(
      writeTreeAtomic(out, (t) => {
        writeFileSync(join(t, "v2"), "2");
        throw new Error("synth failed");
      }),
    ).rejects.toThrow("synth failed");
    expect(readdirSync(out).sort()).toEqual([".sovereign-output", "v1"]);
    expect(readdirSync(dir)).toEqual(["out"]);
  });

  it("GIVEN a successful rebuild THEN the old tree is replaced whole", async () => {
    const dir = mkdtempSync(join(atomicRoot, "t-"));
    const out = join(dir, "out");
    await writeTreeAtomic(out, (t) => writeFileSync(join(t, "old"), "1"));
    await writeTreeAtomic(out, (t) => writeFileSync(join(t, "new"), "2"));
    expect(readdirSync(out).sort()).toEqual([".sovereign-output", "new"]);
    expect(existsSync(join(dir, "out", "old"))).toBe(false);
  });
});
