import { createHash } from "node:crypto";
import { checkRecipe, type TrainingRecipe, trainingRecipeSchema } from "@sovereign/bundle";
import {
  apiVersionOf,
  fact,
  GPU_POOL_LABEL,
  JOBSET,
  KUEUE,
  type KubernetesObject,
  MANAGED_BY,
  poolTaints,
  TRAINING_QUEUE,
} from "@sovereign/constructs";
import { InputError, type Issue, parseYamlSource } from "@sovereign/diagnostics";
import { type CountryProfile, claimAt, type GpuPool } from "@sovereign/profile";

/** Where the training image keeps the kit's training entry points (the image contract, docs/training.md). */
export const TRAIN_BIN = "/opt/sovereign/train/bin";
/** Annotation carrying the recipe file's sha256 on every training workload (the ledger rule reads it). */
export const RECIPE_SHA_ANNOTATION = "sovereign.ai/recipe-sha256";
/** torchrun rendezvous port on the first trainer pod. */
export const MASTER_PORT = 29500;

/** Everything `train plan` derives from a recipe: the objects, in apply order, and the run's facts. */
export interface TrainingPlan {
  /** Run name: recipe name and the first 8 hex of its digest (a new recipe file is a new run). */
  run: string;
  recipe: TrainingRecipe;
  /** sha256 of the recipe file. */
  sha256: string;
  pool: GpuPool;
  namespace: string;
  /** Claims of the training data and checkpoints at the pool's site. */
  claims: { data: string; checkpoints: string };
  /** ConfigMaps (recipe, provenance sums), then the JobSet (stage → train). */
  training: KubernetesObject[];
  /** One Job per evaluation suite, applied once the JobSet is Completed. */
  evaluation: KubernetesObject[];
}

const RESTRICTED = {
  runAsNonRoot: true,
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  capabilities: { drop: ["ALL"] },
  seccompProfile: { type: "RuntimeDefault" },
};

/** The ledger checks a recipe must pass before it may run: an approved digest and approved data only. */
export function checkLedger(recipe: TrainingRecipe, sha256: string, profile: CountryProfile): Issue[] {
  const t = profile.spec.training;
  const name = JSON.stringify(recipe.metadata.name);
  if (!t) {
    return [
      {
        code: "training.not_configured",
        path: ["metadata", "name"],
        message: `profile ${profile.metadata.name} has no spec.training: no queue or job controller to run recipe ${name} on`,
        hint: "add spec.training (kueue, jobset, approvedRecipes) to the profile and synth the crds and training stacks",
      },
    ];
  }
  const approval = t.approvedRecipes.find((r) => r.sha256 === sha256);
  if (!approval) {
    return [
      {
        code: "training.recipe_not_approved",
        path: ["metadata", "name"],
        message: `recipe ${name} (sha256 ${sha256}) is not approved by profile ${profile.metadata.name}; the cluster would refuse its workloads`,
        hint: `after review, add to spec.training.approvedRecipes: { name: ${recipe.metadata.name}, sha256: ${sha256}, dataSources: [${recipe.spec.data.mixture.map((s) => s.id).join(", ")}] }`,
      },
    ];
  }
  const out: Issue[] = [];
  recipe.spec.data.mixture.forEach((src, i) => {
    if (!approval.dataSources.includes(src.id)) {
      out.push({
        code: "training.data_not_approved",
        path: ["spec", "data", "mixture", i, "id"],
        message: `data source ${JSON.stringify(src.id)} is not among the data the approval of ${name} covers (${approval.dataSources.join(", ")})`,
        hint: "have the approval extended to this source, or remove it from the mixture",
      });
    }
  });
  return out;
}

/**
 * The training-data and checkpoints claims at the pool's site (data stays where it is trained),
 * or the issues saying which data class is not placed there.
 */
