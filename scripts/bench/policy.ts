// Policy engine throughput on a corpus of POLICY_BENCH_OBJECTS (default 10,000) Kubernetes objects
// drawn from real synthesized stacks (the shipped countries and generated ones, helm charts
// rendered), each country's objects repeated under new names until the corpus is full, with about
// one in six mutated so that it violates a rule (foreign registry, tag instead of digest, foreign
// data URI, public exposure, unapproved storage class, DNS, host aliases, probes, host ports and
// privileges of pods, webhooks, backup and snapshot locations, gateways and request forwarding
// abroad, ...), so every rule applies and findings and their message expressions run. Every country's share is evaluated with its own profile against every distinct
// rule of every shipped pack, plus its stacks' real Terraform JSON. Packs are loaded before the
// clock starts (the synth benchmark times loading). The timed evaluation runs the built package
// (packages/policy/dist), the code the CLI runs; the corpus is built with the sources.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import {
  availablePacks,
  CLUSTER_NAMESPACES,
  evaluate,
  type Finding,
  loadPacks,
  type PolicyPack,
  type Rule,
  type SynthObject,
} from "@sovereign/policy";
import { type CountryProfile, loadProfileFile, parseProfile, repoRoot, shippedProfilePath } from "@sovereign/profile";
import { collectObjectsDetailed, collectTerraform, synthesizeCountries } from "@sovereign/stacks";
import { parse as parseYaml, stringify } from "yaml";
import { sampleProfiles } from "../../test/generated-profiles.js";
import { load } from "./lib/process.js";
import type { BenchRow } from "./lib/types.js";

/** One country's share of the corpus. */
export interface CorpusPart {
  profile: CountryProfile;
  /** Objects; a mutated copy says which mutation and the rules it breaks. */
  objects: (SynthObject & { mutated?: { name: string; breaks: string[] } })[];
  terraform: { stack: string; json: object }[];
}

type Json = Record<string, unknown>;
const FOREIGN = "mirror.foreign.example";

/** Every `image` string in a value, replaced by `f(image)`; returns whether one was found. */
function mapImages(v: unknown, f: (s: string) => string): boolean {
  let hit = false;
  if (Array.isArray(v)) for (const x of v) hit = mapImages(x, f) || hit;
  else if (v && typeof v === "object") {
    for (const [k, x] of Object.entries(v as Json)) {
      if (k === "image" && typeof x === "string") {
        (v as Json)[k] = f(x);
        hit = true;
      } else hit = mapImages(x, f) || hit;
    }
  }
  return hit;
}

/** Every string value that is a URI (s3://, https://), pointed at a foreign host. */
function mapUris(v: unknown): boolean {
  let hit = false;
  if (Array.isArray(v)) v.forEach((x, i) => {
    if (typeof x === "string" && /^(s3|https?):\/\//.test(x)) {
      v[i] = x.replace(/^(\w+):\/\/[^/]+/, `$1://${FOREIGN}`);
      hit = true;
    } else hit = mapUris(x) || hit;
  });
  else if (v && typeof v === "object") {
    for (const [k, x] of Object.entries(v as Json)) {
      if (typeof x === "string" && /^(s3|https?):\/\//.test(x)) {
        (v as Json)[k] = x.replace(/^(\w+):\/\/[^/]+/, `$1://${FOREIGN}`);
        hit = true;
      } else hit = mapUris(x) || hit;
    }
  }
  return hit;
}

