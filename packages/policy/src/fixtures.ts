import { join } from "node:path";
import type { CelValue } from "@bufbuild/cel";
import { type CountryProfile, loadProfileFile } from "@sovereign/profile";
import { jsonToCel } from "./cel/values.js";
import { evaluateRule, prepareBlock, prepareObject, targetsObject } from "./evaluate.js";
import { type PolicyPack, policiesDir, type Rule } from "./pack.js";
import { buildParams } from "./params.js";
import type { FixtureDoc } from "./schema.js";
import { targetsBlock, terraformBlocks } from "./terraform.js";
import type { Finding, K8sObject } from "./types.js";

/** Outcome of one fixture. */
export interface FixtureResult {
  packId: string;
  ruleId: string;
  fixture: string;
  expect: "pass" | "fail";
  ok: boolean;
  /** Why it failed (expected a violation and got none, or the reverse). */
  detail?: string;
  findings: Finding[];
}

/** The profile fixtures are evaluated against (policies/fixtures/profile.yaml). */
export function fixtureProfile(dir = policiesDir()): CountryProfile {
  return loadProfileFile(join(dir, "fixtures", "profile.yaml"));
}

/** Fixture dates are fixed so expiry checks do not change with the calendar. */
export const FIXTURE_NOW = new Date("2026-01-01T00:00:00Z");

function runFixture(
  rule: Rule,
  f: FixtureDoc,
  profile: CountryProfile,
): { findings: Finding[]; applied: boolean } {
  const base = buildParams(profile, { now: FIXTURE_NOW });
  const params = jsonToCel({ ...base, data: { ...base.data, ...(f.params ?? {}) } }) as CelValue;
  const frameworks = profile.spec.frameworks;
  if (f.object) {
    const obj = f.object as unknown as K8sObject;
    if (!targetsObject(rule, obj)) return { findings: [], applied: false };
    const old = f.oldObject ? jsonToCel(f.oldObject) : null;
    return {
      findings: evaluateRule(rule, prepareObject(obj, { source: "fixture" }), params, frameworks, old),
      applied: true,
    };
  }
  const blocks = terraformBlocks(f.terraform ?? {}).filter((b) =>
    targetsBlock(rule.targets.terraform ?? [], b),
  );
  return {
    findings: blocks.flatMap((b) => evaluateRule(rule, prepareBlock(b, "fixture"), params, frameworks)),
    applied: blocks.length > 0,
  };
}

/**
 * Runs every fixture of every rule: a `pass` fixture must produce no finding (an evaluation
 * error counts as a finding); a `fail` fixture must produce at least one violation of its rule
 * (not merely an evaluation error, which would hide a broken expression).
 */
export function runFixtures(packs: readonly PolicyPack[], profile = fixtureProfile()): FixtureResult[] {
  const out: FixtureResult[] = [];
  for (const pack of packs) {
    for (const rule of pack.rules) {
      for (const expect of ["pass", "fail"] as const) {
        for (const f of rule.fixtures[expect]) {
          const { findings, applied } = runFixture(rule, f, profile);
          let ok: boolean;
          let detail: string | undefined;
          if (expect === "pass") {
            ok = findings.length === 0;
            if (!ok) detail = `expected no finding, got: ${findings.map((x) => x.message).join(" | ")}`;
          } else {
            ok = applied && findings.some((x) => x.reason === "Violation");
            if (!ok) {
              detail = !applied
                ? "the rule does not target this fixture (check targets and the object's apiVersion/kind)"
                : findings.length
                  ? `expected a violation, got evaluation errors: ${findings.map((x) => x.message).join(" | ")}`
                  : "expected a violation, the object passed";
            }
          }
          out.push({ packId: pack.id, ruleId: rule.id, fixture: f.name, expect, ok, detail, findings });
        }
      }
    }
  }
  return out;
}