export function claimsAtPool(
  profile: CountryProfile,
  pool: GpuPool,
): { claims?: TrainingPlan["claims"]; issues: Issue[] } {
  const data = claimAt(profile.spec, "training-data", pool.site);
  const checkpoints = claimAt(profile.spec, "checkpoints", pool.site);
  const issues = (["training-data", "checkpoints"] as const)
    .filter((dc) => (dc === "training-data" ? data : checkpoints) === undefined)
    .map(
      (dc): Issue => ({
        code: "training.data_class_site",
        path: ["spec", "hardware", "pool"],
        message: `pool ${pool.name} is at site ${pool.site}, where the profile places no ${dc} volume`,
        hint: `place spec.storage.dataClasses.${dc} at site ${pool.site} (its storageClass, or an entry of its sites)`,
      }),
    );
  return data && checkpoints ? { claims: { data, checkpoints }, issues } : { issues };
}

/** Labels of every training object: the recipe, pool and site, for people, policies and the report. */
function labels(plan: Pick<TrainingPlan, "recipe" | "pool">, role: string): Record<string, string> {
  return {
    ...MANAGED_BY,
    "app.kubernetes.io/name": "sovereign-training",
    "app.kubernetes.io/component": role,
    "sovereign.ai/recipe": plan.recipe.metadata.name,
    "sovereign.ai/site": plan.pool.site,
    [GPU_POOL_LABEL]: plan.pool.name,
    "sovereign.ai/data-class": "training-data",
  };
}

/** Environment of torchrun and NCCL on the pool: RDMA adapters when declared, TCP sockets otherwise. */
export function ncclEnv(pool: GpuPool): { name: string; value: string }[] {
  const ic = pool.interconnect;
  const env = [{ name: "NCCL_DEBUG", value: "WARN" }];
  if (!ic) return [...env, { name: "NCCL_IB_DISABLE", value: "1" }];
  env.push({ name: "NCCL_IB_DISABLE", value: "0" }, { name: "NCCL_IB_HCA", value: ic.hcas.join(",") });
  if (ic.gidIndex !== undefined) env.push({ name: "NCCL_IB_GID_INDEX", value: String(ic.gidIndex) });
  if (ic.bootstrapInterface) env.push({ name: "NCCL_SOCKET_IFNAME", value: ic.bootstrapInterface });
  return env;
}

function poolScheduling(pool: GpuPool) {
  return {
    runtimeClassName: "nvidia",
    nodeSelector: { [GPU_POOL_LABEL]: pool.name },
    tolerations: poolTaints(pool).map((t) => ({
      key: t.key,
      operator: "Equal",
      value: t.value,
      effect: t.effect,
    })),
  };
}

/** Each source's volume mount: the training-data claim, sub-path `sources/<id>` (what the ledger rule allows). */
function sourceMounts(recipe: TrainingRecipe, readOnly: boolean) {
  return recipe.spec.data.mixture.map((s) => ({
    name: "training-data",
    mountPath: `/data/${s.id}`,
    subPath: `sources/${s.id}`,
    readOnly,
  }));
}

/** `sha256sum -c` input: each source's manifest as received must hash to its provenance digest. */
export function provenanceSums(recipe: TrainingRecipe): string {
  return recipe.spec.data.mixture.map((s) => `${s.provenance.sha256}  /data/${s.id}/MANIFEST\n`).join("");
}

function jobTemplate(meta: Record<string, unknown>, spec: Record<string, unknown>, pod: Record<string, unknown>) {
  return { metadata: meta, spec: { ...spec, template: { metadata: meta, spec: pod } } };
}

function stageJob(plan: TrainingPlan, meta: Record<string, unknown>) {
  const script = [
    "set -eu",
    ...plan.recipe.spec.data.mixture.map((s) => `${TRAIN_BIN}/stage-data --from ${s.uri} --to /data/${s.id}`),
    // The staged manifests must hash to the recipe's provenance digests, or nothing trains.
    "sha256sum -c /provenance/SHA256SUMS",
  ].join("\n");
  return jobTemplate(meta, { parallelism: 1, completions: 1, backoffLimit: 2 }, {
    restartPolicy: "Never",
    automountServiceAccountToken: false,
    containers: [
      {
        name: "stage",
        image: plan.recipe.spec.image,
        command: ["/bin/sh", "-c", script],
        resources: { requests: { cpu: "4", memory: "16Gi" }, limits: { memory: "16Gi" } },
        securityContext: RESTRICTED,
        volumeMounts: [
          ...sourceMounts(plan.recipe, false),
          { name: "provenance", mountPath: "/provenance", readOnly: true },
          { name: "tmp", mountPath: "/tmp" },
        ],
      },
    ],
    volumes: [
      { name: "training-data", persistentVolumeClaim: { claimName: plan.claims.data } },
      { name: "provenance", configMap: { name: `${plan.run}-provenance` } },
      { name: "tmp", emptyDir: { sizeLimit: "64Gi" } },
    ],
  });
}

