import { z } from "zod";

/**
 * CountryProfile v1alpha1. Field names are the public contract (docs/design.md): fields may be
 * added, none renamed. Every object is strict, so a misspelt key is an error rather than a
 * silently ignored setting.
 */

import { nameSchema, quantitySchema, sha256Schema } from "./schema-base.js";
import { interconnectSchema, trainingSchema } from "./training.js";

export { nameSchema, quantitySchema, sha256Schema };

/** HTTPS URL (in-country endpoint). */
const httpsUrl = z
  .string()
  .regex(
    /^https:\/\/[^\s/]+(\/\S*)?$/,
    "must be an https:// URL | fix: e.g. https://kms.site1.sovereign.example",
  );

/** The data classes the kit knows; each maps to a volume with its own residency controls. */
export const DATA_CLASSES = [
  "model-weights",
  "training-data",
  "interaction-logs",
  "checkpoints",
  "backups",
] as const;
export type DataClassName = (typeof DATA_CLASSES)[number];

export const siteSchema = z
  .strictObject({
    name: nameSchema.describe("Site (failure domain) name, referenced by pools and storage classes."),
    region: z.string().min(1).describe("In-country region label this site belongs to."),
    zones: z
      .array(z.string().min(1))
      .min(1)
      .describe("Zones (topology.kubernetes.io/zone values) of this site. Storage is bound to these."),
    egressCidrs: z
      .array(z.string())
      .describe("In-country networks workloads may reach. Everything else is denied by NetworkPolicy."),
    domains: z
      .array(z.string())
      .optional()
      .describe(
        "In-country DNS suffixes served from this site. Registry, KMS, weights and telemetry hosts must be under one.",
      ),
  })
  .describe("A national datacenter site.");

export const sharingSchema = z
  .strictObject({
    strategy: z.enum(["none", "mig", "time-slicing"]).describe("How a physical GPU is shared between pods."),
    migProfile: z
      .string()
      .optional()
      .describe("MIG profile for strategy mig, e.g. `1g.10gb` or `all-3g.40gb`."),
    replicas: z.number().int().min(2).max(48).optional().describe("Time-slicing replicas per GPU."),
  })
  .describe("GPU sharing for the pool's device plugin.");

export const gpuPoolSchema = z.strictObject({
  name: nameSchema,
  site: nameSchema.describe("Name of a `sites[]` entry."),
  gpu: z.string().min(1).describe("GPU model, e.g. H100-SXM5-80GB; also keys kernel-gate baselines."),
  nodes: z.number().int().min(1).describe("Node count in the pool."),
  gpusPerNode: z.number().int().min(1).max(16),
  sharing: sharingSchema,
  purpose: z.enum(["inference", "training"]),
  powerLimitWatts: z.number().int().min(100).max(1500).optional().describe("Optional per-GPU power cap."),
  zones: z
    .array(z.string().min(1))
    .min(1)
    .optional()
    .describe(
      "Zones of the site this pool's nodes are in (their topology.kubernetes.io/zone label). Default: every zone of the site.",
    ),
  interconnect: interconnectSchema.optional(),
  gpuMemoryMiB: z
    .number()
    .int()
    .min(1024)
    .optional()
    .describe("Memory of one GPU in MiB, for a GPU the kit's product table does not list. Default: from the table."),
});

/** Where a Ceph CSI class provisions from (ceph-csi rbd and cephfs drivers). */
export const cephSchema = z
  .strictObject({
    clusterID: z
      .string()
      .min(1)
      .describe("Ceph cluster id as listed in the ceph-csi config map (ceph-csi-config) of the cluster."),
    pool: z.string().min(1).optional().describe("RBD pool (rbd.csi.ceph.com); also the data pool for cephfs."),
    fsName: z.string().min(1).optional().describe("CephFS file system name (cephfs.csi.ceph.com)."),
    secretName: z
      .string()
      .min(1)
      .describe("Secret holding the Ceph user and key for provisioning, expansion and node staging (name only)."),
    secretNamespace: nameSchema.describe("Namespace of that Secret (usually the ceph-csi namespace)."),
    kmsID: z
      .string()
      .min(1)
      .optional()
      .describe(
        "Entry of the cluster's ceph-csi KMS config (csi-kms-connection-details / ceph-csi-encryption-kms-config) that points at spec.kms. Required when encrypted.",
      ),
  })
  .describe("Ceph cluster, pool and credentials Secret references of a ceph-csi class (never the key itself).");

