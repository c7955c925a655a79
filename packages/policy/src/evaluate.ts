import type { CelValue } from "@bufbuild/cel";
import type { CountryProfile } from "@sovereign/profile";
import { isEvalError, LazyVariables } from "./cel/program.js";
import { jsonToCel } from "./cel/values.js";
import { loadPacks, type PolicyPack, type Rule } from "./pack.js";
import { buildParams } from "./params.js";
import { type TerraformBlock, targetsBlock, terraformBlocks } from "./terraform.js";
import type { EvaluateInput, Finding, K8sObject, ObjectRef } from "./types.js";

/** Group and version of an apiVersion (`apps/v1` → apps, v1; `v1` → "", v1). */
export function groupVersion(apiVersion: string): { group: string; version: string } {
  const i = apiVersion.indexOf("/");
  return i < 0
    ? { group: "", version: apiVersion }
    : { group: apiVersion.slice(0, i), version: apiVersion.slice(i + 1) };
}

/** True when a rule's Kubernetes targets select the object (apiGroups, apiVersions, kinds; `*` matches all). */
export function targetsObject(rule: Rule, obj: K8sObject): boolean {
  const { group, version } = groupVersion(obj.apiVersion ?? "");
  return (rule.targets.kubernetes ?? []).some(
    (t) =>
      (t.apiGroups.includes("*") || t.apiGroups.includes(group)) &&
      (t.apiVersions.includes("*") || t.apiVersions.includes(version)) &&
      (t.kinds.includes("*") || t.kinds.includes(obj.kind)),
  );
}

/** Legal references of a rule for the given frameworks, as `FRAMEWORK provision`. */
export function legalRefsFor(rule: Rule, frameworks: readonly string[]): string[] {
  return frameworks.flatMap((fw) => (rule.legalRefs[fw] ?? []).map((ref) => `${fw} ${ref}`));
}

/** Where a finding points; everything else (rule, message) is added per validation. */
export interface Subject {
  ref: ObjectRef;
  stack?: string;
  address?: string;
  source?: string;
}

/** Prepared, rule-independent evaluation context for one object. */
export interface PreparedObject {
  subject: Subject;
  object: CelValue;
  request: CelValue;
}

/** `request` as the API server builds it for a CREATE of the object (what synth is about to do). */
function requestFor(ref: ObjectRef, group: string, version: string): CelValue {
  return jsonToCel({
    kind: { group, version, kind: ref.kind },
    name: ref.name,
    namespace: ref.namespace ?? "",
    operation: "CREATE",
    userInfo: { username: "sovereign:synth", groups: ["sovereign:offline"] },
    dryRun: true,
  });
}

export function prepareObject(obj: K8sObject, where: Omit<Subject, "ref"> = {}): PreparedObject {
  const { group, version } = groupVersion(obj.apiVersion ?? "");
  const ref: ObjectRef = {
    kind: obj.kind,
    apiVersion: obj.apiVersion,
    name: obj.metadata?.name ?? "(unnamed)",
    ...(obj.metadata?.namespace ? { namespace: obj.metadata.namespace } : {}),
  };
  return { subject: { ...where, ref }, object: jsonToCel(obj), request: requestFor(ref, group, version) };
}

export function prepareBlock(b: TerraformBlock, stack?: string): PreparedObject {
  const ref: ObjectRef = { kind: `terraform.${b.block}`, name: b.name };
  return {
    subject: {
      ref,
      stack,
      address: b.block === "resource" ? b.name : `${b.block}.${b.type}`,
      source: "terraform",
    },
    object: jsonToCel(b),
    request: requestFor(ref, "terraform", "v1"),
  };
}

/** Where the pod spec sits in each workload kind (`{podSpec}` in a fieldPath). */
export function podSpecPath(kind: string): string {
  if (kind === "Pod") return "spec";
  if (kind === "PodTemplate") return "template.spec";
  if (kind === "CronJob") return "spec.jobTemplate.spec.template.spec";
  return "spec.template.spec";
}

function resolveFieldPath(path: string | undefined, kind: string): string | undefined {
  return path?.replace("{podSpec}", podSpecPath(kind));
}

const errText = (e: unknown) => String((e as Error)?.message ?? e);

/**
 * Runs one rule on one prepared object with ValidatingAdmissionPolicy semantics:
 * every matchCondition must be true (else the rule does not apply); variables are bound lazily;
 * each false validation is a violation with its messageExpression (falling back to message);
 * an evaluation error is a finding under failurePolicy Fail and ignored under Ignore.
 */
