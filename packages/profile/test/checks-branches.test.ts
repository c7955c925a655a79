// The branches of the cross-field checks that a single broken field per code does not reach:
// every kind of duplicate, the exemptions (approved transfers, demo label, declared domains),
// the alternative fields a host is read from, and the exact limits of the architecture checks.
// Each case edits the shipped Thailand profile, which has no cross-field issue.
import { formatPath } from "@sovereign/diagnostics";
import { describe, expect, it } from "vitest";
import { stackChecks } from "../src/checks.js";
import { type CountryProfile, crossCheck, residencyChecks } from "../src/index.js";
import { shippedThailand } from "./shipped-th.js";

const th = shippedThailand();
const edit = (f: (p: CountryProfile) => void): CountryProfile => {
  const p = structuredClone(th);
  f(p);
  return p;
};
const m0 = (p: CountryProfile) => p.spec.serving.models[0]!;
/** `code@path` of every issue, for exact comparisons. */
const found = (p: CountryProfile) => crossCheck(p).map((i) => `${i.code}@${formatPath(i.path)}`);
const issue = (p: CountryProfile, code: string) => crossCheck(p).find((i) => i.code === code);

describe("cross-field checks: branches and exact limits", () => {
  it("GIVEN the shipped profile THEN it has no cross-field issue (the baseline every case edits)", () => {
    expect(found(th)).toEqual([]);
  });

  it("GIVEN a site, a pool and a model declared twice WHEN checked THEN each duplicate is named with its kind and the first index", () => {
    const p = edit((q) => {
      q.spec.sites.push({ ...q.spec.sites[0]!, zones: ["bkk9-a"] });
      q.spec.gpuPools.push({ ...q.spec.gpuPools[1]! });
      q.spec.serving.models.push({ ...m0(q) });
    });
    const dups = crossCheck(p).filter((i) => i.code === "unique.name");
    expect(dups.map((i) => [formatPath(i.path), i.message, i.hint])).toEqual([
      ["spec.sites[1].name", 'duplicate site "bkk1" (first declared at index 0)', "give each site a unique name"],
      ["spec.gpuPools[3].name", 'duplicate GPU pool "l40s-shared" (first declared at index 1)', "give each GPU pool a unique name"],
      ["spec.serving.models[2].name", 'duplicate model "r1-distill-qwen-14b" (first declared at index 0)', "give each model a unique name"],
    ]);
  });

  it("GIVEN a name used three times WHEN checked THEN the second and third each point back to the first", () => {
    const p = edit((q) => q.spec.storage.classes.push({ ...q.spec.storage.classes[0]! }, { ...q.spec.storage.classes[0]! }));
    expect(crossCheck(p).filter((i) => i.code === "unique.name").map((i) => i.message)).toEqual([
      'duplicate storage class "resident-block" (first declared at index 0)',
      'duplicate storage class "resident-block" (first declared at index 0)',
    ]);
  });

  it("GIVEN a storage class at an undeclared site WHEN checked THEN ref.site names the class's field", () => {
    const p = edit((q) => (q.spec.storage.classes[1]!.site = "cnx1"));
    expect(found(p)).toContain("ref.site@spec.storage.classes[1].site");
    expect(issue(p, "ref.site")!.message).toBe('site "cnx1" is not declared in spec.sites[].name');
  });

  it("GIVEN sharing strategies with their settings, and the unknown-pool and training-pool references WHEN checked THEN only the missing setting is reported", () => {
    expect(found(edit((q) => (q.spec.gpuPools[0]!.sharing = { strategy: "mig", migProfile: "1g.10gb" })))).toEqual([]);
    expect(found(edit((q) => (q.spec.gpuPools[0]!.sharing = { strategy: "time-slicing", replicas: 2 })))).toEqual([]);
    expect(found(edit((q) => (q.spec.gpuPools[0]!.sharing = { strategy: "time-slicing" })))).toEqual([
      "sharing.replicas@spec.gpuPools[0].sharing",
    ]);
    // A model on an undeclared pool: ref.pool, and no check that needs the pool's size or purpose.
    const unknown = found(edit((q) => (m0(q).pool = "a100")));
    expect(unknown).toContain("ref.pool@spec.serving.models[0].pool");
    expect(unknown.filter((c) => c.startsWith("tp.") || c.startsWith("ref.pool_purpose"))).toEqual([]);
  });

  it("GIVEN no inference pool and no pool at all WHEN models reference pools THEN the hint says none is declared", () => {
    const training = edit((q) => {
      q.spec.gpuPools = q.spec.gpuPools.filter((x) => x.purpose === "training");
      for (const m of q.spec.serving.models) m.pool = "h100-train";
    });
    expect(issue(training, "ref.pool_purpose")!.hint).toBe("serve from an inference pool: (none declared)");
    const none = edit((q) => (q.spec.gpuPools = []));
    expect(issue(none, "ref.pool")!.hint).toBe("use one of the declared names: (none declared)");
  });

  it("GIVEN heads that are a divisor-rich 16 WHEN tensorParallel does not divide them THEN the hint lists every divisor up to 16 itself", () => {
    const p = edit((q) => {
      m0(q).architecture = { ...m0(q).architecture, heads: 16, kvHeads: 16, hiddenSize: 2048 };
      m0(q).tensorParallel = 3;
    });
    expect(issue(p, "tp.heads")!.hint).toBe("choose a divisor of 16, e.g. 1, 2, 4, 8, 16");
    expect(issue(p, "tp.kvHeads")!.hint).toBe("choose a divisor of 16, e.g. 1, 2, 4, 8, 16");
    const big = edit((q) => {
      m0(q).architecture = { ...m0(q).architecture, heads: 64, kvHeads: 8, hiddenSize: 8192 };
      m0(q).tensorParallel = 3;
    });
    expect(issue(big, "tp.heads")!.hint).toBe("choose a divisor of 64, e.g. 1, 2, 4, 8, 16");
  });

  it("GIVEN kvHeads above heads that heads' multiple would divide WHEN checked THEN arch.kvHeads (kvHeads may not exceed heads)", () => {
    const p = edit((q) => {
      m0(q).architecture = { ...m0(q).architecture, heads: 40, kvHeads: 80, headDim: 128 };
      m0(q).tensorParallel = 1;
    });
    expect(found(p)).toEqual(["arch.kvHeads@spec.serving.models[0].architecture.kvHeads"]);
  });

  it("GIVEN hiddenSize not divisible by heads WHEN headDim is given THEN accepted; when it divides THEN accepted without headDim", () => {
    expect(found(edit((q) => (m0(q).architecture = { ...m0(q).architecture, hiddenSize: 5001, headDim: 128 })))).toEqual([]);
    expect(found(edit((q) => (m0(q).architecture = { ...m0(q).architecture, hiddenSize: 5120, headDim: undefined })))).toEqual([]);
  });

  it("GIVEN maxModelLen at, and one past, maxContext WHEN checked THEN only one past is refused", () => {
    const at = (len: number) => found(edit((q) => (m0(q).engine = { ...m0(q).engine, maxModelLen: len } as never)));
    expect(at(32_768)).toEqual([]);
    expect(at(32_769)).toEqual(["engine.maxModelLen@spec.serving.models[0].engine.maxModelLen"]);
  });

  it("GIVEN experts per token at, and one past, the expert count WHEN checked THEN only one past is refused", () => {
    const at = (perToken: number) =>
      found(edit((q) => (m0(q).architecture = { ...m0(q).architecture, experts: { count: 8, perToken } as never })));
    expect(at(8)).toEqual([]);
    expect(at(9)).toEqual(["arch.experts@spec.serving.models[0].architecture.experts.perToken"]);
  });

  it("GIVEN image and audio modalities WHEN encoders are declared, missing or extra THEN each modality is judged on its own", () => {
    const enc = { params: 600_000_000, perPrompt: 1 };
    const at = (modalities: string[], encoders?: Record<string, typeof enc>) =>
      found(
        edit((q) => {
          m0(q).modalities = modalities as never;
          if (encoders) m0(q).encoders = encoders as never;
        }),
      );
    expect(at(["text", "image", "audio"], { image: enc, audio: enc })).toEqual([]);
    expect(at(["text", "audio"], { image: enc })).toEqual([
      "modality.undeclared@spec.serving.models[0].encoders.image",
      "modality.encoder@spec.serving.models[0].modalities",
    ]);
    const p = edit((q) => (m0(q).modalities = ["text", "audio"] as never));
    expect(issue(p, "modality.encoder")!.message).toBe("model r1-distill-qwen-14b declares modality audio but no encoders.audio");
  });

  it("GIVEN tensorParallel 8 WHEN the model moves to a pool of 4 GPUs per node THEN tp.gpusPerNode names that pool and its size", () => {
    const p = edit((q) => {
      m0(q).pool = "l40s-shared";
      m0(q).tensorParallel = 8;
    });
    expect(found(p)).toEqual(["tp.gpusPerNode@spec.serving.models[0].tensorParallel"]);
    expect(issue(p, "tp.gpusPerNode")!.message).toBe('tensorParallel 8 exceeds gpusPerNode 4 of pool "l40s-shared"');
    expect(issue(p, "tp.gpusPerNode")!.hint).toBe("use tensorParallel <= 4 or a pool with more GPUs per node");
  });
});