export const storageClassSchema = z.strictObject({
  name: nameSchema,
  site: nameSchema.describe("Name of a `sites[]` entry; volumes of this class stay in its zones."),
  provisioner: z.string().min(1).describe("CSI driver name, e.g. rbd.csi.ceph.com."),
  encrypted: z.boolean().describe("Must be true for residency-core: encryption keys come from spec.kms."),
  parameters: z
    .record(z.string(), z.string())
    .optional()
    .describe("Extra CSI parameters (never secrets: reference Secrets by name)."),
  ceph: cephSchema.optional(),
  readWriteMany: z
    .boolean()
    .optional()
    .describe(
      "Volumes of this class can be mounted read-write by pods on several nodes at once (ReadWriteMany). Default: true for the file-system drivers the kit knows (cephfs.csi.ceph.com, nfs.csi.k8s.io), false otherwise (a block device attaches to one node).",
    ),
});

export const dataClassSchema = z.strictObject({
  storageClass: nameSchema.describe("Name of a `storage.classes[]` entry."),
  size: quantitySchema,
  retentionDays: z.number().int().min(1).optional().describe("Data older than this is purged."),
  sites: z
    .record(
      nameSchema,
      z.strictObject({
        storageClass: nameSchema.describe("A `storage.classes[]` entry of this site."),
        size: quantitySchema.optional().describe("Size at this site. Default: the data class's size."),
      }),
    )
    .optional()
    .describe(
      "The class of this data class at other sites, by site name: a workload claims from the class of its own site. `storageClass` is the class at its own site.",
    ),
});

/** Mixture-of-experts feed-forward layers: all experts are resident, `perToken` of them compute. */
export const expertsSchema = z
  .strictObject({
    count: z.number().int().min(2).describe("Routed experts per layer (num_local_experts / n_routed_experts)."),
    perToken: z.number().int().min(1).describe("Experts each token is routed to (num_experts_per_tok)."),
    intermediateSize: z
      .number()
      .int()
      .min(1)
      .describe("Hidden size of one expert's feed-forward (moe_intermediate_size; Mixtral: intermediate_size)."),
    shared: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe("Shared experts every token passes through, each of intermediateSize. Default 0."),
  })
  .describe("Mixture-of-experts layout. Omit for a dense model.");

export const architectureSchema = z
  .strictObject({
    hiddenSize: z.number().int().min(1),
    layers: z.number().int().min(1),
    heads: z.number().int().min(1),
    kvHeads: z.number().int().min(1),
    intermediateSize: z.number().int().min(1),
    vocabSize: z.number().int().min(1),
    maxContext: z.number().int().min(1),
    headDim: z.number().int().min(1).optional().describe("Defaults to hiddenSize / heads."),
    attentionBias: z
      .boolean()
      .optional()
      .describe("Q/K/V projections carry a bias (Qwen2 family). Default false; only changes the parameter count."),
    tiedEmbeddings: z
      .boolean()
      .optional()
      .describe("Input embedding and LM head share one matrix (tie_word_embeddings). Default false."),
    experts: expertsSchema.optional(),
  })
  .describe("Published architecture numbers; the kernel gate benchmarks exactly these shapes.");

/** What a model reads besides text; each non-text modality needs its encoder in `encoders`. */
export const MODALITIES = ["text", "image", "audio"] as const;
export type Modality = (typeof MODALITIES)[number];

/**
 * Model weights in in-country S3-compatible storage. With `endpoint`, `uri` is
 * `s3://<bucket>/<prefix>` and requests go path-style to `<endpoint>/<bucket>/<prefix>/…`.
 * Without it (the older form, still accepted) the URI's host is taken as the endpoint and its
 * path as `<bucket>/<prefix>`.
 */
