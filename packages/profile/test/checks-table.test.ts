// The cross-field checks as a table: each named check reports only its own codes, and every code
// of the table has a case here that makes the check (and only that check) report it.
import { formatPath } from "@sovereign/diagnostics";
import { describe, expect, it } from "vitest";
import { type CountryProfile, crossCheck, loadProfileFile, profileChecks, shippedProfilePath } from "../src/index.js";
import { malformedCases } from "./malformed.cases.js";

const th = loadProfileFile(shippedProfilePath("th"));
type Edit = (p: CountryProfile) => void;
const m0 = (p: CountryProfile) => p.spec.serving.models[0]!;

/** One edit of the shipped Thailand profile per issue code, and where the issue must point. */
const CASES: Record<string, [Edit, string]> = {
  "country.iso": [(p) => (p.spec.country = "XX"), "spec.country"],
  "country.mismatch": [(p) => (p.spec.country = "KR"), "spec.country"],
  "unique.name": [(p) => p.spec.storage.classes.push({ ...p.spec.storage.classes[0]! }), "spec.storage.classes[3].name"],
  "unique.zone": [(p) => p.spec.sites.push({ ...p.spec.sites[0]!, name: "bkk2", domains: [] }), "spec.sites[1].zones[0]"],
  "cidr.invalid": [(p) => (p.spec.sites[0]!.egressCidrs = ["192.0.2.0/33"]), "spec.sites[0].egressCidrs[0]"],
  "domain.invalid": [(p) => (p.spec.sites[0]!.domains = ["bkk1"]), "spec.sites[0].domains[0]"],
  "ref.site": [(p) => (p.spec.gpuPools[0]!.site = "cnx1"), "spec.gpuPools[0].site"],
  "sharing.mig_profile": [(p) => (p.spec.gpuPools[0]!.sharing = { strategy: "mig" }), "spec.gpuPools[0].sharing"],
  "sharing.replicas": [(p) => (p.spec.gpuPools[1]!.sharing = { strategy: "time-slicing" }), "spec.gpuPools[1].sharing"],
  "ref.storageClass": [
    (p) => (p.spec.storage.dataClasses.backups!.storageClass = "tape"),
    "spec.storage.dataClasses.backups.storageClass",
  ],
  "retention.exceeds_limit": [
    (p) => (p.spec.residency = { approvedTransfers: [], logRetentionLimitDays: 29 }),
    "spec.storage.dataClasses.interaction-logs.retentionDays",
  ],
  "host.out_of_country": [(p) => (p.spec.kms.endpoint = "https://kms.example.com"), "spec.kms.endpoint"],
  "image.registry": [(p) => (m0(p).image = m0(p).image.replace("registry.bkk1", "registry.cnx1")), "spec.serving.models[0].image"],
  "image.not_pinned": [(p) => (m0(p).image = m0(p).image.replace(/@sha256:.*/, ":latest")), "spec.serving.models[0].image"],
  "image.bad_digest": [(p) => (m0(p).image = m0(p).image.replace(/@sha256:(.*)/, "@sha256:abc")), "spec.serving.models[0].image"],
  "ref.pool": [(p) => (m0(p).pool = "a100"), "spec.serving.models[0].pool"],
  "tp.heads": [(p) => (m0(p).tensorParallel = 3), "spec.serving.models[0].tensorParallel"],
  "tp.kvHeads": [
    (p) => {
      m0(p).architecture = { ...m0(p).architecture, heads: 40, kvHeads: 20, headDim: 128 };
      m0(p).tensorParallel = 8;
    },
    "spec.serving.models[0].tensorParallel",
  ],
  "arch.kvHeads": [(p) => (m0(p).architecture = { ...m0(p).architecture, kvHeads: 80 }), "spec.serving.models[0].architecture.kvHeads"],
  "arch.headDim": [
    (p) => {
      m0(p).architecture = { ...m0(p).architecture, hiddenSize: 5001 };
      delete m0(p).architecture.headDim;
    },
    "spec.serving.models[0].architecture.hiddenSize",
  ],
  "tp.gpusPerNode": [(p) => (p.spec.gpuPools[0]!.gpusPerNode = 1), "spec.serving.models[0].tensorParallel"],
  "ref.pool_purpose": [(p) => (m0(p).pool = "h100-train"), "spec.serving.models[0].pool"],
  "autoscaling.prometheus_url": [(p) => (p.spec.serving.autoscaling = { provider: "keda" }), "spec.serving.autoscaling.provider"],
  "weights.format_file": [(p) => (m0(p).weights.format = "file"), "spec.serving.models[0].weights.format"],
  "storage.logs_rwo": [
    (p) => (p.spec.storage.dataClasses["interaction-logs"]!.storageClass = "resident-block"),
    "spec.storage.dataClasses.interaction-logs.storageClass",
  ],
  "storage.logs_site": [
    (p) => {
      p.spec.sites.push({ ...p.spec.sites[0]!, name: "cnx1", zones: ["cnx1-a"], domains: [] });
      p.spec.gpuPools.push({ ...p.spec.gpuPools[0]!, name: "cnx1-serve", site: "cnx1" });
      p.spec.storage.classes.push({ ...p.spec.storage.classes[0]!, name: "cnx1-block", site: "cnx1" });
      p.spec.storage.dataClasses["model-weights"]!.sites = { cnx1: { storageClass: "cnx1-block" } };
      m0(p).pool = "cnx1-serve";
    },
    "spec.serving.models[0].pool",
  ],
  "ip.invalid": [(p) => (p.spec.cluster = { ...p.spec.cluster, nodeLocalDns: "169.254.20.300" }), "spec.cluster.nodeLocalDns"],
  "storage.site_class": [
    (p) => (p.spec.storage.dataClasses.backups!.sites = { bkk1: { storageClass: "tape" } }),
    "spec.storage.dataClasses.backups.sites.bkk1.storageClass",
  ],
  "gpu_operator.component": [
    (p) => (p.spec.gpuOperator!.images = { ...p.spec.gpuOperator!.images, fooExporter: m0(p).image } as never),
    "spec.gpuOperator.images.fooExporter",
  ],
  "replicas.range": [(p) => (m0(p).replicas = { min: 7, max: 6 }), "spec.serving.models[0].replicas.min"],
  "ref.policy_pack": [(p) => p.spec.policies.push("gdpr-lite"), "spec.policies[3]"],
  "policy.core_missing": [(p) => (p.spec.policies = ["th-pdpa", "training-ledger"]), "spec.policies"],
  "state.local": [(p) => (p.spec.stateBackend = { type: "local" }), "spec.stateBackend.type"],
  "storage.unencrypted": [(p) => (p.spec.storage.classes[1]!.encrypted = false), "spec.storage.classes[1].encrypted"],
  "egress.everything": [(p) => (p.spec.sites[0]!.egressCidrs = ["0.0.0.0/0"]), "spec.sites[0].egressCidrs[0]"],
  "egress.too_wide": [(p) => (p.spec.sites[0]!.egressCidrs = ["10.0.0.0/7"]), "spec.sites[0].egressCidrs[0]"],
  "storage.purge_image": [(p) => (p.spec.serving.models = []), "spec.storage.dataClasses.interaction-logs.retentionDays"],
  "gateway.hostname": [(p) => (p.spec.serving.gateway!.hostname = "*.bkk1.sovereign.example"), "spec.serving.gateway.hostname"],
  "serving.weights_class": [(p) => delete p.spec.storage.dataClasses["model-weights"], "spec.storage.dataClasses"],
  "modality.encoder": [(p) => (m0(p).modalities = ["text", "image"]), "spec.serving.models[0].modalities"],
  "modality.undeclared": [
    (p) => (m0(p).encoders = { audio: { params: 600_000_000, perPrompt: 1 } } as never),
    "spec.serving.models[0].encoders.audio",
  ],
  "engine.maxModelLen": [(p) => (m0(p).engine = { maxModelLen: 65_536 } as never), "spec.serving.models[0].engine.maxModelLen"],
  "arch.experts": [
    (p) => (m0(p).architecture = { ...m0(p).architecture, experts: { count: 8, perToken: 9 } as never }),
    "spec.serving.models[0].architecture.experts.perToken",
  ],
  "weights.bucket": [(p) => (m0(p).weights.uri = "s3://Models_/r1-distill-qwen-14b"), "spec.serving.models[0].weights.uri"],
  "weights.prefix": [(p) => (m0(p).weights.uri = "s3://models/r1//distill"), "spec.serving.models[0].weights.uri"],
};