/** The torchrun command of one trainer pod (node rank from the Indexed Job's completion index). */
export function torchrunCommand(plan: TrainingPlan): string[] {
  const r = plan.recipe.spec;
  const c = r.checkpointing;
  return [
    "torchrun",
    `--nnodes=${r.hardware.nodes}`,
    `--nproc-per-node=${plan.pool.gpusPerNode}`,
    "--node-rank=$(JOB_COMPLETION_INDEX)",
    `--master-addr=${plan.run}-train-0-0.${plan.run}`,
    `--master-port=${MASTER_PORT}`,
    `${TRAIN_BIN}/train`,
    "--recipe=/recipe/recipe.yaml",
    "--data-root=/data",
    `--tensor-parallel=${r.parallelism.tensor}`,
    `--pipeline-parallel=${r.parallelism.pipeline}`,
    `--data-parallel=${r.parallelism.data}`,
    "--checkpoint-dir=/checkpoints",
    `--checkpoint-every-steps=${c.everySteps}`,
    `--checkpoint-keep=${c.keep}`,
    // Restarted pods (JobSet failure policy) continue from the newest complete checkpoint.
    "--resume-from=latest",
  ];
}

function trainJob(plan: TrainingPlan, meta: Record<string, unknown>) {
  const nodes = plan.recipe.spec.hardware.nodes;
  const ic = plan.pool.interconnect;
  const devices: Record<string, string | number> = {
    "nvidia.com/gpu": plan.pool.gpusPerNode,
    ...(ic ? { [ic.rdmaResource]: ic.rdmaPerNode } : {}),
  };
  const data = sourceMounts(plan.recipe, true);
  return jobTemplate(
    meta,
    { parallelism: nodes, completions: nodes, completionMode: "Indexed", backoffLimit: 0 },
    {
      restartPolicy: "Never",
      automountServiceAccountToken: false,
      ...poolScheduling(plan.pool),
      initContainers: [
        {
          // Verified again on every node before the first step: a source changed since staging stops the run.
          name: "verify-provenance",
          image: plan.recipe.spec.image,
          command: ["sha256sum", "-c", "/provenance/SHA256SUMS"],
          resources: { requests: { cpu: "1", memory: "1Gi" }, limits: { memory: "1Gi" } },
          securityContext: RESTRICTED,
          volumeMounts: [...data, { name: "provenance", mountPath: "/provenance", readOnly: true }],
        },
      ],
      containers: [
        {
          name: "trainer",
          image: plan.recipe.spec.image,
          command: torchrunCommand(plan),
          env: ncclEnv(plan.pool),
          ports: [{ name: "rendezvous", containerPort: MASTER_PORT }],
          resources: {
            // Sized to fit the node floor the readiness model assumes (8 CPU and 64 GiB per GPU),
            // with room left for the node's own daemons: a bigger node only leaves more spare.
            requests: { cpu: String(6 * plan.pool.gpusPerNode), memory: `${56 * plan.pool.gpusPerNode}Gi`, ...devices },
            limits: { memory: `${56 * plan.pool.gpusPerNode}Gi`, ...devices },
          },
          securityContext: RESTRICTED,
          volumeMounts: [
            ...data,
            { name: "checkpoints", mountPath: "/checkpoints", subPath: plan.run },
            { name: "recipe", mountPath: "/recipe", readOnly: true },
            { name: "dshm", mountPath: "/dev/shm" },
            { name: "tmp", mountPath: "/tmp" },
          ],
        },
      ],
      volumes: [
        { name: "training-data", persistentVolumeClaim: { claimName: plan.claims.data, readOnly: true } },
        { name: "checkpoints", persistentVolumeClaim: { claimName: plan.claims.checkpoints } },
        { name: "provenance", configMap: { name: `${plan.run}-provenance` } },
        { name: "recipe", configMap: { name: `${plan.run}-recipe` } },
        { name: "dshm", emptyDir: { medium: "Memory", sizeLimit: "64Gi" } },
        { name: "tmp", emptyDir: { sizeLimit: "64Gi" } },
      ],
    },
  );
}

