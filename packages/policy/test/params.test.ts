// The residency params ConfigMap: what every admission rule reads. Boundary of transfer expiry
// (inclusive, UTC), list encoding, and the fallback domains when a profile declares none.
import { describe, expect, it } from "vitest";
import { fixtureProfile } from "../src/fixtures.js";
import { activeTransfers, buildParams, PARAMS_NAME, PARAMS_NAMESPACE } from "../src/params.js";

const profile = fixtureProfile();
const withExpiry = (expires: string) => {
  const p = structuredClone(profile);
  p.spec.residency!.approvedTransfers = [{ ...p.spec.residency!.approvedTransfers[0]!, id: "t", expires }];
  return p;
};

describe("residency params", () => {
  it("GIVEN a transfer expiring 2026-03-10 WHEN evaluated on that day, the day after and the day before THEN active, lapsed, active", () => {
    const p = withExpiry("2026-03-10");
    const ids = (iso: string) => activeTransfers(p, new Date(iso)).map((t) => t.id);
    expect(ids("2026-03-10T23:59:59Z")).toEqual(["t"]);
    expect(ids("2026-03-10T00:00:00Z")).toEqual(["t"]);
    expect(ids("2026-03-11T00:00:00Z")).toEqual([]);
    expect(ids("2026-03-09T12:00:00Z")).toEqual(["t"]);
    expect(buildParams(p, { now: new Date("2026-03-11T00:00:00Z") }).data.approvedTransfers).toBe("");
    const live = buildParams(p, { now: new Date("2026-03-10T08:00:00Z") }).data;
    expect(live.approvedTransfers).toBe("t");
    expect(live["transfer.t.expires"]).toBe("2026-03-10");
    expect(live["transfer.t.destination"]).toBe(p.spec.residency!.approvedTransfers[0]!.destination);
  });

  it("GIVEN the fixture profile WHEN params are built THEN lists are comma-joined, deduplicated and per-class keys present", () => {
    const cm = buildParams(profile, { now: new Date("2026-01-01T00:00:00Z") });
    expect(cm.metadata).toMatchObject({ name: PARAMS_NAME, namespace: PARAMS_NAMESPACE });
    expect(cm.data).toMatchObject({
      country: "TH",
      registry: "registry.fx1.sovereign.example/ai",
      domains: "fx1.sovereign.example,fx2.sovereign.example",
      zones: "fx1-a,fx1-b,fx2-a",
      egressCidrs: "192.0.2.0/25,2001:db8:10::/48,198.51.100.0/25",
      storageClasses: "resident-block,resident-archive,scratch,resident-shared",
      encryptedStorageClasses: "resident-block,resident-archive,scratch,resident-shared",
      "storageClassZones.resident-block": "fx1-a,fx1-b",
      "storageClassZones.resident-archive": "fx2-a",
      "storageClassSite.scratch": "fx1",
      "dataClass.interaction-logs.retentionDays": "30",
      logRetentionLimitDays: "90",
      kmsHost: "kms.fx1.sovereign.example",
      stateBackend: "s3",
      demo: "false",
    });
    expect(Object.keys(cm.data)).toEqual([...Object.keys(cm.data)].sort((a, b) => a.localeCompare(b)));
  });

  it("GIVEN a profile without domains WHEN params are built THEN the registry and KMS hosts are the in-country domains", () => {
    const p = structuredClone(profile);
    for (const s of p.spec.sites) delete s.domains;
    p.spec.registry = "registry.fx1.sovereign.example/ai/";
    const d = buildParams(p).data;
    expect(d.domains).toBe("registry.fx1.sovereign.example,kms.fx1.sovereign.example");
    expect(d.registry).toBe("registry.fx1.sovereign.example/ai");
  });

  it("GIVEN the fixture profile WHEN params are built THEN the ConfigMap's identity is the one every binding's paramRef names", () => {
    const cm = buildParams(profile, { now: new Date("2026-01-01T00:00:00Z") });
    expect([PARAMS_NAME, PARAMS_NAMESPACE]).toEqual(["sovereign-residency-params", "sovereign-system"]);
    expect({ apiVersion: cm.apiVersion, kind: cm.kind, metadata: cm.metadata }).toEqual({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: {
        name: "sovereign-residency-params",
        namespace: "sovereign-system",
        labels: { "app.kubernetes.io/managed-by": "sovereign", "sovereign.ai/country": "th" },
        annotations: {
          "sovereign.ai/purpose": "parameters of the residency ValidatingAdmissionPolicies (paramKind ConfigMap)",
        },
      },
    });
    expect(buildParams(profile, { namespace: "x" }).metadata.namespace).toBe("x");
    const d = cm.data;
    expect(d.sites).toBe("fx1,fx2");
    expect(d["dataClass.model-weights.storageClass"]).toBe("resident-block");
    expect("dataClass.model-weights.retentionDays" in d).toBe(false);
    expect(d["dataClass.backups.retentionDays"]).toBe("365");
    expect(d["transfer.eu-research-mirror.legalBasis"]).toBe(profile.spec.residency!.approvedTransfers[0]!.legalBasis);
    expect(Object.keys(d).filter((k) => k.startsWith("transfer.lapsed-partner"))).toEqual([]);
  });

  it("GIVEN a profile without a residency section or demo label WHEN params are built THEN no transfers, no limit, demo false; with the label THEN demo true", () => {
    const p = structuredClone(profile);
    delete p.spec.residency;
    expect(activeTransfers(p, new Date())).toEqual([]);
    const d = buildParams(p).data;
    expect([d.approvedTransfers, d.logRetentionLimitDays, d.demo]).toEqual(["", "", "false"]);
    p.metadata.labels = { "sovereign.ai/demo": "true" };
    expect(buildParams(p).data.demo).toBe("true");
    p.metadata.labels = { "sovereign.ai/demo": "yes" };
    expect(buildParams(p).data.demo).toBe("false");
  });
});