/** Kinds that carry a pod template. */
const WORKLOADS = new Set(["Pod", "PodTemplate", "ReplicationController", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob"]);

/** The pod spec of a workload (Pod, PodTemplate, CronJob or a kind with spec.template), if any. */
function podSpecOf(o: Json): Json | undefined {
  const spec = o.spec as Json | undefined;
  if (o.kind === "Pod") return spec;
  if (o.kind === "PodTemplate") return (o.template as Json | undefined)?.spec as Json | undefined;
  const template = o.kind === "CronJob" ? ((spec?.jobTemplate as Json | undefined)?.spec as Json | undefined)?.template : spec?.template;
  return (template as Json | undefined)?.spec as Json | undefined;
}

/** A mutation of the first container of a workload's pod spec. */
function firstContainer(f: (c: Json, pod: Json) => void): (o: Json) => boolean {
  return (o) => {
    const pod = podSpecOf(o);
    const c = (pod?.containers as Json[] | undefined)?.[0];
    if (!pod || !c) return false;
    f(c, pod);
    return true;
  };
}

/** An object of kind `from` turned into `to`, keeping its name (and namespace when `to` is namespaced). */
function becomes(from: string, to: Json, namespaced = true): (o: Json) => boolean {
  return (o) => {
    if (o.kind !== from) return false;
    const { name, namespace } = o.metadata as Json;
    for (const k of Object.keys(o)) delete o[k];
    Object.assign(o, structuredClone(to), { metadata: { name, ...(namespaced && namespace ? { namespace } : {}) } });
    return true;
  };
}

/**
 * A change that makes a copy of a real object break a rule: its name, the rules it breaks (any
 * one of them must report the object), and the change itself, which says whether it fit.
 */
type Mutation = [name: string, breaks: string[], apply: (o: Json) => boolean];

/** Mutations that make a copy of a real object break a rule. */
const MUTATIONS: Mutation[] = [
  ["image tag", ["image-pinned-digest"], (o) => mapImages(o, (s) => s.replace(/@sha256:[0-9a-f]{64}$/, ":latest"))],
  ["foreign registry", ["image-in-country-registry"], (o) => mapImages(o, (s) => `${FOREIGN}/${s.slice(s.indexOf("/") + 1)}`)],
  [
    "foreign URI",
    ["data-uri-in-country", "telemetry-in-country", "workload-endpoints-in-country"],
    (o) => (o.kind === "ConfigMap" || WORKLOADS.has(o.kind as string)) && mapUris(o),
  ],
  ["public Service", ["service-exposure-in-country"], (o) => o.kind === "Service" && Boolean((o.spec as Json | undefined) && ((o.spec as Json).type = "LoadBalancer"))],
  [
    "unapproved storage class",
    ["pvc-approved-storage-class"],
    (o) => o.kind === "PersistentVolumeClaim" && Boolean((o.spec as Json | undefined) && ((o.spec as Json).storageClassName = "unapproved-class")),
  ],
  [
    "unencrypted StorageClass",
    ["storageclass-encrypted"],
    (o) => o.kind === "StorageClass" && Boolean((o.parameters = { ...((o.parameters as Json) ?? {}), encrypted: "false" })),
  ],
  [
    "egress anywhere",
    ["egress-in-country-cidrs"],
    (o) => {
      const egress = (o.spec as Json | undefined)?.egress;
      return o.kind === "NetworkPolicy" && Array.isArray(egress) && egress.length > 0 && egress.push({ to: [{ ipBlock: { cidr: "0.0.0.0/0" } }] }) > 0;
    },
  ],
  [
    "static PersistentVolume on a foreign NFS server",
    ["persistentvolume-in-country"],
    (o) => {
      if (o.kind !== "PersistentVolumeClaim") return false;
      const meta = o.metadata as Json;
      Object.assign(o, {
        kind: "PersistentVolume",
        metadata: { name: meta.name, labels: meta.labels },
        spec: { capacity: { storage: "1Gi" }, accessModes: ["ReadWriteOnce"], nfs: { server: FOREIGN, path: "/export" } },
      });
      return true;
    },
  ],
  [
    "Service endpoints abroad (selector-less Service's EndpointSlice)",
    ["service-endpoints-in-country"],
    (o) => {
      if (o.kind !== "Service") return false;
      Object.assign(o, {
        apiVersion: "discovery.k8s.io/v1",
        kind: "EndpointSlice",
        addressType: "FQDN",
        endpoints: [{ addresses: [FOREIGN] }],
        ports: [{ port: 443, protocol: "TCP" }],
      });
      delete o.spec;
      return true;
    },
  ],
  [
    "residency labels removed",
    ["residency-labels", "namespace-residency-label"],
    (o) =>
      (o.kind === "Namespace" || o.kind === "PersistentVolumeClaim" || WORKLOADS.has(o.kind as string)) &&
      Boolean(o.metadata && (delete (o.metadata as Json).labels || true)),
  ],
  [
    "pod DNS abroad",
    ["pod-dns-in-country"],
    firstContainer((_, pod) => (pod.dnsConfig = { nameservers: ["203.0.113.53"], searches: [FOREIGN] })),
  ],
  [
    "host alias to a foreign address",
    ["pod-host-aliases-in-country"],
    firstContainer((_, pod) => (pod.hostAliases = [{ ip: "203.0.113.9", hostnames: ["weights"] }])),
  ],
  [
    "liveness probe asking a foreign host",
    ["pod-probe-hosts-in-country"],
    firstContainer((c) => (c.livenessProbe = { httpGet: { path: "/alive", port: 443, host: FOREIGN } })),
  ],
  [
    "host port",
    ["pod-host-ports"],
    firstContainer((c) => (c.ports = [...((c.ports as Json[] | undefined) ?? []), { containerPort: 8000, hostPort: 8000 }])),
  ],
  [
    "privileged container",
    ["container-privileges"],
    (o) => {
      const meta = o.metadata as Json | undefined;
      if (typeof meta?.namespace === "string" && CLUSTER_NAMESPACES.includes(meta.namespace)) return false;
      return firstContainer((c) => (c.securityContext = { ...((c.securityContext as Json) ?? {}), privileged: true }))(o);
    },
  ],
  [
    "admission webhook by URL abroad",
    ["admission-webhooks-in-country"],
    becomes("ValidatingAdmissionPolicyBinding", {
      apiVersion: "admissionregistration.k8s.io/v1",
      kind: "ValidatingWebhookConfiguration",
      webhooks: [{ name: "audit.foreign.example", clientConfig: { url: `https://${FOREIGN}/audit` }, admissionReviewVersions: ["v1"], sideEffects: "None" }],
    }, false),
  ],
  [
    "backup location on AWS S3",
    ["backup-locations-in-country"],
    becomes("ResourceQuota", {
      apiVersion: "velero.io/v1",
      kind: "BackupStorageLocation",
      spec: { provider: "velero.io/aws", objectStorage: { bucket: "cluster-backups" }, config: { region: "eu-west-1", publicUrl: `https://${FOREIGN}` } },
    }),
  ],
  [
    "snapshot class of a foreign driver",
    ["volume-snapshots-in-country"],
    becomes("StorageClass", {
      apiVersion: "snapshot.storage.k8s.io/v1",
      kind: "VolumeSnapshotClass",
      driver: "snapshots.foreign.example",
      deletionPolicy: "Retain",
    }, false),
  ],
  [
    "gateway listening under a foreign name",
    ["gateway-in-country"],
    becomes("HTTPRoute", {
      apiVersion: "gateway.networking.k8s.io/v1",
      kind: "Gateway",
      spec: { gatewayClassName: "lb", listeners: [{ name: "https", protocol: "HTTPS", port: 443, hostname: `*.${FOREIGN}` }] },
    }),
  ],
  [
    "route redirecting abroad",
    ["ingress-forwarding-in-country"],
    (o) => {
      const rules = (o.spec as Json | undefined)?.rules as Json[] | undefined;
      if (o.kind !== "HTTPRoute" || !rules?.length) return false;
      rules[0]!.filters = [{ type: "RequestRedirect", requestRedirect: { hostname: FOREIGN, statusCode: 302 } }];
      return true;
    },
  ],
  // The generated countries carry this approval, citing no provision (their country pack says
  // so); the shipped countries do not have it at all.
  [
    "transfer under the corpus approval",
    ["th-transfer-basis-cited", "kr-transfer-basis-cited", "sa-transfer-basis-cited", "approved-transfer-valid"],
    (o) => annotate(o, APPROVAL),
  ],
  ["transfer under an unknown approval", ["approved-transfer-valid"], (o) => annotate(o, "lapsed-approval")],
];

function annotate(o: Json, approval: string): boolean {
  const meta = (o.metadata ??= {}) as Json;
  meta.annotations = { ...((meta.annotations as Json) ?? {}), "sovereign.ai/approved-transfer": approval };
  return true;
}

/**
 * Turns a copy of a real object into one that breaks a residency rule: the `variant`-th of the
 * mutations that fit the object. Returns what was changed and the rules that must report it.
 */
export function mutate(o: Json, variant: number, recipeSha?: string): { name: string; breaks: string[] } {
  const all = recipeSha ? [...MUTATIONS, recipeWorkload(recipeSha)] : MUTATIONS;
  const fits = all.filter(([, , f]) => f(structuredClone(o)));
  const [name, breaks, f] = fits[variant % fits.length]!;
  f(o);
  return { name, breaks };
}

/**
 * A workload's pod template turned into a Pod of the country's approved training recipe that also
 * mounts a host path (data no approval lists): what the training-ledger rules exist to refuse.
 */
function recipeWorkload(sha: string): Mutation {
  return [
    "approved-recipe Pod mounting a host path",
    ["training-data-in-recipe"],
    (o) => {
      const pod = ((o.spec as Json | undefined)?.template as Json | undefined)?.spec as Json | undefined;
      if (!pod) return false;
      o.apiVersion = "v1";
      o.kind = "Pod";
      o.spec = { ...pod, volumes: [...((pod.volumes as Json[]) ?? []), { name: "extra", hostPath: { path: "/data" } }] };
      const meta = (o.metadata ??= {}) as Json;
      meta.annotations = { ...((meta.annotations as Json) ?? {}), "sovereign.ai/recipe-sha256": sha };
      return true;
    },
  ];
}

/** An approved transfer the generated corpus countries carry, citing no provision of any law. */
const APPROVAL = "research-mirror";

/** Countries the corpus is drawn from: the shipped ones and `generated` generated ones. */
function corpusProfiles(generated: number): CountryProfile[] {
  const shipped = ["th", "kr", "sa"].map((cc) => loadProfileFile(shippedProfilePath(cc)));
  const gen = sampleProfiles(generated, 4040).map((p) => {
    const doc = parseYaml(p.text) as { spec: { residency: { approvedTransfers: unknown[] } } };
    doc.spec.residency.approvedTransfers = [
      { id: APPROVAL, destination: FOREIGN, legalBasis: "ministerial decision 2026-14", expires: "2099-12-31" },
    ];
    return parseProfile(stringify(doc), `${p.cc}.yaml`);
  });
  return [...shipped, ...gen];
}

/**
 * Synthesizes the corpus countries (real stacks, charts rendered) and fills `size` objects:
 * every real object once, then renamed copies, one in `mutateEvery` of them mutated.
 */
export async function buildCorpus(size = 10_000, generated = 5, mutateEvery = 6): Promise<CorpusPart[]> {
  const profiles = corpusProfiles(generated);
  const dir = mkdtempSync(join(tmpdir(), "sovereign-bench-policy-"));
  try {
    await synthesizeCountries(profiles, join(dir, "out"));
    const { objects } = await collectObjectsDetailed(join(dir, "out"));
    const terraform = await collectTerraform(join(dir, "out"));
    const mine = (cc: string) => (s: string) => s.startsWith(`${cc}-`);
    const parts = profiles.map((profile) => ({
      profile,
      real: objects.filter((o) => mine(profile.metadata.name)(o.stack)),
      terraform: terraform.filter((t) => mine(profile.metadata.name)(t.stack)),
    }));
    const per = Math.ceil(size / parts.length);
    let filled = 0;
    return parts.map(({ profile, real, terraform: tf }) => {
      const want = Math.min(per, size - filled);
      const out: CorpusPart["objects"] = [];
      for (let i = 0; out.length < want; i++) {
        const src = real[i % real.length]!;
        const copy = Math.floor(i / real.length);
        if (copy === 0) {
          out.push(src);
          continue;
        }
        const object = structuredClone(src.object) as unknown as Json;
        const meta = object.metadata as Json;
        meta.name = `${String(meta.name)}-c${copy}`;
        const recipe = profile.spec.training?.approvedRecipes?.[0]?.sha256;
        const mutated = i % mutateEvery === 0 ? mutate(object, i / mutateEvery, recipe) : undefined;
        out.push({ ...src, address: `${src.address}-c${copy}`, object: object as never, ...(mutated ? { mutated } : {}) });
      }
      filled += out.length;
      return { profile, objects: out, terraform: tf };
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The policy engine's entry points: the source (tests) or the built package (the timed run). */
type Engine = Pick<typeof import("@sovereign/policy"), "availablePacks" | "evaluate" | "loadPacks">;
const SOURCE: Engine = { availablePacks, evaluate, loadPacks };

/**
 * The built @sovereign/policy (packages/policy/dist), the code the CLI runs. The timed run uses
 * it: this script runs under tsx, whose transform wraps every closure the evaluator creates in a
 * naming helper that the built code does not have.
 */
async function builtEngine(): Promise<Engine> {
  const url = pathToFileURL(join(repoRoot(), "packages", "policy", "dist", "index.js")).href;
  return (await import(url)) as Engine;
}

/** Every distinct rule of the shipped packs (a rule id counts once however many packs use it). */
export function shippedRules(engine: Engine = SOURCE): { packs: PolicyPack[]; ids: string[] } {
  const packs = engine.loadPacks(engine.availablePacks());
  return { packs, ids: [...new Set(packs.flatMap((p) => p.rules.map((r) => r.id)))].sort() };
}

/** Evaluates the corpus; returns the findings and how often each rule applied. */
export function evaluateCorpus(
  parts: CorpusPart[],
  packs: PolicyPack[],
  engine: Engine = SOURCE,
): { findings: Finding[]; applied: Map<Rule, number> } {
  const applied = new Map<Rule, number>();
  const findings = parts.flatMap((p) =>
    engine.evaluate({ profile: p.profile, objects: p.objects, terraform: p.terraform, packs }, applied),
  );
  return { findings, applied };
}

export async function run(): Promise<BenchRow[]> {
  const n = Number(process.env.POLICY_BENCH_OBJECTS ?? 10_000);
  const parts = await buildCorpus(n);
  const engine = await builtEngine();
  const { packs, ids } = shippedRules(engine);
  const objects = parts.reduce((k, p) => k + p.objects.length, 0);
  const blocks = parts.reduce((k, p) => k + p.terraform.length, 0);
  evaluateCorpus(parts.slice(0, 1), packs, engine); // warm-up: JIT, like the second country of a fleet
  const loadBefore = load();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const { findings, applied } = evaluateCorpus(parts, packs, engine);
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const flagged = new Set(findings.map((f) => `${f.stack}\u0000${f.address}\u0000${f.objectRef.kind}\u0000${f.objectRef.name}`));
  const pctFlagged = (100 * flagged.size) / objects;
  const appliedRules = new Set([...applied.keys()].map((r) => r.id));
  const applications = [...applied.values()].reduce((a, b) => a + b, 0);
  const label = `policy ${objects} objects (${parts.length} countries' real stacks + mutated copies) + ${blocks} Terraform stacks × ${ids.length} distinct shipped rules`;
  const targetMs = 2000 * (n / 10_000);
  return [
    {
      benchmark: label,
      metric: `wall (${loadBefore}; target for an idle machine)`,
      value: Math.round(ms),
      unit: "ms",
      target: `<= ${targetMs} ms`,
      ok: ms <= targetMs,
    },
    { benchmark: label, metric: "CPU user+sys", value: Math.round((cpu.user + cpu.system) / 1000), unit: "ms" },
    {
      benchmark: label,
      metric: "distinct shipped rules",
      value: ids.length,
      unit: "rules",
      target: ">= 40",
      ok: ids.length >= 40,
    },
    { benchmark: label, metric: "rules that applied to at least one object", value: appliedRules.size, unit: "rules" },
    { benchmark: label, metric: "rule applications (matchConditions passed)", value: applications, unit: "count" },
    { benchmark: label, metric: "findings", value: findings.length, unit: "count" },
    { benchmark: label, metric: "objects with a finding", value: pctFlagged, unit: "%", target: ">= 10", ok: pctFlagged >= 10 },
  ];
}