function jobSet(plan: TrainingPlan): KubernetesObject {
  const annotations = { [RECIPE_SHA_ANNOTATION]: plan.sha256 };
  const meta = (role: string) => ({ labels: labels(plan, role), annotations });
  return {
    apiVersion: apiVersionOf(JOBSET, "JobSet"),
    kind: "JobSet",
    metadata: {
      name: plan.run,
      namespace: plan.namespace,
      labels: { ...labels(plan, "training"), [String(fact(KUEUE, "queueNameLabel"))]: TRAINING_QUEUE },
      annotations: { ...annotations, "sovereign.ai/checkpoint-uri": plan.recipe.spec.checkpointing.uri },
    },
    spec: {
      // Pods reach each other as <pod>.<run> (rendezvous on the first trainer pod).
      network: { enableDNSHostnames: true },
      // A failed trainer restarts the whole run, which resumes from the last checkpoint.
      failurePolicy: { maxRestarts: 3 },
      successPolicy: { operator: "All" },
      replicatedJobs: [
        { name: "stage", replicas: 1, template: stageJob(plan, meta("stage-data")) },
        {
          name: "train",
          replicas: 1,
          // The trainers start only once every source is staged and its provenance verified.
          dependsOn: [{ name: "stage", status: "Complete" }],
          template: trainJob(plan, meta("train")),
        },
      ],
    },
  };
}

/** One evaluation Job per suite: reads the final checkpoint, writes its result next to it. */
function evaluationJob(plan: TrainingPlan, suite: TrainingRecipe["spec"]["evaluation"]["suites"][number]) {
  const meta = { labels: labels(plan, "evaluate"), annotations: { [RECIPE_SHA_ANNOTATION]: plan.sha256 } };
  const tp = plan.recipe.spec.parallelism.tensor;
  const fetch = suite.uri
    ? [
        `${TRAIN_BIN}/stage-data --from ${suite.uri} --to /eval/${suite.id}`,
        ...(suite.sha256 ? [`echo "${suite.sha256}  /eval/${suite.id}/MANIFEST" | sha256sum -c -`] : []),
      ]
    : [];
  const script = [
    "set -eu",
    // The trainer writes COMPLETE after its final checkpoint; a failed run is not evaluated.
    `test -f /checkpoints/COMPLETE || { echo "run ${plan.run} did not complete: nothing to evaluate" >&2; exit 1; }`,
    ...fetch,
    `${TRAIN_BIN}/evaluate --checkpoint=/checkpoints/latest --suite=${suite.id} --suite-kind=${suite.kind}` +
      ` --data=/eval/${suite.id} --metric=${suite.metric} --threshold=${suite.threshold} --direction=${suite.direction}` +
      ` --out=/checkpoints/evaluation/${suite.id}.json`,
  ].join("\n");
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: {
      name: `${plan.run}-eval-${suite.id}`.slice(0, 63).replace(/-+$/, ""),
      namespace: plan.namespace,
      labels: {
        ...meta.labels,
        [String(fact(KUEUE, "queueNameLabel"))]: TRAINING_QUEUE,
        "sovereign.ai/evaluation-suite": suite.id,
      },
      annotations: meta.annotations,
    },
    spec: {
      backoffLimit: 1,
      template: {
        metadata: meta,
        spec: {
          restartPolicy: "Never",
          automountServiceAccountToken: false,
          ...poolScheduling(plan.pool),
          containers: [
            {
              name: "evaluate",
              image: plan.recipe.spec.image,
              command: ["/bin/sh", "-c", script],
              resources: {
                requests: { cpu: "16", memory: "256Gi", "nvidia.com/gpu": tp },
                limits: { memory: "256Gi", "nvidia.com/gpu": tp },
              },
              securityContext: RESTRICTED,
              volumeMounts: [
                { name: "checkpoints", mountPath: "/checkpoints", subPath: plan.run },
                { name: "eval", mountPath: "/eval" },
                { name: "tmp", mountPath: "/tmp" },
              ],
            },
          ],
          volumes: [
            { name: "checkpoints", persistentVolumeClaim: { claimName: plan.claims.checkpoints } },
            { name: "eval", emptyDir: { sizeLimit: "256Gi" } },
            { name: "tmp", emptyDir: { sizeLimit: "16Gi" } },
          ],
        },
      },
    },
  } satisfies KubernetesObject;
}

