import type { CountryProfile } from "@sovereign/profile";
import { evaluate, legalRefsFor, type RuleStats } from "../evaluate.js";
import { loadPacks, type PolicyPack } from "../pack.js";
import { activeTransfers } from "../params.js";
import { uncitedFrameworks } from "../scaffold.js";
import type { EvaluateInput, Finding, Severity } from "../types.js";
import { type MapFinding, type SiteMap, siteMaps } from "./site-map.js";

export type { ClaimRow, MapFinding, SiteMap } from "./site-map.js";

/** One rule's outcome for the report. */
export interface RuleReport {
  packId: string;
  id: string;
  title: string;
  rationale: string;
  severity: Severity;
  legalRefs: string[];
  /** What it looks at, e.g. `Deployment, StatefulSet` or `terraform backend`. */
  targets: string;
  /** Terraform-only rules run at synth, not in the cluster. */
  synthOnly: boolean;
  /** Objects the rule applied to. */
  evaluated: number;
  findings: number;
  result: "pass" | "fail" | "not-applicable";
}

/** One row of the residency map: where a data class lives and which rules hold it there. */
export interface ResidencyRow {
  dataClass: string;
  storageClass: string;
  site: string;
  zones: string[];
  encrypted: boolean;
  retentionDays?: number;
  /** The legal maximum retention (spec.residency.logRetentionLimitDays) for classes it governs. */
  legalLimitDays?: number;
  /** Sites holding volumes of this class (from the per-site map). */
  sites: string[];
  /** Volumes (namespace/name) the synth creates for this class. */
  volumes: string[];
  rules: string[];
  status: "pass" | "fail";
}

/** The compliance report: data only; HTML, JSON, SARIF and JUnit render it. */
export interface ComplianceReport {
  generatedAt: string;
  country: string;
  countryName: string;
  frameworks: string[];
  packs: { id: string; title: string; description: string }[];
  summary: {
    rules: number;
    /** Rules that applied to at least one object (passed + failed). */
    applicable: number;
    passed: number;
    failed: number;
    notApplicable: number;
    errors: number;
    warnings: number;
    objects: number;
    stacks: number;
    /**
     * `not-compliant` on any error finding; `no-legal-basis` when a declared framework is cited
     * by no pack (nothing ties the rules to that law); else `compliant`.
     */
    verdict: "compliant" | "not-compliant" | "no-legal-basis";
  };
  /** Frameworks the profile declares that no pack cites: no legal basis is recorded for them. */
  uncitedFrameworks: string[];
  /** Every site with its networks and every volume placed there, who mounts it and how. */
  sites: SiteMap[];
  /** What the map shows that no rule checks (e.g. a data class nothing writes). */
  mapFindings: MapFinding[];
  rules: RuleReport[];
  findings: Finding[];
  residencyMap: ResidencyRow[];
  /** Where the rest lives: state, telemetry, weights sources. */
  otherData: { what: string; where: string; rules: string[]; status: "pass" | "fail" }[];
  transfers: {
    id: string;
    destination: string;
    legalBasis: string;
    expires: string;
    active: boolean;
    usedBy: string[];
  }[];
}

function targetText(p: PolicyPack["rules"][number]): string {
  if (p.targets.terraform) {
    return p.targets.terraform
      .map((t) => `terraform ${t.block}${t.types ? ` (${t.types.join(", ")})` : ""}`)
      .join("; ");
  }
  return [...new Set((p.targets.kubernetes ?? []).flatMap((t) => t.kinds))]
    .map((k) => (k === "*" ? "any object" : k))
    .join(", ");
}