describe("residency checks that depend on the profile alone", () => {
  it("GIVEN an egress network wider than /8 named by an approved, unexpired transfer WHEN checked THEN accepted; expired THEN egress.too_wide", () => {
    const at = (expires: string) =>
      found(
        edit((q) => {
          q.spec.sites[0]!.egressCidrs = ["10.0.0.0/7"];
          q.spec.residency = {
            ...q.spec.residency,
            approvedTransfers: [{ id: "wide", destination: "10.0.0.0/7", legalBasis: "test", expires }],
          } as never;
        }),
      );
    expect(at("2999-12-31")).toEqual([]);
    expect(at("2000-01-01")).toEqual(["egress.too_wide@spec.sites[0].egressCidrs[0]"]);
  });

  it("GIVEN egress networks of exactly /8 (IPv4 and IPv6) WHEN checked THEN accepted; /7 and ::/7 THEN too wide; ::/0 THEN everything", () => {
    const at = (cidrs: string[]) => found(edit((q) => (q.spec.sites[0]!.egressCidrs = cidrs)));
    expect(at(["10.0.0.0/8", "2000::/8"])).toEqual([]);
    expect(at(["2000::/7"])).toEqual(["egress.too_wide@spec.sites[0].egressCidrs[0]"]);
    expect(at(["192.0.2.0/25", "::/0"])).toEqual(["egress.everything@spec.sites[0].egressCidrs[1]"]);
    expect(issue(edit((q) => (q.spec.sites[0]!.egressCidrs = ["2000::/7"])), "egress.too_wide")!.message).toBe(
      "2000::/7 is wider than /8; no country's own networks are that large",
    );
  });

  it("GIVEN the local state backend WHEN the profile is labelled a demo THEN accepted; labelled anything else THEN state.local", () => {
    const at = (labels?: Record<string, string>) =>
      found(
        edit((q) => {
          q.spec.stateBackend = { type: "local" } as never;
          q.metadata.labels = labels;
        }),
      );
    expect(at({ "sovereign.ai/demo": "true" })).toEqual([]);
    expect(at({ "sovereign.ai/demo": "false" })).toEqual(["state.local@spec.stateBackend.type"]);
    expect(at()).toEqual(["state.local@spec.stateBackend.type"]);
  });

  it("GIVEN state backends on s3 and pg WHEN their host is foreign THEN host.out_of_country at the backend's field; pg without a host THEN nothing to check", () => {
    const s3 = edit((q) => (q.spec.stateBackend = { type: "s3", bucket: "b", key: "k", endpoint: "https://s3.example.com", region: "r" } as never));
    expect(found(s3)).toEqual(["host.out_of_country@spec.stateBackend.endpoint"]);
    expect(issue(s3, "host.out_of_country")!.message).toBe(
      'state backend host "s3.example.com" is not under an in-country domain (bkk1.sovereign.example) nor inside the egress networks',
    );
    const pg = edit((q) => (q.spec.stateBackend = { type: "pg", host: "db.example.com", database: "tf" } as never));
    expect(found(pg)).toEqual(["host.out_of_country@spec.stateBackend.host"]);
    expect(residencyChecks(edit((q) => (q.spec.stateBackend = { type: "pg", database: "tf" } as never)))).toEqual([]);
    expect(found(edit((q) => (q.spec.stateBackend = { type: "pg", host: "db.bkk1.sovereign.example", database: "tf" } as never)))).toEqual([]);
  });

  it("GIVEN hosts inside the egress networks by address WHEN checked THEN in-country; an address outside THEN not", () => {
    expect(found(edit((q) => (q.spec.kms.endpoint = "https://192.0.2.17:8443")))).toEqual([]);
    expect(found(edit((q) => (q.spec.kms.endpoint = "https://192.0.2.200:8443")))).toEqual(["host.out_of_country@spec.kms.endpoint"]);
  });

  it("GIVEN a model whose weights have no endpoint WHEN the URI's host is foreign THEN the issue is at weights.uri; with an endpoint THEN at weights.endpoint", () => {
    const uri = edit((q) => {
      delete m0(q).weights.endpoint;
      m0(q).weights.uri = "s3://weights.example.com/models/m";
    });
    expect(found(uri)).toEqual(["host.out_of_country@spec.serving.models[0].weights.uri"]);
    const endpoint = edit((q) => (m0(q).weights.endpoint = "https://s3.example.com"));
    expect(found(endpoint)).toEqual(["host.out_of_country@spec.serving.models[0].weights.endpoint"]);
  });

  it("GIVEN a gateway hostname WHEN it is a wildcard under an in-country domain THEN only the hostname form is refused; a foreign one is out of the country too", () => {
    const wild = edit((q) => (q.spec.serving.gateway!.hostname = "*.bkk1.sovereign.example"));
    expect(found(wild)).toEqual(["gateway.hostname@spec.serving.gateway.hostname"]);
    const foreign = edit((q) => (q.spec.serving.gateway!.hostname = "ai.example.com"));
    expect(found(foreign)).toEqual(["host.out_of_country@spec.serving.gateway.hostname"]);
    expect(found(edit((q) => delete q.spec.serving.gateway))).toEqual([]);
  });

  it("GIVEN telemetry with an empty endpoint WHEN checked THEN it is skipped; a foreign one THEN refused at its key", () => {
    expect(found(edit((q) => (q.spec.telemetry = { otlpEndpoint: "" } as never)))).toEqual([]);
    expect(found(edit((q) => (q.spec.telemetry = { metricsRemoteWrite: "https://m.example.com/write" } as never)))).toEqual([
      "host.out_of_country@spec.telemetry.metricsRemoteWrite",
    ]);
    expect(found(edit((q) => delete q.spec.telemetry))).toEqual([]);
  });

  it("GIVEN no site declaring domains WHEN a host is foreign THEN the message and hint say only the registry's and KMS's hosts count", () => {
    const p = edit((q) => {
      for (const s of q.spec.sites) delete s.domains;
      q.spec.telemetry = { otlpEndpoint: "https://otel.example.com" };
    });
    const i = crossCheck(p).find((x) => formatPath(x.path) === "spec.telemetry.otlpEndpoint")!;
    expect(i.message).toBe(
      'telemetry host "otel.example.com" is not under an in-country domain (registry.bkk1.sovereign.example, kms.bkk1.sovereign.example): no site declares domains, so only the registry\'s and KMS\'s hosts count nor inside the egress networks',
    );
    expect(i.hint).toBe("declare each site's in-country DNS suffixes in spec.sites[].domains");
  });

  it("GIVEN a registry host with a trailing dot WHEN checked THEN refused (compared verbatim, as the admission policies do)", () => {
    const p = edit((q) => (q.spec.registry = "registry.bkk1.sovereign.example./ai"));
    expect(found(p)).toContain("host.out_of_country@spec.registry");
    expect(issue(p, "host.out_of_country")!.message).toMatch(/^registry host "registry\.bkk1\.sovereign\.example\." is not under/);
  });

  it("GIVEN two unknown packs and residency-core present WHEN checked THEN each unknown pack is named at its index and core is not reported missing", () => {
    const p = edit((q) => (q.spec.policies = ["residency-core", "x-one", "th-pdpa", "x-two"]));
    expect(found(p)).toEqual(["ref.policy_pack@spec.policies[1]", "ref.policy_pack@spec.policies[3]"]);
  });

  it("GIVEN every class unencrypted WHEN checked THEN each is named", () => {
    const p = edit((q) => q.spec.storage.classes.forEach((c) => (c.encrypted = false)));
    expect(found(p)).toEqual(th.spec.storage.classes.map((_, i) => `storage.unencrypted@spec.storage.classes[${i}].encrypted`));
    expect(th.spec.storage.classes.length).toBeGreaterThan(1);
  });
});

describe("stack checks", () => {
  it("GIVEN models removed and no data class with a retention WHEN checked THEN no purge image is needed", () => {
    const p = edit((q) => {
      q.spec.serving.models = [];
      for (const dc of Object.values(q.spec.storage.dataClasses)) if (dc) delete dc.retentionDays;
    });
    expect(stackChecks(p)).toEqual([]);
  });

  it("GIVEN models served and a model-weights class WHEN checked THEN no stack issue; without models and without model-weights THEN none either", () => {
    expect(stackChecks(th)).toEqual([]);
    const p = edit((q) => {
      q.spec.serving.models = [];
      delete q.spec.storage.dataClasses["model-weights"];
      for (const dc of Object.values(q.spec.storage.dataClasses)) if (dc) delete dc.retentionDays;
    });
    expect(stackChecks(p)).toEqual([]);
  });
});