function configMaps(plan: TrainingPlan, recipeText: string): KubernetesObject[] {
  const meta = (suffix: string) => ({
    name: `${plan.run}-${suffix}`,
    namespace: plan.namespace,
    labels: labels(plan, suffix),
    annotations: { [RECIPE_SHA_ANNOTATION]: plan.sha256 },
  });
  return [
    // The recipe travels byte for byte (its sha256 is the ledger digest) as binaryData: its licence
    // references are URLs nobody contacts, and the endpoint rule reads every `data` value as config.
    {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: meta("recipe"),
      binaryData: { "recipe.yaml": Buffer.from(recipeText, "utf8").toString("base64") },
    },
    {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: meta("provenance"),
      data: { SHA256SUMS: provenanceSums(plan.recipe) },
    },
  ];
}

/**
 * Turns a recipe file into its training run on the profile's pool. Every refusal (schema, legal
 * basis, parallelism not fitting the pool, ledger, data classes at another site) is reported at
 * once with the recipe's YAML path and line; nothing is returned then.
 */
export function planTraining(
  recipeText: string,
  file: string,
  profile: CountryProfile,
  namespace: string,
): TrainingPlan {
  const src = parseYamlSource(recipeText, file);
  const recipe = src.parse(trainingRecipeSchema);
  const sha256 = createHash("sha256").update(recipeText).digest("hex");
  const pool = profile.spec.gpuPools.find((p) => p.name === recipe.spec.hardware.pool);
  const issues = checkRecipe(recipe, profile);
  // The ledger is checked on a recipe that is valid for the pool; its refusals then name the fix.
  const site = pool ? claimsAtPool(profile, pool) : { issues: [] };
  if (issues.length === 0 && pool) issues.push(...checkLedger(recipe, sha256, profile), ...site.issues);
  if (issues.length > 0 || !pool || !site.claims) throw new InputError(issues.map((i) => src.place(i)));
  const run = `${recipe.metadata.name.slice(0, 40).replace(/-+$/, "")}-${sha256.slice(0, 8)}`;
  const plan: TrainingPlan = {
    run,
    recipe,
    sha256,
    pool,
    namespace,
    claims: site.claims,
    training: [],
    evaluation: [],
  };
  plan.training.push(...configMaps(plan, recipeText), jobSet(plan));
  plan.evaluation.push(...recipe.spec.evaluation.suites.map((s) => evaluationJob(plan, s)));
  return plan;
}

/**
 * The batch Jobs the JobSet controller creates from a JobSet (`<jobset>-<replicatedJob>-<index>`,
 * the template's metadata, the JobSet's namespace), so offline checks that know batch Jobs (the
 * residency images and egress rules) see what the cluster will admit.
 */
export function expandJobSet(js: KubernetesObject): KubernetesObject[] {
  const spec = js.spec as {
    replicatedJobs: { name: string; replicas?: number; template: { metadata?: object; spec: object } }[];
  };
  return spec.replicatedJobs.flatMap((rj) =>
    Array.from({ length: rj.replicas ?? 1 }, (_, i) => ({
      apiVersion: "batch/v1",
      kind: "Job",
      metadata: {
        ...(rj.template.metadata as Record<string, unknown>),
        name: `${js.metadata.name}-${rj.name}-${i}`,
        namespace: js.metadata.namespace,
      } as KubernetesObject["metadata"],
      spec: rj.template.spec,
    })),
  );
}