export const weightsSchema = z.strictObject({
  uri: z
    .string()
    .regex(
      /^(s3|https):\/\/[^\s/]+\/\S*$/,
      "must be an s3:// or https:// URI | fix: e.g. s3://weights/model with endpoint: https://s3.site1.sovereign.example",
    ),
  endpoint: httpsUrl
    .optional()
    .describe(
      "In-country S3-compatible endpoint (https://host[:port]); uri is then s3://<bucket>/<prefix>, read path-style.",
    ),
  format: z
    .enum(["directory", "file"])
    .optional()
    .describe(
      "directory (default, the only form served): uri is a prefix holding weights.manifest (`sovereign weights manifest DIR`) and the files it lists (config, tokenizer, safetensors shards); sha256 pins the manifest. `file` (one object) is refused by validation: the engine loads a directory.",
    ),
  sha256: sha256Schema.describe("sha256 of the weights manifest."),
  sizeBytes: z.number().int().min(1).optional().describe("Total bytes of the weight files; sizes the cache volume."),
  credentialsSecret: nameSchema
    .optional()
    .describe("Secret (name only) with AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY. Default: anonymous reads."),
});

/** Encoder of one non-text modality: counted by the capacity planner, limited per prompt by the engine. */
export const encoderSchema = z.strictObject({
  params: z.number().int().min(1).describe("Parameters of the encoder and its projector (from the model card)."),
  perPrompt: z
    .number()
    .int()
    .min(1)
    .optional()
    .describe("Most items of this modality one prompt may carry. Default 1."),
});

export const encodersSchema = z
  .strictObject({ image: encoderSchema.optional(), audio: encoderSchema.optional() })
  .describe("Encoders of the image and audio modalities the model declares.");

/** How the engine runs the model; every field feeds the capacity plan and the engine's flags. */
export const engineSchema = z
  .strictObject({
    name: z.enum(["vllm"]).optional().describe("Inference engine. Default vllm (the one the kit ships)."),
    dtype: z
      .enum(["bfloat16", "float16", "float32"])
      .optional()
      .describe("Weight and activation dtype. Default bfloat16 (what published checkpoints ship in)."),
    kvCacheDtype: z
      .enum(["auto", "fp8"])
      .optional()
      .describe("KV-cache dtype. Default auto (same as dtype); fp8 halves the cache per token."),
    gpuMemoryUtilization: z
      .number()
      .gt(0)
      .max(0.98)
      .optional()
      .describe(
        "Share of each GPU (or MIG slice) the engine may use. Default 0.9, divided by the replicas of a time-sliced pool.",
      ),
    maxModelLen: z
      .number()
      .int()
      .min(16)
      .optional()
      .describe("Longest sequence served. Default architecture.maxContext; must not exceed it."),
    minConcurrency: z
      .number()
      .int()
      .min(1)
      .optional()
      .describe("Warn when fewer sequences of maxModelLen fit in the KV cache. Default 4."),
    overheadGiB: z
      .number()
      .min(0)
      .optional()
      .describe(
        "Per-GPU memory held outside weights and KV cache (CUDA context, activations, graphs). Default 2 GiB.",
      ),
  })
  .describe("Engine settings; defaults suit a published bf16 checkpoint.");

export const modelSchema = z.strictObject({
  name: nameSchema,
  image: z.string().describe("<spec.registry>/...@sha256:<64 hex>"),
  weights: weightsSchema,
  architecture: architectureSchema,
  pool: nameSchema.describe("Name of a `gpuPools[]` entry."),
  tensorParallel: z.number().int().min(1),
  replicas: z.strictObject({ min: z.number().int().min(1), max: z.number().int().min(1) }),
  modalities: z.array(z.enum(MODALITIES)).min(1),
  encoders: encodersSchema.optional(),
  engine: engineSchema.optional(),
  gate: z
    .strictObject({
      recordBaseline: z
        .boolean()
        .default(false)
        .describe(
          "Record a baseline when none exists for this GPU model instead of stopping as INCONCLUSIVE.",
        ),
      repetitions: z.number().int().min(10).default(20).describe("Benchmark repetitions per side (>= 10)."),
    })
    .default({ recordBaseline: false, repetitions: 20 })
    .describe("Kernel gate settings for this model's rollouts."),
});

