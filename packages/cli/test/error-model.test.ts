// One error model: every failure a user can reach is a KitError (or InputError/UsageError) with a
// code, a hint and an ExitCode constant; anything else reaching the top is a bug, reported as
// such with exit 70. The source scan keeps new plain `throw new Error` and literal exit codes out.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { ExitCode, InputError, KitError, UsageError } from "@sovereign/diagnostics";
import { repoRoot } from "@sovereign/profile";
import { describe, expect, it } from "vitest";
import { type CommandContext, REPORT_BUG_LINE, reportFailure } from "../src/index.js";

function capture(e: unknown, json = false): { code: number; err: string } {
  let err = "";
  const ctx: CommandContext = { stdout: () => {}, stderr: (t) => (err += t), cwd: "/", env: {}, isTTY: false };
  return { code: reportFailure(e, ctx, json), err };
}

/**
 * Plain errors that never reach a user, by file: each is an unreachable branch, an error the
 * CEL evaluator turns into a finding, or a value already validated by a schema.
 */
const PLAIN_ERRORS_ALLOWED: Record<string, string> = {
  "packages/bundle/src/ecdsa.ts": "unreachable: the RFC 6979 nonce loop is infinite",
  "packages/constructs/src/serving/model-service.ts": "unreachable: the pool was checked above",
  "packages/policy/src/cel/k8s-lib.ts": "CEL runtime errors: the evaluator reports them as findings",
  "packages/policy/src/cel/values.ts": "internal: only JSON values are bound into CEL",
  "packages/profile/src/quantity.ts": "called on quantities the profile schema has already validated",
  "packages/bundle/src/tar-write.ts": "bundle writer internals, being reworked with the bundle stages",
  "packages/constructs/src/training/upstream.ts": "internal: the shipped upstream record lacks a fact the constructs rely on",
  "packages/bundle/src/zstd.ts": "frame checker internals: read.ts catches them and reports a located bundle error",
  "packages/inference-core/src/engine/parse-args.ts": "parses the kit's own generated engine arguments back (tests and checks), never user input",
  "packages/profile/src/weights-location.ts": "called on weights URIs the profile schema has already validated",
};

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) return f === "node_modules" || f === "dist" || f === "test" ? [] : sources(p);
    return p.endsWith(".ts") && !p.endsWith(".d.ts") ? [p] : [];
  });
}

describe("one error model", () => {
  it("GIVEN a plain Error at the top WHEN reported THEN exit 70 (ExitCode.Internal), the stack and a please-report line", () => {
    const r = capture(new TypeError("x is undefined"));
    expect(r.code).toBe(ExitCode.Internal);
    expect(ExitCode.Internal).toBe(70);
    expect(r.err).toMatch(/^sovereign: internal error: TypeError: x is undefined\n\s+at /);
    expect(r.err.trim().endsWith(REPORT_BUG_LINE)).toBe(true);
    expect(REPORT_BUG_LINE).toMatch(/please report/);
  });

  it("GIVEN a KitError with code, file, path and hint WHEN reported as text and JSON THEN each is shown and its exit code returned", () => {
    const e = new KitError("zstd failed", ExitCode.Findings, {
      code: "tool.zstd_failed",
      file: "b.tar.zst",
      path: ["spec", "x"],
      hint: "copy it again",
    });
    const text = capture(e);
    expect(text.code).toBe(ExitCode.Findings);
    expect(text.err).toBe("sovereign: b.tar.zst: zstd failed at spec.x\n  fix: copy it again\n");
    const json = capture(e, true);
    expect(JSON.parse(json.err)).toEqual({
      ok: false,
      error: { code: "tool.zstd_failed", message: "zstd failed", hint: "copy it again", file: "b.tar.zst", path: "spec.x" },
    });
  });

  it("GIVEN usage and input errors WHEN reported THEN exit 2 with code usage / the issue's code", () => {
    const u = capture(new UsageError("--x is unknown", "drop it"), true);
    expect(u.code).toBe(ExitCode.BadInput);
    expect(JSON.parse(u.err).error).toMatchObject({ code: "usage", hint: "drop it" });
    const i = new InputError([{ code: "ref.site", path: ["spec", "sites", 0], message: "m", hint: "h" }]);
    expect(i).toMatchObject({ code: "ref.site", hint: "h", path: ["spec", "sites", 0], exitCode: ExitCode.BadInput });
    expect(capture(i).err).toContain("error ref.site at spec.sites[0]: m\n  fix: h");
    expect(new KitError("m").toIssue()).toEqual({ code: "kit.error", path: [], message: "m" });
  });

  it("GIVEN the product sources WHEN scanned THEN no plain `throw new Error` outside the allowed files, and no KitError with a literal exit code", () => {
    const root = repoRoot();
    const files = [...sources(join(root, "packages")), ...sources(join(root, "stacks"))].filter((f) =>
      /\/(packages\/[^/]+\/src|stacks)\//.test(f),
    );
    expect(files.length).toBeGreaterThan(50);
    const plain: string[] = [];
    const literal: string[] = [];
    for (const f of files) {
      const rel = relative(root, f);
      const text = readFileSync(f, "utf8");
      if (/throw new Error\(/.test(text) && !(rel in PLAIN_ERRORS_ALLOWED)) plain.push(rel);
      for (const m of text.matchAll(/new KitError\([^;]*?,\s*\d+\s*[,)]/gs)) literal.push(`${rel}: ${m[0].slice(0, 80)}`);
    }
    expect(plain, "use KitError/InputError with a code and a hint (see docs/design.md, error model)").toEqual([]);
    expect(literal, "exit codes are ExitCode constants").toEqual([]);
  });
});
