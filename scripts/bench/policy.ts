// Policy engine throughput: N objects × the shipped rules (padded to 40 rules by re-using packs),
// CEL compiled once per rule at pack load. Full size: POLICY_BENCH_OBJECTS=10000 (the default).
import { evaluate, loadPacks, type PolicyPack, type SynthObject } from "@sovereign/policy";
import { loadProfileFile, shippedProfilePath } from "@sovereign/profile";

type BenchRow = {
  benchmark: string;
  metric: string;
  value: number;
  unit: string;
  target?: string;
  ok?: boolean;
};

const DIGEST = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

function objects(n: number): SynthObject[] {
  const labels = { "sovereign.ai/data-class": "none", "sovereign.ai/site": "bkk1" };
  const kinds: ((i: number) => SynthObject["object"])[] = [
    (i) => ({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: `d${i}`, namespace: "serving", labels },
      spec: {
        template: {
          spec: {
            containers: [
              {
                name: "main",
                image: `registry.bkk1.sovereign.example/ai/app@sha256:${DIGEST}`,
                env: [
                  { name: "WEIGHTS_URI", value: "s3://weights.bkk1.sovereign.example/m" },
                  { name: "OTEL_EXPORTER_OTLP_ENDPOINT", value: "https://otel.bkk1.sovereign.example" },
                ],
              },
            ],
          },
        },
      },
    }),
    (i) => ({
      apiVersion: "v1",
      kind: "PersistentVolumeClaim",
      metadata: {
        name: `p${i}`,
        namespace: "data",
        labels: { ...labels, "sovereign.ai/data-class": "model-weights" },
      },
      spec: { storageClassName: "resident-block" },
    }),
    (i) => ({
      apiVersion: "networking.k8s.io/v1",
      kind: "NetworkPolicy",
      metadata: { name: `n${i}`, namespace: "serving" },
      spec: { podSelector: {}, egress: [{ to: [{ ipBlock: { cidr: "192.0.2.0/26" } }] }] },
    }),
    (i) => ({
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: `s${i}`, namespace: "serving" },
      spec: { type: "ClusterIP" },
    }),
    (i) => ({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: `c${i}`, namespace: "serving" },
      data: { "otel.yaml": "endpoint: https://otel.bkk1.sovereign.example" },
    }),
  ];
  return Array.from({ length: n }, (_, i) => ({
    stack: "th-bench",
    address: `kubernetes_manifest.o${i}`,
    source: "manifest" as const,
    object: kinds[i % kinds.length]!(i),
  }));
}

export async function run(): Promise<BenchRow[]> {
  const n = Number(process.env.POLICY_BENCH_OBJECTS ?? 10_000);
  const profile = loadProfileFile(shippedProfilePath("th"));
  const base = loadPacks(["residency-core", "th-pdpa", "kr-pipa", "sa-pdpl"]);
  // Pad to 40 rules with renamed copies of the shipped ones (same compiled CEL, distinct ids).
  const packs: PolicyPack[] = [...base];
  let count = base.reduce((k, p) => k + p.rules.length, 0);
  for (let copy = 1; count < 40; copy++) {
    const rules = base[0]!.rules.slice(0, 40 - count).map((r) => {
      const c = { ...r, id: `${r.id}-copy${copy}` };
      Object.defineProperty(c, "compiled", { value: r.compiled, enumerable: false });
      return c as typeof r;
    });
    packs.push({ ...base[0]!, id: `residency-core-copy${copy}`, rules });
    count += rules.length;
  }
  const objs = objects(n);
  evaluate({ profile, objects: objs.slice(0, 200), terraform: [], packs }); // warm-up
  const t0 = performance.now();
  const findings = evaluate({ profile, objects: objs, terraform: [], packs });
  const ms = performance.now() - t0;
  const targetMs = 2000 * (n / 10_000);
  return [
    {
      benchmark: `policy evaluate ${n} objects × ${count} rules`,
      metric: "wall time",
      value: Math.round(ms),
      unit: "ms",
      target: `<= ${targetMs} ms`,
      ok: ms <= targetMs,
    },
    {
      benchmark: `policy evaluate ${n} objects × ${count} rules`,
      metric: "findings",
      value: findings.length,
      unit: "count",
    },
  ];
}