const stateBackendSchema = z.discriminatedUnion("type", [
  z.strictObject({
    type: z.literal("kubernetes"),
    namespace: nameSchema,
    secretSuffix: z.string().default("sovereign"),
  }),
  z.strictObject({
    type: z.literal("pg"),
    schemaName: z.string().default("terraform_remote_state"),
    host: z
      .string()
      .optional()
      .describe("In-country PostgreSQL host (connection string itself comes from PG_CONN_STR)."),
  }),
  z.strictObject({
    type: z.literal("s3"),
    bucket: z.string().min(3),
    key: z.string().default("sovereign/terraform.tfstate"),
    endpoint: httpsUrl.describe("In-country S3-compatible endpoint."),
    region: z.string().min(1),
  }),
  z.strictObject({ type: z.literal("local"), path: z.string().optional() }),
]);

const gpuOperatorSchema = z
  .strictObject({
    chartVersion: z
      .string()
      .min(1)
      .describe("GPU Operator chart version mirrored into the in-country registry."),
    images: z
      .record(z.string(), z.string())
      .describe("Operator component images by digest, keyed by component (operator, driver, toolkit, ...)."),
  })
  .describe("NVIDIA GPU Operator, pulled only from the in-country registry.");

const clusterSchema = z
  .strictObject({
    apiServer: z
      .strictObject({
        cidrs: z
          .array(z.string())
          .min(1)
          .describe("Addresses (CIDRs) of the Kubernetes API server endpoints, in-country by declaration."),
        port: z.number().int().min(1).max(65535).default(6443).describe("API server port on those addresses."),
      })
      .optional()
      .describe(
        "Where pods reach the Kubernetes API (the endpoints behind the kubernetes Service). Namespaces whose controllers need the API (the GPU Operator's) may egress only there.",
      ),
    nodeLocalDns: z
      .string()
      .optional()
      .describe("Link-local address of NodeLocal DNSCache, e.g. 169.254.20.10, when the cluster runs it."),
  })
  .describe("Facts about the cluster the stacks deploy into that network policies need.");

const telemetrySchema = z
  .strictObject({
    otlpEndpoint: httpsUrl.optional().describe("In-country OpenTelemetry collector."),
    metricsRemoteWrite: httpsUrl.optional().describe("In-country Prometheus remote-write endpoint."),
    logsEndpoint: httpsUrl.optional().describe("In-country log sink."),
  })
  .describe("Where telemetry goes. Every endpoint must be in-country.");

const approvedTransferSchema = z.strictObject({
  id: nameSchema,
  destination: z.string().min(1).describe("Host or CIDR outside the country data may go to."),
  legalBasis: z.string().min(1).describe("Provision and decision that approve the transfer."),
  expires: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "must be a date YYYY-MM-DD | fix: e.g. 2027-06-30"),
});

