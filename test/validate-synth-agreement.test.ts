import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runMain } from "./cli-main.js";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";

// One source of truth for profile-level checks: `sovereign validate` and `sovereign synth` must
// give the same verdict on any profile. Seeded random mutations of a two-site profile touch
// every field a residency rule reads from the profile alone (hosts of the registry, KMS, state
// backend, telemetry, weights and gateway; egress networks; encryption; state backend type and
// demo label; packs; domains; retention; approved transfers). For each mutated profile:
// validate exits 0 exactly when synth exits 0; when validate refuses, synth refuses the same
// input as bad input (exit 2, located), never later with residency findings (exit 1).

const work = mkdtempSync(join(tmpdir(), "sovereign-agreement-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const DIGEST = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
type Doc = Record<string, any>; // the profile as plain YAML data, mutated freely
const CEPH = (site: string) => ({ clusterID: `${site}-ceph`, pool: "rbd", secretName: "csi-rbd", secretNamespace: "ceph-csi", kmsID: "gh-root" });

function base(): Doc {
  return {
    apiVersion: "sovereign.ai/v1alpha1",
    kind: "CountryProfile",
    metadata: { name: "gh" },
    spec: {
      country: "GH",
      displayName: "Republic of Ghana",
      frameworks: ["GH-DPA"],
      registry: "registry.acc1.sovereign.example/ai",
      kms: { endpoint: "https://kms.acc1.sovereign.example", keyRef: "gh-root" },
      stateBackend: {
        type: "s3",
        bucket: "gh-tfstate",
        endpoint: "https://s3.acc1.sovereign.example",
        region: "gh-accra",
      },
      sites: [
        { name: "acc1", region: "gh-accra", zones: ["acc1-a"], egressCidrs: ["192.0.2.0/26"], domains: ["acc1.sovereign.example"] },
        { name: "ksi1", region: "gh-ashanti", zones: ["ksi1-a"], egressCidrs: ["198.51.100.0/26"], domains: ["ksi1.sovereign.example"] },
      ],
      gpuPools: [
        { name: "serve", site: "acc1", gpu: "L40S-48GB", nodes: 1, gpusPerNode: 4, sharing: { strategy: "none" }, purpose: "inference" },
      ],
      storage: {
        classes: [
          { name: "acc1-block", site: "acc1", provisioner: "rbd.csi.ceph.com", encrypted: true, ceph: CEPH("acc1") },
          { name: "ksi1-block", site: "ksi1", provisioner: "rbd.csi.ceph.com", encrypted: true, ceph: CEPH("ksi1") },
          {
            name: "acc1-shared",
            site: "acc1",
            provisioner: "cephfs.csi.ceph.com",
            encrypted: true,
            ceph: { clusterID: "acc1-ceph", fsName: "fs", secretName: "csi-cephfs", secretNamespace: "ceph-csi", kmsID: "gh-root" },
          },
        ],
        dataClasses: {
          "model-weights": { storageClass: "acc1-block", size: "1Ti" },
          "interaction-logs": { storageClass: "acc1-shared", size: "100Gi", retentionDays: 30 },
          backups: { storageClass: "ksi1-block", size: "4Ti", retentionDays: 120 },
        },
      },
      serving: {
        models: [
          {
            name: "chat",
            image: `registry.acc1.sovereign.example/ai/inference-core@sha256:${DIGEST}`,
            weights: { uri: "s3://weights.acc1.sovereign.example/chat", sha256: DIGEST },
            architecture: { hiddenSize: 1536, layers: 28, heads: 12, kvHeads: 2, intermediateSize: 8960, vocabSize: 151936, maxContext: 32768 },
            pool: "serve",
            tensorParallel: 1,
            replicas: { min: 1, max: 2 },
            modalities: ["text"],
          },
        ],
        gateway: { name: "gw", namespace: "sovereign-gateway", hostname: "ai.acc1.sovereign.example" },
      },
      telemetry: { otlpEndpoint: "https://otel.acc1.sovereign.example" },
      residency: { logRetentionLimitDays: 90, approvedTransfers: [] },
      policies: ["residency-core"],
    },
  };
}

/** Hosts as a URL may name them: in-country, in the other site's domain, abroad, and the tricks. */
const HOSTS = [
  "weights.acc1.sovereign.example",
  "x.ksi1.sovereign.example",
  "huggingface.co",
  "acc1.sovereign.example.evil.example",
  "192.0.2.10",
  "203.0.113.9",
  "3221225994",
  "[2001:db8::1]",
  "acc1.sovereign.example@evil.example",
  "KMS.ACC1.SOVEREIGN.EXAMPLE.",
];

type Mutation = (d: Doc, pick: number) => void;
const at = <T>(xs: readonly T[], i: number) => xs[i % xs.length]!;

/** Each mutation reads one number to choose among its variants; many variants stay valid. */
const MUTATIONS: Record<string, Mutation> = {
  weights: (d, i) => {
    for (const m of d.spec.serving.models) m.weights.uri = `s3://${at(HOSTS, i)}/chat`;
  },
  telemetry: (d, i) => (d.spec.telemetry.otlpEndpoint = `https://${at(HOSTS, i)}`),
  kms: (d, i) => (d.spec.kms.endpoint = `https://${at(HOSTS, i)}`),
  stateEndpoint: (d, i) => (d.spec.stateBackend.endpoint = `https://${at(HOSTS, i)}`),
  gateway: (d, i) => (d.spec.serving.gateway.hostname = at(["chat.ksi1.sovereign.example", "chat.vendor.example.com", "*.acc1.sovereign.example", "ai.acc1.sovereign.example"], i)),
  registry: (d, i) => {
    const r = at(["registry.ksi1.sovereign.example/ai", "registry.vendor.example.com/ai", "registry.acc1.sovereign.example/mirror"], i);
    d.spec.registry = r;
    if (i % 2 === 0) for (const m of d.spec.serving.models) m.image = `${r}/inference-core@sha256:${DIGEST}`;
  },
  egress: (d, i) =>
    d.spec.sites[i % 2].egressCidrs.push(at(["0.0.0.0/0", "::/0", "10.0.0.0/7", "10.0.0.0/8", "192.0.2.128/26", "2001:db8:10::/48", "192.0.2.0/33"], i)),
  wideApproved: (d, i) => {
    d.spec.sites[0].egressCidrs.push("10.0.0.0/6");
    d.spec.residency.approvedTransfers.push({ id: "wan", destination: "10.0.0.0/6", legalBasis: "GH-DPA s. 18", expires: i % 2 ? "2099-01-01" : "2020-01-01" });
  },
  encrypted: (d, i) => (d.spec.storage.classes[i % 2].encrypted = i % 3 !== 0),
  local: (d, i) => {
    d.spec.stateBackend = { type: "local" };
    if (i % 2) d.metadata.labels = { "sovereign.ai/demo": "true" };
  },
  pg: (d, i) => (d.spec.stateBackend = { type: "pg", host: at(["pg.acc1.sovereign.example", "pg.vendor.example.com", "192.0.2.5"], i) }),
  kubernetesState: (d) => (d.spec.stateBackend = { type: "kubernetes", namespace: "sovereign-state" }),
  packs: (d, i) => (d.spec.policies = at([["residency-core", "th-pdpa"], ["residency-core", "gh-dpa"], ["th-pdpa"], ["residency-core"]], i)),
  noDomains: (d) => {
    for (const s of d.spec.sites) delete s.domains;
  },
  retention: (d, i) => (d.spec.storage.dataClasses["interaction-logs"].retentionDays = at([7, 90, 91, 365], i)),
  frameworks: (d, i) => (d.spec.frameworks = at([["GH-DPA", "TH-PDPA"], ["TH-PDPA"], ["GH-DPA"]], i)),
  provisioner: (d, i) => (d.spec.storage.classes[1].provisioner = at(["cephfs.csi.ceph.com", "nfs.csi.k8s.io", "rbd.csi.ceph.com"], i)),
  classRef: (d, i) => (d.spec.storage.dataClasses.backups.storageClass = at(["acc1-block", "ksi1-block", "cloud-standard"], i)),
  dropModels: (d) => (d.spec.serving.models = []),
};

const verdicts = new Map<string, { validate: number; synth: number; stderr: string }>();

async function cli(argv: string[]) {
  const { code, stderr } = await runMain(argv, work);
  return { code, stderr };
}

/** Both verdicts for a profile text (cached: many mutations land on the same profile). */
async function verdict(text: string) {
  const hit = verdicts.get(text);
  if (hit) return hit;
  const n = verdicts.size;
  const file = join(work, `p${n}.yaml`);
  writeFileSync(file, text);
  const v = await cli(["validate", "--profile", file]);
  const s = await cli(["synth", "--profile", file, "--out", join(work, `out${n}`)]);
  rmSync(join(work, `out${n}`), { recursive: true, force: true });
  const r = { validate: v.code, synth: s.code, stderr: `${v.stderr}\n--- synth:\n${s.stderr}` };
  verdicts.set(text, r);
  return r;
}

describe("validate and synth agree on every profile", () => {
  it("GIVEN the unmutated profile WHEN validated and synthesized THEN both accept it", async () => {
    const r = await verdict(stringify(base()));
    expect([r.validate, r.synth], r.stderr).toEqual([0, 0]);
  }, 120_000);

  it("GIVEN 300 seeded random mutations WHEN validated and synthesized THEN the verdicts agree, and refusals are located bad input", async () => {
    const names = Object.keys(MUTATIONS);
    const mutation = fc.tuple(fc.constantFrom(...names), fc.nat(1000));
    let accepted = 0;
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 3 }), async (ms) => {
        const d = base();
        for (const [name, pick] of ms) MUTATIONS[name]!(d, pick);
        const r = await verdict(stringify(d));
        const label = `${ms.map(([m, p]) => `${m}:${p}`).join(" ")}\n${r.stderr}`;
        expect(r.validate === 0, label).toBe(r.synth === 0);
        if (r.validate !== 0) {
          expect(r.validate, label).toBe(2);
          expect(r.synth, label).toBe(2); // refused at load, with the same located errors
          expect(r.stderr, label).toMatch(/p\d+\.yaml:\d+:\d+: error /);
          refused++;
        } else accepted++;
      }),
      { numRuns: 300, seed: 20261129, endOnFailure: true },
    );
    // the mutations exercise both sides
    console.info(`validate/synth agreement: 300 mutations, ${accepted} accepted, ${refused} refused, ${verdicts.size} distinct profiles synthesized or refused`);
    expect(accepted).toBeGreaterThan(30);
    expect(refused).toBeGreaterThan(30);
  }, 1_800_000);
});
