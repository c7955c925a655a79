// The cross-field checks as a table: each named check reports only its own codes, and every code
// of the table has a case here that makes the check (and only that check) report it.
import { readFileSync } from "node:fs";
import { formatPath } from "@sovereign/diagnostics";
import { describe, expect, it } from "vitest";
import {
  type CountryProfile,
  crossCheck,
  profileChecks,
  shippedPackNames,
} from "../src/index.js";
import { shippedThailand } from "./shipped-th.js";
import { malformedCases } from "./malformed.cases.js";

const th = shippedThailand();
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

/** What each case's issue says, exactly: the message names the value, the hint the fix. */
const SAYS: Record<string, [message: string, hint: string]> = {
  "country.iso": [
    "\"XX\" is not an assigned ISO 3166-1 alpha-2 code",
    "use the upper-case two-letter code, e.g. TH, KR, SA",
  ],
  "country.mismatch": [
    "spec.country \"KR\" does not match metadata.name \"th\"",
    "set metadata.name to \"kr\" or spec.country to \"TH\"",
  ],
  "unique.name": [
    "duplicate storage class \"resident-block\" (first declared at index 0)",
    "give each storage class a unique name",
  ],
  "unique.zone": [
    "zone \"bkk1-a\" is already declared by site \"bkk1\"",
    "a zone belongs to exactly one site; remove the duplicate",
  ],
  "cidr.invalid": [
    "\"192.0.2.0/33\" is not a valid CIDR",
    "write an address and prefix length, e.g. 192.0.2.0/24 or 2001:db8::/32",
  ],
  "domain.invalid": [
    "\"bkk1\" is not a DNS suffix",
    "write a lowercase domain such as bkk1.sovereign.example",
  ],
  "ref.site": [
    "site \"cnx1\" is not declared in spec.sites[].name",
    "use one of the declared names: \"bkk1\"",
  ],
  "sharing.mig_profile": [
    "strategy mig needs a migProfile",
    "add `migProfile: 1g.10gb` (or another profile your GPUs support)",
  ],
  "sharing.replicas": [
    "strategy time-slicing needs replicas",
    "add `replicas: 4` (pods sharing one GPU)",
  ],
  "ref.storageClass": [
    "storage class \"tape\" is not declared in spec.storage.classes[].name",
    "use one of the declared names: \"resident-block\", \"resident-archive\", \"resident-shared\"",
  ],
  "retention.exceeds_limit": [
    "retention of 30 days exceeds the legal limit of 29 days",
    "set retentionDays to at most 29",
  ],
  "host.out_of_country": [
    "KMS host \"kms.example.com\" is not under an in-country domain (bkk1.sovereign.example) nor inside the egress networks",
    "use a host under \"bkk1.sovereign.example\" or add its domain to the site that serves it (spec.sites[].domains)",
  ],
  "image.registry": [
    `image ${JSON.stringify(m0(th).image.replace("registry.bkk1", "registry.cnx1"))} is not from the in-country registry "registry.bkk1.sovereign.example/ai"`,
    "mirror it and reference it as registry.bkk1.sovereign.example/ai/<name>@sha256:<digest>",
  ],
  "image.not_pinned": [
    "image \"registry.bkk1.sovereign.example/ai/inference-core:latest\" is not pinned by digest (tags can be moved)",
    "append @sha256:<64 hex> (e.g. from `crane digest <ref>` or `skopeo inspect`)",
  ],
  "image.bad_digest": [
    "image digest \"sha256:abc\" is not 64 lowercase hex characters",
    "copy the full sha256 digest of the mirrored image",
  ],
  "ref.pool": [
    "GPU pool \"a100\" is not declared in spec.gpuPools[].name",
    "use one of the declared names: \"h100-serve\", \"l40s-shared\", \"h100-train\"",
  ],
  "tp.heads": [
    "tensorParallel 3 does not divide heads 40",
    "choose a divisor of 40, e.g. 1, 2, 4, 5, 8, 10",
  ],
  "tp.kvHeads": [
    "tensorParallel 8 does not divide kvHeads 20",
    "choose a divisor of 20, e.g. 1, 2, 4, 5, 10",
  ],
  "arch.kvHeads": [
    "kvHeads 80 must divide heads 40 (grouped-query attention)",
    "copy kvHeads (num_key_value_heads) from the model's published config",
  ],
  "arch.headDim": [
    "hiddenSize 5001 is not divisible by heads 40",
    "set architecture.headDim explicitly from the model's config",
  ],
  "tp.gpusPerNode": [
    "tensorParallel 2 exceeds gpusPerNode 1 of pool \"h100-serve\"",
    "use tensorParallel <= 1 or a pool with more GPUs per node",
  ],
  "ref.pool_purpose": [
    "pool \"h100-train\" has purpose training, not inference",
    "serve from an inference pool: \"h100-serve\", \"l40s-shared\"",
  ],
  "ip.invalid": [
    "\"169.254.20.300\" is not an IP address",
    "give the NodeLocal DNSCache listen address, e.g. 169.254.20.10",
  ],
  "storage.site_class": [
    "\"tape\" is not a storage class of site \"bkk1\"",
    "use one of: resident-block, resident-archive, resident-shared",
  ],
  "gpu_operator.component": [
    "unknown GPU Operator component \"fooExporter\"",
    "use one of: operator, driver, driverManager, toolkit, devicePlugin, dcgmExporter, gpuFeatureDiscovery, validator, nodeFeatureDiscovery, migManager, dcgm",
  ],
  "replicas.range": [
    "replicas.min 7 is greater than replicas.max 6",
    "set min <= max, e.g. min: 6",
  ],
  "ref.policy_pack": [
    "policy pack \"gdpr-lite\" is not in policies/",
    // The shipped packs, in name order (a new pack joins the list).
    `use one of ${shippedPackNames().map((n) => JSON.stringify(n)).join(", ")}, or scaffold one with \`sovereign policy new <FRAMEWORK>\``,
  ],
  "policy.core_missing": [
    "spec.policies does not list residency-core, the rules every country runs",
    "add residency-core to spec.policies",
  ],
  "state.local": [
    "the local state backend keeps Terraform state on whichever machine runs it; allowed only for a demo",
    "use kubernetes, pg or an in-country s3 endpoint, or label the profile metadata.labels[\"sovereign.ai/demo\"]: \"true\"",
  ],
  "storage.unencrypted": [
    "storage class \"resident-archive\" is not encrypted; residency-core refuses unencrypted classes",
    "set encrypted: true (keys come from spec.kms)",
  ],
  "egress.everything": [
    "0.0.0.0/0 is every address: egress \"only in-country\" would allow the whole internet",
    "list the country's own networks (the datacenter and partner ranges)",
  ],
  "egress.too_wide": [
    "10.0.0.0/7 is wider than /8; no country's own networks are that large",
    "split it into the networks actually used, or record an approved transfer with destination \"10.0.0.0/7\" in spec.residency.approvedTransfers",
  ],
  "storage.purge_image": [
    "retention of 30 days for interaction-logs needs an image to run the purge job, and the profile has no model",
    "add a model under spec.serving.models (its inference-core image runs the purge), or drop retentionDays",
  ],
  "gateway.hostname": [
    "\"*.bkk1.sovereign.example\" is not a lowercase DNS name (the route is published under exactly this name; wildcards are not)",
    "e.g. ai.site1.sovereign.example",
  ],
  "serving.weights_class": [
    "models are served but there is no model-weights data class to cache their weights in",
    "add spec.storage.dataClasses.model-weights with an encrypted in-country storage class",
  ],
  "modality.encoder": [
    "model r1-distill-qwen-14b declares modality image but no encoders.image",
    "add encoders: { image: { params: <encoder parameters from the model card>, perPrompt: 1 } }",
  ],
  "modality.undeclared": [
    "model r1-distill-qwen-14b has an audio encoder but modalities [\"text\"] omit audio",
    "add audio to modalities, or remove encoders.audio",
  ],
  "engine.maxModelLen": [
    "maxModelLen 65536 exceeds the model's maxContext 32768",
    "use at most 32768, or omit it to serve the full context",
  ],
  "arch.experts": [
    "perToken 9 exceeds the 8 experts",
    "copy num_experts_per_tok and the expert count from the model's config",
  ],
  "weights.bucket": [
    "bucket \"Models_\" of s3://Models_/r1-distill-qwen-14b is not an S3 bucket name (3-63 of a-z, 0-9, '.', '-')",
    "write uri as s3://<bucket>/<prefix>",
  ],
  "weights.prefix": [
    "key prefix \"r1//distill\" of s3://models/r1//distill has characters outside [A-Za-z0-9._/-] or empty segments",
    "use a prefix like models/r1-distill-qwen-14b",
  ],
};

describe("crossCheck is a table of named checks", () => {
  it("GIVEN the table WHEN listed THEN its checks, their names and codes are exactly the pinned list (check-names.json)", () => {
    // The pinned list is the contract: a check removed, renamed or given other codes fails here,
    // and the change is made on purpose by editing the list beside it.
    const pinned = JSON.parse(readFileSync(new URL("./check-names.json", import.meta.url), "utf8")) as unknown;
    expect(profileChecks().map((c) => ({ name: c.name, codes: [...c.codes] }))).toEqual(pinned);
  });

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
  it.each(Object.entries(SAYS))("GIVEN a profile that breaks %s WHEN checked THEN its message and hint are exactly the documented ones", (code, [message, hint]) => {
    const p = structuredClone(th);
    CASES[code]![0](p);
    const [, path] = CASES[code]!;
    const issue = crossCheck(p).find((i) => i.code === code && formatPath(i.path) === path);
    expect(issue, `no ${code} at ${path}`).toBeDefined();
    expect({ message: issue!.message, hint: issue!.hint }).toEqual({ message, hint });
  });
});