export const profileSpecSchema = z.strictObject({
  country: z.string().describe("ISO 3166-1 alpha-2, upper case; must match metadata.name."),
  displayName: z.string().min(1),
  frameworks: z
    .array(z.string().regex(/^[A-Z]{2}-[A-Z0-9-]+$/, "must look like CC-NAME | fix: e.g. TH-PDPA"))
    .min(1),
  registry: z
    .string()
    .min(1)
    .describe("In-country registry prefix; every image is <registry>/...@sha256:<digest>."),
  kms: z.strictObject({ endpoint: httpsUrl, keyRef: z.string().min(1) }),
  stateBackend: stateBackendSchema,
  sites: z
    .array(siteSchema)
    .min(1, "at least one site is required | fix: add a `sites:` entry with zones and egressCidrs"),
  gpuPools: z.array(gpuPoolSchema).min(1),
  gpuOperator: gpuOperatorSchema.optional(),
  storage: z.strictObject({
    classes: z.array(storageClassSchema).min(1),
    dataClasses: z.partialRecord(z.enum(DATA_CLASSES), dataClassSchema),
  }),
  serving: z.strictObject({
    models: z.array(modelSchema),
    caBundle: z
      .strictObject({
        configMap: nameSchema.describe("ConfigMap in the serving namespace holding the PEM bundle."),
        key: z.string().min(1).optional().describe("Key of the PEM bundle in the ConfigMap. Default ca.crt."),
      })
      .optional()
      .describe("In-country CA that signs the object store's certificate. Default: the image's system CAs."),
    gateway: z
      .strictObject({
        name: nameSchema,
        namespace: nameSchema,
        hostname: z.string().min(1),
      })
      .optional()
      .describe("Gateway API parent for HTTPRoutes; omit to expose models only inside the cluster."),
    autoscaling: z
      .strictObject({
        provider: z
          .enum(["prometheus-adapter", "keda"])
          .describe(
            "prometheus-adapter: a HorizontalPodAutoscaler on per-pod custom metrics the cluster's Prometheus adapter serves. keda: a KEDA ScaledObject that queries Prometheus (KEDA creates and owns the HorizontalPodAutoscaler).",
          ),
        prometheusUrl: z
          .string()
          .regex(
            /^https?:\/\/[A-Za-z0-9.-]+(:\d+)?(\/\S*)?$/,
            "must be an http(s) URL of the in-cluster Prometheus | fix: e.g. http://prometheus-operated.monitoring.svc:9090",
          )
          .optional()
          .describe("Prometheus the KEDA operator queries (in-cluster service URL). Required with provider keda."),
      })
      .optional()
      .describe(
        "What turns the engine's queue into a replica count. Default prometheus-adapter: no CRD beyond the metrics API, and the adapter rule is one documented block (docs/serving.md).",
      ),
  }),
  cluster: clusterSchema.optional(),
  telemetry: telemetrySchema.optional(),
  training: trainingSchema.optional(),
  residency: z
    .strictObject({
      logRetentionLimitDays: z
        .number()
        .int()
        .min(1)
        .optional()
        .describe("Legal maximum for interaction-log retention."),
      approvedTransfers: z.array(approvedTransferSchema).default([]),
      clusterNamespaces: z
        .array(nameSchema)
        .optional()
        .describe(
          "Namespaces of the cluster's own components (CNI, CSI, ingress, monitoring) that need not carry the residency label. Default: none besides kube-system, kube-public, kube-node-lease, default and gpu-operator.",
        ),
    })
    .optional(),
  policies: z.array(z.string().min(1)).min(1),
});

export const countryProfileSchema = z.strictObject({
  apiVersion: z.literal("sovereign.ai/v1alpha1"),
  kind: z.literal("CountryProfile"),
  metadata: z.strictObject({
    name: z.string().regex(/^[a-z]{2}$/, "must be a lowercase ISO 3166-1 alpha-2 code | fix: e.g. `th`"),
    labels: z.record(z.string(), z.string()).optional(),
  }),
  spec: profileSpecSchema,
});

/** A validated, defaulted country profile. */
export type CountryProfile = z.output<typeof countryProfileSchema>;
export type ProfileSpec = CountryProfile["spec"];
export type Site = ProfileSpec["sites"][number];
export type GpuPool = ProfileSpec["gpuPools"][number];
export type StorageClassSpec = ProfileSpec["storage"]["classes"][number];
export type DataClassSpec = z.output<typeof dataClassSchema>;
export type CephSpec = z.output<typeof cephSchema>;
export type ClusterSpec = NonNullable<ProfileSpec["cluster"]>;
export type ModelSpec = ProfileSpec["serving"]["models"][number];
export type Architecture = ModelSpec["architecture"];
export type WeightsSpec = ModelSpec["weights"];
export type EngineSpec = NonNullable<ModelSpec["engine"]>;
export type StateBackendSpec = ProfileSpec["stateBackend"];