export function evaluateRule(
  rule: Rule,
  target: PreparedObject,
  params: CelValue,
  frameworks: readonly string[],
  oldObject: CelValue = null,
  stats?: RuleStats,
): Finding[] {
  const c = rule.compiled;
  const base: Record<string, CelValue> = {
    object: target.object,
    oldObject,
    params,
    request: target.request,
  };
  const finding = (message: string, reason: Finding["reason"], field?: string): Finding => ({
    ruleId: rule.id,
    packId: rule.packId,
    severity: rule.severity,
    ...(target.subject.stack !== undefined ? { stack: target.subject.stack } : {}),
    ...(target.subject.address !== undefined ? { address: target.subject.address } : {}),
    objectRef: target.subject.ref,
    ...(field !== undefined ? { field } : {}),
    message,
    legalRefs: legalRefsFor(rule, frameworks),
    reason,
    ...(target.subject.source !== undefined ? { source: target.subject.source } : {}),
  });
  const onError = (what: string, e: unknown): Finding[] =>
    rule.failurePolicy === "Fail"
      ? [
          finding(
            `rule could not be evaluated (${what}): ${errText(e)}; failurePolicy Fail denies it`,
            "EvaluationError",
          ),
        ]
      : [];

  for (const mc of c.matchConditions) {
    const r = mc.program(base);
    if (isEvalError(r)) return onError(`matchCondition ${mc.name}`, r);
    if (typeof r !== "boolean")
      return onError(`matchCondition ${mc.name}`, new Error("did not return a bool"));
    if (!r) return [];
  }
  if (stats) stats.set(rule, (stats.get(rule) ?? 0) + 1);
  const bindings: Record<string, CelValue> = { ...base };
  bindings.variables = new LazyVariables(c.variables, () => bindings) as unknown as CelValue;

  const out: Finding[] = [];
  c.validations.forEach((v, i) => {
    const doc = rule.validations[i]!;
    const r = v.program(bindings);
    if (isEvalError(r) || typeof r !== "boolean") {
      out.push(...onError(`validation ${i}`, isEvalError(r) ? r : new Error("did not return a bool")));
      return;
    }
    if (r) return;
    let message = doc.message ?? `failed expression: ${doc.expression}`;
    if (v.messageProgram) {
      const m = v.messageProgram(bindings);
      // VAP: a messageExpression that errors or yields a non-string/empty value falls back to message
      if (!isEvalError(m) && typeof m === "string" && m.trim() !== "" && !m.includes("\n")) message = m;
    }
    out.push(finding(message, "Violation", resolveFieldPath(doc.fieldPath, target.subject.ref.kind)));
  });
  return out;
}

/** How many objects each rule applied to (targets and matchConditions both matched). */
export type RuleStats = Map<Rule, number>;

/** Packs of a profile, in the order it lists them. */
function packsOf(profile: CountryProfile, packs?: PolicyPack[]): PolicyPack[] {
  return packs ?? loadPacks(profile.spec.policies);
}

/**
 * Runs every applicable rule of the profile's packs over every Kubernetes object and every
 * Terraform backend/provider/resource block. Findings are sorted by severity, rule and object.
 */
export function evaluate(input: EvaluateInput, stats?: RuleStats): Finding[] {
  const { profile } = input;
  const packs = packsOf(profile, input.packs);
  const rules = packs.flatMap((p) => p.rules);
  const k8sRules = rules.filter((r) => r.targets.kubernetes);
  const tfRules = rules.filter((r) => r.targets.terraform);
  const params = jsonToCel(buildParams(profile, { now: input.now }));
  const frameworks = profile.spec.frameworks;
  const out: Finding[] = [];
  // Index rules by kind once: most objects match few rules, so skip the rest without any CEL.
  const byKind = new Map<string, Rule[]>();
  const wildcard = k8sRules.filter((r) => r.targets.kubernetes!.some((t) => t.kinds.includes("*")));
  for (const r of k8sRules) {
    for (const t of r.targets.kubernetes!)
      for (const k of t.kinds) if (k !== "*") byKind.set(k, [...(byKind.get(k) ?? []), r]);
  }
  for (const so of input.objects) {
    const candidates = [...new Set([...(byKind.get(so.object.kind) ?? []), ...wildcard])].filter((r) =>
      targetsObject(r, so.object),
    );
    if (candidates.length === 0) continue;
    const prepared = prepareObject(so.object, { stack: so.stack, address: so.address, source: so.source });
    for (const r of candidates) out.push(...evaluateRule(r, prepared, params, frameworks, null, stats));
  }
  for (const tf of input.terraform) {
    for (const b of terraformBlocks(tf.json)) {
      const applicable = tfRules.filter((r) => targetsBlock(r.targets.terraform!, b));
      if (applicable.length === 0) continue;
      const prepared = prepareBlock(b, tf.stack);
      for (const r of applicable) out.push(...evaluateRule(r, prepared, params, frameworks, null, stats));
    }
  }
  return sortFindings(out);
}

const SEV = { error: 0, warning: 1, info: 2 } as const;

export function sortFindings(fs: Finding[]): Finding[] {
  const key = (f: Finding) =>
    [f.packId, f.ruleId, f.stack ?? "", f.objectRef.kind, f.objectRef.namespace ?? "", f.objectRef.name].join(
      "\u0000",
    );
  return [...fs].sort((a, b) => SEV[a.severity] - SEV[b.severity] || key(a).localeCompare(key(b)));
}