/** Evaluates and assembles the report for a profile. */
export function buildReport(input: EvaluateInput & { now?: Date }): ComplianceReport {
  const { profile } = input;
  const now = input.now ?? new Date();
  const packs = input.packs ?? loadPacks(profile.spec.policies);
  const stats: RuleStats = new Map();
  const findings = evaluate({ ...input, packs, now }, stats);
  const fw = profile.spec.frameworks;
  const rules: RuleReport[] = packs.flatMap((p) =>
    p.rules.map((r) => {
      const n = findings.filter((f) => f.packId === p.id && f.ruleId === r.id).length;
      const evaluated = stats.get(r) ?? 0;
      return {
        packId: p.id,
        id: r.id,
        title: r.title,
        rationale: r.rationale,
        severity: r.severity,
        legalRefs: legalRefsFor(r, fw),
        targets: targetText(r),
        synthOnly: !r.targets.kubernetes,
        evaluated,
        findings: n,
        result: n > 0 ? "fail" : evaluated === 0 ? "not-applicable" : "pass",
      } satisfies RuleReport;
    }),
  );
  const failedRule = (id: string) => rules.some((r) => r.id === id && r.result === "fail");
  const s = profile.spec;
  const volumeRules = (dc: string) =>
    rules
      .filter(
        (r) =>
          [
            "pvc-data-class-storage-class",
            "pvc-approved-storage-class",
            "storageclass-in-country-zones",
            "storageclass-encrypted",
            "residency-labels",
          ].includes(r.id) ||
          r.id.endsWith("-personal-data-encrypted") ||
          (dc === "interaction-logs" && r.id === "interaction-log-retention") ||
          (dc === "model-weights" && r.id === "data-uri-in-country"),
      )
      .map((r) => r.id);
  const { sites, notes } = siteMaps(profile, input.objects);
  const residencyMap: ResidencyRow[] = Object.entries(s.storage.dataClasses).flatMap(([dc, spec]) => {
    if (!spec) return [];
    const cls = s.storage.classes.find((c) => c.name === spec.storageClass);
    const site = s.sites.find((x) => x.name === cls?.site);
    const volumes = input.objects
      .filter(
        (o) =>
          o.object.kind === "PersistentVolumeClaim" &&
          o.object.metadata.labels?.["sovereign.ai/data-class"] === dc,
      )
      .map((o) => `${o.object.metadata.namespace ?? ""}/${o.object.metadata.name ?? ""}`);
    const rs = volumeRules(dc);
    // A class is out of place when one of its volumes, or its storage class, has a finding.
    const bad = findings.some(
      (f) =>
        rs.includes(f.ruleId) &&
        ((f.objectRef.kind === "PersistentVolumeClaim" &&
          volumes.includes(`${f.objectRef.namespace ?? ""}/${f.objectRef.name}`)) ||
          (f.objectRef.kind === "StorageClass" && f.objectRef.name === spec.storageClass) ||
          (dc === "model-weights" && f.ruleId === "data-uri-in-country")),
    );
    return [
      {
        dataClass: dc,
        storageClass: spec.storageClass,
        site: cls?.site ?? "(unknown)",
        zones: site?.zones ?? [],
        encrypted: cls?.encrypted ?? false,
        ...(spec.retentionDays !== undefined ? { retentionDays: spec.retentionDays } : {}),
        ...(dc === "interaction-logs" && s.residency?.logRetentionLimitDays !== undefined
          ? { legalLimitDays: s.residency.logRetentionLimitDays }
          : {}),
        sites: sites.filter((x) => x.claims.some((c) => c.dataClass === dc)).map((x) => x.site),
        volumes,
        rules: rs,
        status: bad ? "fail" : "pass",
      } satisfies ResidencyRow,
    ];
  });
  const sb = s.stateBackend;
  const stateWhere =
    sb.type === "kubernetes"
      ? `Kubernetes Secret in namespace ${sb.namespace} (in-cluster)`
      : sb.type === "s3"
        ? `S3-compatible bucket ${sb.bucket} at ${sb.endpoint}`
        : sb.type === "pg"
          ? `PostgreSQL ${sb.host ?? "(host from PG_CONN_STR)"} schema ${sb.schemaName}`
          : `local file ${sb.path ?? "terraform.tfstate"} (demo only)`;
  const tel = s.telemetry;
  const otherData: ComplianceReport["otherData"] = [
    {
      what: "Terraform state",
      where: stateWhere,
      rules: ["state-backend-in-country"],
      status: failedRule("state-backend-in-country") ? "fail" : "pass",
    },
    {
      what: "Telemetry (metrics, logs, traces)",
      where:
        [tel?.otlpEndpoint, tel?.metricsRemoteWrite, tel?.logsEndpoint].filter(Boolean).join(", ") ||
        "(none configured)",
      rules: ["telemetry-in-country", "egress-in-country-cidrs"],
      status: failedRule("telemetry-in-country") || failedRule("egress-in-country-cidrs") ? "fail" : "pass",
    },
    {
      what: "Model weights (source) and modalities served",
      where:
        s.serving.models
          .map((m) => `${m.name} [${m.modalities.join(", ")}]: ${m.weights.uri}${m.weights.endpoint ? ` at ${m.weights.endpoint}` : ""}`)
          .join("; ") || "(no models)",
      rules: ["data-uri-in-country"],
      status: failedRule("data-uri-in-country") ? "fail" : "pass",
    },
    {
      what: "Container images and charts",
      where: s.registry,
      rules: ["image-in-country-registry", "image-pinned-digest", "helm-chart-source-in-country"],
      status: ["image-in-country-registry", "image-pinned-digest", "helm-chart-source-in-country"].some(
        failedRule,
      )
        ? "fail"
        : "pass",
    },
  ];
  const active = new Set(activeTransfers(profile, now).map((t) => t.id));
  const transfers = (s.residency?.approvedTransfers ?? []).map((t) => ({
    id: t.id,
    destination: t.destination,
    legalBasis: t.legalBasis,
    expires: t.expires,
    active: active.has(t.id),
    usedBy: input.objects
      .filter((o) => o.object.metadata.annotations?.["sovereign.ai/approved-transfer"] === t.id)
      .map((o) => `${o.object.kind} ${o.object.metadata.namespace ?? ""}/${o.object.metadata.name ?? ""}`),
  }));
  const uncited = uncitedFrameworks(profile, packs);
  const errors = findings.filter((f) => f.severity === "error").length;
  return {
    generatedAt: now.toISOString(),
    country: profile.metadata.name,
    countryName: s.displayName,
    frameworks: fw,
    packs: packs.map((p) => ({ id: p.id, title: p.title, description: p.description })),
    summary: {
      rules: rules.length,
      applicable: rules.filter((r) => r.result !== "not-applicable").length,
      passed: rules.filter((r) => r.result === "pass").length,
      failed: rules.filter((r) => r.result === "fail").length,
      notApplicable: rules.filter((r) => r.result === "not-applicable").length,
      errors,
      warnings: findings.filter((f) => f.severity === "warning").length,
      objects: input.objects.length,
      stacks: new Set([...input.objects.map((o) => o.stack), ...input.terraform.map((t) => t.stack)]).size,
      verdict: errors > 0 ? "not-compliant" : uncited.length > 0 ? "no-legal-basis" : "compliant",
    },
    uncitedFrameworks: uncited,
    sites,
    mapFindings: notes,
    rules,
    findings,
    residencyMap,
    otherData,
    transfers,
  };
}

export type { CountryProfile };
