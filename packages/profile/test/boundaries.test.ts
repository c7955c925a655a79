// Boundary tests of every numeric and host check of crossCheck: the exact limit is accepted,
// one past it is refused, and host checks hold at the label boundary, with a trailing dot and
// in any case. Each case edits one field of the shipped Thailand profile.
import { formatPath, ruleCases } from "@sovereign/diagnostics";
import { describe, expect, it } from "vitest";
import { type CountryProfile, crossCheck, residencyChecks } from "../src/index.js";
import { shippedThailand } from "./shipped-th.js";

const th = shippedThailand();
const edit = (f: (p: CountryProfile) => void): CountryProfile => {
  const p = structuredClone(th);
  f(p);
  return p;
};
/** `code@path` of every issue, for exact comparisons. */
const found = (p: CountryProfile) => crossCheck(p).map((i) => `${i.code}@${formatPath(i.path)}`);

describe("crossCheck boundaries", () => {
  it("GIVEN the shipped profile THEN it has no cross-field issue (the baseline every case edits)", () => {
    expect(found(th)).toEqual([]);
  });

  it.each([1, 2, 4, 8])(
    "GIVEN tensorParallel %i WHEN the pool has exactly that many GPUs per node THEN accepted, and with one fewer THEN tp.gpusPerNode",
    (tp) => {
      const at = (gpus: number) =>
        found(
          edit((p) => {
            p.spec.serving.models[0]!.tensorParallel = tp;
            p.spec.gpuPools[0]!.gpusPerNode = gpus;
          }),
        );
      expect(at(tp)).toEqual([]);
      expect(at(tp + 1)).toEqual([]);
      if (tp > 1) expect(at(tp - 1)).toEqual(["tp.gpusPerNode@spec.serving.models[0].tensorParallel"]);
    },
  );

  it("GIVEN a legal limit of 90 days WHEN interaction logs are kept 89, 90 or 91 days THEN only 91 is refused", () => {
    const profile = (days: number, limit: number | "none") =>
      edit((p) => {
        p.spec.storage.dataClasses["interaction-logs"]!.retentionDays = days;
        p.spec.residency = { approvedTransfers: [], ...(limit !== "none" ? { logRetentionLimitDays: limit } : {}) };
      });
    const at = (days: number, limit: number | "none" = 90) => found(profile(days, limit));
    expect(at(89)).toEqual([]);
    expect(at(90)).toEqual([]);
    expect(at(91)).toEqual(["retention.exceeds_limit@spec.storage.dataClasses.interaction-logs.retentionDays"]);
    expect(at(1, 1)).toEqual([]);
    expect(at(2, 1)).toEqual(["retention.exceeds_limit@spec.storage.dataClasses.interaction-logs.retentionDays"]);
    expect(at(100_000, "none")).toEqual([]);
    const [issue] = crossCheck(profile(91, 90));
    expect(issue!.message).toBe("retention of 91 days exceeds the legal limit of 90 days");
    expect(issue!.hint).toBe("set retentionDays to at most 90");
  });

  it("GIVEN replicas WHEN min equals max THEN accepted, and min = max + 1 THEN replicas.range", () => {
    const at = (min: number, max: number) => found(edit((p) => (p.spec.serving.models[0]!.replicas = { min, max })));
    expect(at(3, 3)).toEqual([]);
    expect(at(4, 3)).toEqual(["replicas.range@spec.serving.models[0].replicas.min"]);
  });

  it("GIVEN grouped-query attention WHEN kvHeads equals heads THEN accepted, and heads + 1 or a non-divisor THEN arch.kvHeads", () => {
    const at = (heads: number, kvHeads: number) =>
      found(
        edit((p) => {
          const m = p.spec.serving.models[0]!;
          m.tensorParallel = 1;
          m.architecture = { ...m.architecture, heads, kvHeads, headDim: 128 };
        }),
      );
    expect(at(40, 40)).toEqual([]);
    expect(at(40, 41)).toContain("arch.kvHeads@spec.serving.models[0].architecture.kvHeads");
    expect(at(40, 6)).toContain("arch.kvHeads@spec.serving.models[0].architecture.kvHeads");
  });

  it("GIVEN tensorParallel WHEN it divides heads and kvHeads THEN accepted; when it does not THEN tp.heads / tp.kvHeads", () => {
    const at = (tp: number, heads: number, kvHeads: number) =>
      found(
        edit((p) => {
          const m = p.spec.serving.models[0]!;
          m.tensorParallel = tp;
          m.architecture = { ...m.architecture, heads, kvHeads, headDim: 128 };
        }),
      );
    expect(at(8, 40, 8)).toEqual([]);
    expect(at(8, 40, 2)).toEqual([]); // kvHeads replicated across ranks: tp % kvHeads == 0
    expect(at(4, 40, 8)).toEqual([]);
    expect(at(3, 42, 7)).toEqual(["tp.kvHeads@spec.serving.models[0].tensorParallel"]);
    expect(at(8, 44, 4)).toEqual(["tp.heads@spec.serving.models[0].tensorParallel"]);
  });

  describe("in-country hosts (domains fx1/fx2.sovereign.example)", () => {
    const withDomains = (f: (p: CountryProfile) => void) =>
      edit((p) => {
        p.spec.sites[0]!.domains = [...ruleCases.CASE_DOMAINS];
        p.spec.registry = ruleCases.CASE_REGISTRY;
        p.spec.kms.endpoint = "https://kms.fx1.sovereign.example";
        p.spec.telemetry = { otlpEndpoint: "https://otel.fx1.sovereign.example" };
        p.spec.gpuOperator = undefined;
        delete p.spec.training;
        for (const m of p.spec.serving.models) {
          m.image = `${ruleCases.CASE_REGISTRY}/inference-core@sha256:${ruleCases.HEX64}`;
          // No endpoint: the URI's host is the one checked (bucket "models", prefix "m").
          delete m.weights.endpoint;
          m.weights.uri = "s3://weights.fx1.sovereign.example/models/m";
        }
        if (p.spec.serving.gateway) p.spec.serving.gateway.hostname = "ai.fx1.sovereign.example";
        f(p);
      });
    it("GIVEN every field moved onto the case domains THEN no issue (the baseline of the host cases)", () => {
      expect(found(withDomains(() => {}))).toEqual([]);
    });

    it.each(ruleCases.HOST_CASES)(
      "GIVEN host %s in the KMS endpoint, weights URI and telemetry WHEN checked THEN in-country=%s (%s)",
      (host, ok) => {
        const got = found(
          withDomains((p) => {
            p.spec.kms.endpoint = `https://${host}:8443/v1`;
            p.spec.serving.models[0]!.weights.uri = `s3://${host}/models/w`;
            p.spec.telemetry = { otlpEndpoint: `https://${host}` };
          }),
        );
        expect(got).toEqual(
          ok
            ? []
            : [
                "host.out_of_country@spec.kms.endpoint",
                "host.out_of_country@spec.telemetry.otlpEndpoint",
                "host.out_of_country@spec.serving.models[0].weights.uri",
              ],
        );
      },
    );

    it.each(ruleCases.IMAGE_CASES)("GIVEN model image %s WHEN checked THEN accepted=%s (%s)", (image, ok) => {
      const got = found(withDomains((p) => (p.spec.serving.models[0]!.image = image)));
      if (ok) expect(got).toEqual([]);
      else {
        expect(got.length).toBeGreaterThan(0);
        expect(got.every((g) => /^image\.(registry|not_pinned|bad_digest)@spec\.serving\.models\[0\]\.image$/.test(g))).toBe(true);
      }
    });

    it("GIVEN a registry host outside the domains WHEN checked THEN host.out_of_country at spec.registry", () => {
      const got = found(withDomains((p) => (p.spec.registry = "registry.xfx1.sovereign.example/ai")));
      expect(got).toContain("host.out_of_country@spec.registry");
    });

    it.each([
      ["gs://registry.fx1.sovereign.example/ai", "Google Cloud Storage"],
      ["hf://registry.fx1.sovereign.example", "the Hugging Face Hub"],
      ["AZ://ai", "Azure Storage"],
    ])("GIVEN the registry %s (a service abroad whatever follows the scheme) WHEN checked THEN host.out_of_country names %s", (registry, service) => {
      const p = withDomains((q) => (q.spec.registry = registry));
      const issues = residencyChecks(p).filter((i) => i.code === "host.out_of_country" && i.path.join(".") === "spec.registry");
      expect(issues).toHaveLength(1);
      expect(issues[0]!.message).toContain(service);
    });

    it("GIVEN the registry as an in-country host (no scheme) WHEN checked THEN no host finding at spec.registry", () => {
      const got = found(withDomains((p) => (p.spec.registry = "registry.fx1.sovereign.example/ai")));
      expect(got).not.toContain("host.out_of_country@spec.registry");
    });
  });
});
