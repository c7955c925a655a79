import { availablePacks } from "@sovereign/policy";
import { deviceMemory, legalTensorParallel, sizeModel } from "@sovereign/capacity";
import { type GpuPool, ISO_3166_ALPHA2, type ModelSpec } from "@sovereign/profile";
import fc from "fast-check";
import { stringify } from "yaml";

/**
 * Countries nobody shipped: random but valid profiles (1-3 sites, any sharing strategy, any state
 * backend, models with published architectures at every legal tensor-parallel degree, served at
 * every site, residency-core plus any subset of the other shipped packs). Used by the property test
 * and by the fleet and policy benchmarks (`npm run bench synth policy`), so both exercise the same
 * kind of country.
 */
const ARCHS = [
  // Qwen2.5-1.5B, EXAONE-3.5-7.8B, Qwen2.5-14B, ALLaM-7B (published configs)
  { hiddenSize: 1536, layers: 28, heads: 12, kvHeads: 2, intermediateSize: 8960, vocabSize: 151936, maxContext: 32768 },
  { hiddenSize: 4096, layers: 32, heads: 32, kvHeads: 8, intermediateSize: 14336, vocabSize: 102400, maxContext: 32768 },
  { hiddenSize: 5120, layers: 48, heads: 40, kvHeads: 8, intermediateSize: 13824, vocabSize: 152064, maxContext: 32768 },
  { hiddenSize: 4096, layers: 32, heads: 32, kvHeads: 32, intermediateSize: 11008, vocabSize: 64000, maxContext: 4096 },
];
const SHIPPED = new Set(["TH", "KR", "SA"]);
const CODES = [...ISO_3166_ALPHA2].filter((c) => !SHIPPED.has(c)).sort();
/** Every shipped pack but residency-core, which every generated country runs. */
const OTHER_PACKS = availablePacks().filter((p) => p !== "residency-core");
const hex = (seed: string) => seed.padEnd(64, "0").slice(0, 64);