describe("crossCheck is a table of named checks", () => {
  it("GIVEN the table WHEN listing codes THEN names are unique and every code has a case here or in the malformed table", () => {
    expect(new Set(profileChecks().map((c) => c.name)).size).toBe(profileChecks().length);
    const codes = new Set(profileChecks().flatMap((c) => c.codes));
    // Codes whose cases live with their own feature's tests (packages/profile/test/training.test.ts).
    const elsewhere = new Set([...malformedCases.map((c) => c.code), "pool.interconnect", "training.no_pool", "training.duplicate_recipe"]);
    expect([...codes].filter((c) => !(c in CASES) && !elsewhere.has(c))).toEqual([]);
    expect(Object.keys(CASES).filter((c) => !codes.has(c))).toEqual([]);
  });

  it.each(Object.entries(CASES))("GIVEN a profile that breaks %s WHEN checked THEN its check reports it at the field", (code, [edit, path]) => {
    const p = structuredClone(th);
    edit(p);
    const check = profileChecks().find((c) => c.codes.includes(code) && c.run(p).some((i) => i.code === code))!;
    expect(check, `no check of the table reports ${code}`).toBeDefined();
    const own = check.run(p);
    expect(own.map((i) => `${i.code}@${formatPath(i.path)}`)).toContain(`${code}@${path}`);
    expect(own.every((i) => check.codes.includes(i.code))).toBe(true);
    expect(own.every((i) => i.message.length > 0 && (i.hint ?? "").length > 0)).toBe(true);
    expect(crossCheck(p).map((i) => i.code)).toContain(code);
    expect(check.run(th)).toEqual([]);
  });
});