export const arbProfile = fc
  .record({
    code: fc.constantFrom(...CODES),
    sites: fc.integer({ min: 1, max: 3 }),
    zones: fc.integer({ min: 1, max: 3 }),
    backend: fc.constantFrom("kubernetes", "pg", "s3", "local"),
    sharing: fc.constantFrom("none", "mig", "time-slicing"),
    gpusPerNode: fc.constantFrom(4, 8),
    models: fc.array(fc.record({ arch: fc.nat({ max: ARCHS.length - 1 }), tpPick: fc.nat() }), {
      minLength: 1,
      maxLength: 3,
    }),
    gateway: fc.boolean(),
    packs: fc.subarray(OTHER_PACKS),
  })
  .map((g) => {
    const cc = g.code.toLowerCase();
    const sites = Array.from({ length: g.sites }, (_, i) => ({
      name: `${cc}dc${i + 1}`,
      region: `${cc}-region-${i + 1}`,
      zones: Array.from({ length: g.zones }, (_, z) => `${cc}dc${i + 1}-${String.fromCharCode(97 + z)}`),
      egressCidrs: [`198.51.100.${i * 64}/26`],
      domains: [`${cc}dc${i + 1}.sovereign.example`],
    }));
    const registry = `registry.${sites[0]!.name}.sovereign.example/ai`;
    // One inference pool per site: models are spread over every site (multi-site serving).
    const servePools = sites.map((site, i) => ({
      name: `serve-${i + 1}`,
      site: site.name,
      gpu: "H100-SXM5-80GB",
      nodes: 2,
      gpusPerNode: g.gpusPerNode,
      sharing:
        g.sharing === "mig"
          ? { strategy: "mig", migProfile: "all-3g.40gb" }
          : g.sharing === "time-slicing"
            ? { strategy: "time-slicing", replicas: 4 }
            : { strategy: "none" },
      purpose: "inference",
    }));
    const pool = servePools[g.sites - 1]!;
    const backend =
      g.backend === "kubernetes"
        ? { type: "kubernetes", namespace: "sovereign-state" }
        : g.backend === "pg"
          ? { type: "pg", host: `pg.${sites[0]!.name}.sovereign.example` }
          : g.backend === "s3"
            ? { type: "s3", bucket: "tfstate", endpoint: `https://s3.${sites[0]!.name}.sovereign.example`, region: "r1" }
            : { type: "local" };
    const modelSpecs = Array.from({ length: Math.max(g.models.length, g.sites) }, (_, i) => g.models[i % g.models.length]!);
    const models = modelSpecs.map((m, i) => {
      const at = servePools[i % servePools.length]!;
      const arch = ARCHS[m.arch]!;
      // Legal degrees at which the capacity planner finds room for at least one sequence.
      const draft = { name: `model-${i}`, architecture: arch, modalities: ["text"] } as unknown as ModelSpec;
      const device = deviceMemory(at as GpuPool);
      const tps = legalTensorParallel(draft, at as GpuPool).filter(
        (tp) => device.ok && sizeModel(draft, at as GpuPool, device.bytes, at.gpu, tp).maxConcurrentSequences >= 1,
      );
      return {
        name: `model-${i}`,
        image: `${registry}/inference-core@sha256:${hex(`${i}abc`)}`,
        weights: { uri: `s3://weights.${at.site}.sovereign.example/model-${i}`, sha256: hex(`${i}def`) },
        architecture: arch,
        pool: at.name,
        tensorParallel: tps[m.tpPick % tps.length]!,
        replicas: { min: 1, max: 3 },
        modalities: ["text"],
      };
    });
    const doc = {
      apiVersion: "sovereign.ai/v1alpha1",
      kind: "CountryProfile",
      metadata: { name: cc, ...(g.backend === "local" ? { labels: { "sovereign.ai/demo": "true" } } : {}) },
      spec: {
        country: g.code,
        displayName: `Generated ${g.code}`,
        frameworks: [`${g.code}-DPA`],
        registry,
        kms: { endpoint: `https://kms.${sites[0]!.name}.sovereign.example`, keyRef: `${cc}-root` },
        stateBackend: backend,
        sites,
        gpuPools: [...servePools, { ...pool, name: "train", sharing: { strategy: "none" }, purpose: "training" }],
        storage: {
          classes: sites.flatMap((s) => [
            { name: `${s.name}-block`, site: s.name, provisioner: "rbd.csi.ceph.com", encrypted: true, ceph: { clusterID: `${s.name}-ceph`, pool: "rbd", secretName: "csi-rbd", secretNamespace: "ceph-csi", kmsID: `${cc}-root` } },
            // CephFS for the interaction logs every serving replica writes, from any node.
            { name: `${s.name}-shared`, site: s.name, provisioner: "cephfs.csi.ceph.com", encrypted: true, ceph: { clusterID: `${s.name}-ceph`, fsName: "fs", secretName: "csi-cephfs", secretNamespace: "ceph-csi", kmsID: `${cc}-root` } },
          ]),
          dataClasses: {
            // Weights live at every site a model runs at; the first site's class is the primary.
            "model-weights": {
              storageClass: `${sites[0]!.name}-block`,
              size: "1Ti",
              sites: Object.fromEntries(sites.slice(1).map((x) => [x.name, { storageClass: `${x.name}-block` }])),
            },
            "interaction-logs": {
              storageClass: `${sites[0]!.name}-shared`,
              size: "100Gi",
              retentionDays: 30,
              sites: Object.fromEntries(sites.slice(1).map((x) => [x.name, { storageClass: `${x.name}-shared` }])),
            },
            backups: { storageClass: `${sites[g.sites - 1]!.name}-block`, size: "2Ti", retentionDays: 365 },
          },
        },
        serving: {
          models,
          ...(g.gateway ? { gateway: { name: "gw", namespace: "gw", hostname: `ai.${sites[0]!.name}.sovereign.example` } } : {}),
        },
        residency: { logRetentionLimitDays: 90, approvedTransfers: [] },
        policies: ["residency-core", ...g.packs],
      },
    };
    return { text: stringify(doc), cc };
  });

/** `n` generated profiles with distinct country codes, the same for the same seed. */
export function sampleProfiles(n: number, seed: number): { text: string; cc: string }[] {
  const out = new Map<string, { text: string; cc: string }>();
  for (let round = 0; out.size < n && round < 20; round++) {
    for (const p of fc.sample(arbProfile, { seed: seed + round, numRuns: 4 * n })) {
      if (!out.has(p.cc)) out.set(p.cc, p);
      if (out.size === n) break;
    }
  }
  if (out.size < n) throw new Error(`only ${out.size} distinct generated countries, ${n} asked`);
  return [...out.values()];
}


