import { readFileSync } from "node:fs";
import { join } from "node:path";
import { planTraining, RECIPE_SHA_ANNOTATION, type TrainingPlan } from "@sovereign/cli";
import {
  JOBSET,
  jobsetChartValues,
  KUEUE,
  type KubernetesObject,
  kueueChartValues,
  kueueManagerConfig,
  valueKeyPaths,
} from "@sovereign/constructs";
import { InputError } from "@sovereign/diagnostics";
import { evaluate, type SynthObject } from "@sovereign/policy";
import { type CountryProfile, loadProfileFile, repoRoot, shippedProfilePath } from "@sovereign/profile";
import { collectObjects, synthesizeCountry, TRAINING_NAMESPACE } from "@sovereign/stacks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { validateObject } from "../stacks/test/k8s-schema.js";
import { cleanup, tempDir } from "../stacks/test/helpers.js";
import { RECORDED_KINDS, recordedSchemaErrors } from "./upstream-schema.js";

const profile = (cc: string) => loadProfileFile(shippedProfilePath(cc));
const recipeText = (cc: string) => readFileSync(join(repoRoot(), "recipes", `${cc}.yaml`), "utf8");
const plan = (cc: string, text = recipeText(cc), p: CountryProfile = profile(cc)) =>
  planTraining(text, `recipes/${cc}.yaml`, p, TRAINING_NAMESPACE);

type Pod = {
  tolerations: { key: string; value: string }[];
  containers: {
    name: string;
    command: string[];
    env?: { name: string; value: string }[];
    resources: { requests: Record<string, unknown>; limits: Record<string, unknown> };
    volumeMounts: { name: string; mountPath: string; subPath?: string; readOnly?: boolean }[];
  }[];
  initContainers?: { name: string; command: string[] }[];
  volumes: { name: string; persistentVolumeClaim?: { claimName: string } }[];
};
type RJob = { name: string; dependsOn?: unknown[]; template: { spec: Record<string, unknown> & { template: { spec: Pod } } } };

const jobSetOf = (p: TrainingPlan) => p.training.find((o) => o.kind === "JobSet")!;
const rjob = (p: TrainingPlan, name: string) =>
  (jobSetOf(p).spec as { replicatedJobs: RJob[] }).replicatedJobs.find((r) => r.name === name)!;
const inputIssues = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    if (e instanceof InputError) return e.issues;
    throw e;
  }
  throw new Error("expected an InputError");
};

afterAll(cleanup);

describe("train plan: shipped recipes, field by field", () => {
  const cases = [
    { cc: "th", nodes: 8, gpus: 8, tp: 2, rdma: "rdma/ib", hcas: 8, gid: undefined, sources: 5, suites: ["th-language-understanding", "th-safety"] },
    { cc: "sa", nodes: 8, gpus: 8, tp: 4, rdma: "rdma/roce", hcas: 4, gid: "3", sources: 5, suites: ["ar-language-understanding", "ar-safety"] },
  ];
  it.each(cases)("GIVEN the $cc recipe WHEN planned THEN the trainers take nodes × GPUs of the pool with its RDMA device and NCCL settings", (c) => {
    const p = plan(c.cc);
    const train = rjob(p, "train").template.spec;
    expect(train).toMatchObject({ parallelism: c.nodes, completions: c.nodes, completionMode: "Indexed" });
    const trainer = train.template.spec.containers[0]!;
    expect(trainer.resources.requests["nvidia.com/gpu"]).toBe(c.gpus);
    expect(trainer.resources.limits["nvidia.com/gpu"]).toBe(c.gpus);
    expect(trainer.resources.requests[c.rdma]).toBe(1);
    expect(trainer.command).toContain(`--nnodes=${c.nodes}`);
    expect(trainer.command).toContain(`--nproc-per-node=${c.gpus}`);
    expect(trainer.command).toContain("--node-rank=$(JOB_COMPLETION_INDEX)");
    expect(trainer.command).toContain(`--master-addr=${p.run}-train-0-0.${p.run}`);
    expect(trainer.command).toContain(`--tensor-parallel=${c.tp}`);
    const env = Object.fromEntries((trainer.env ?? []).map((e) => [e.name, e.value]));
    expect(env.NCCL_IB_DISABLE).toBe("0");
    expect(env.NCCL_IB_HCA!.split(",")).toHaveLength(c.hcas);
    expect(env.NCCL_IB_GID_INDEX).toBe(c.gid);
    expect(env.NCCL_SOCKET_IFNAME).toBe("eth0");
    expect(train.template.spec.tolerations).toEqual([expect.objectContaining({ key: "sovereign.ai/gpu-pool", value: "h100-train" })]);
  });

  it.each(cases)("GIVEN the $cc recipe WHEN planned THEN every source is staged, verified before the first step and mounted read-only by id", (c) => {
    const p = plan(c.cc);
    const ids = p.recipe.spec.data.mixture.map((s) => s.id);
    expect(ids).toHaveLength(c.sources);
    const stage = rjob(p, "stage").template.spec.template.spec.containers[0]!;
    for (const s of p.recipe.spec.data.mixture) expect(stage.command[2]).toContain(`--from ${s.uri} --to /data/${s.id}`);
    expect(stage.command[2]).toMatch(/sha256sum -c \/provenance\/SHA256SUMS$/);
    expect(rjob(p, "train").dependsOn).toEqual([{ name: "stage", status: "Complete" }]);
    const pod = rjob(p, "train").template.spec.template.spec;
    expect(pod.initContainers![0]!.command).toEqual(["sha256sum", "-c", "/provenance/SHA256SUMS"]);
    const dataMounts = pod.containers[0]!.volumeMounts.filter((m) => m.name === "training-data");
    expect(dataMounts.map((m) => m.subPath)).toEqual(ids.map((id) => `sources/${id}`));
    expect(dataMounts.every((m) => m.readOnly === true)).toBe(true);
    const sums = p.training.find((o) => o.metadata.name === `${p.run}-provenance`)!.data as Record<string, string>;
    for (const s of p.recipe.spec.data.mixture) expect(sums.SHA256SUMS).toContain(`${s.provenance.sha256}  /data/${s.id}/MANIFEST`);
  });

  it.each(cases)("GIVEN the $cc recipe WHEN planned THEN checkpoints go to the checkpoints claim with the recipe's interval and retention, and resume", (c) => {
    const p = plan(c.cc);
    const pod = rjob(p, "train").template.spec.template.spec;
    expect(pod.volumes.find((v) => v.name === "checkpoints")!.persistentVolumeClaim!.claimName).toBe("checkpoints");
    expect(pod.containers[0]!.volumeMounts).toContainEqual({ name: "checkpoints", mountPath: "/checkpoints", subPath: p.run });
    const cmd = pod.containers[0]!.command;
    expect(cmd).toContain(`--checkpoint-every-steps=${p.recipe.spec.checkpointing.everySteps}`);
    expect(cmd).toContain(`--checkpoint-keep=${p.recipe.spec.checkpointing.keep}`);
    expect(cmd).toContain("--resume-from=latest");
    expect((jobSetOf(p).spec as { failurePolicy: { maxRestarts: number } }).failurePolicy.maxRestarts).toBe(3);
  });

  it.each(cases)("GIVEN the $cc recipe WHEN planned THEN one evaluation Job per suite reads the checkpoint and writes its result next to it", (c) => {
    const p = plan(c.cc);
    expect(p.evaluation.map((j) => (j.metadata.labels ?? {})["sovereign.ai/evaluation-suite"])).toEqual(c.suites);
    for (const job of p.evaluation) {
      const suite = job.metadata.labels!["sovereign.ai/evaluation-suite"]!;
      const pod = (job.spec as { template: { spec: Pod } }).template.spec;
      const ctr = pod.containers[0]!;
      expect(ctr.resources.requests["nvidia.com/gpu"]).toBe(c.tp);
      expect(ctr.command[2]).toContain(`--out=/checkpoints/evaluation/${suite}.json`);
      // A failed run (no COMPLETE marker after the final checkpoint) is never evaluated.
      expect(ctr.command[2]!.split("\n")[1]).toMatch(/^test -f \/checkpoints\/COMPLETE \|\| /);
      expect(ctr.volumeMounts).toContainEqual({ name: "checkpoints", mountPath: "/checkpoints", subPath: p.run });
      expect(job.metadata.labels!["kueue.x-k8s.io/queue-name"]).toBe("training");
    }
  });

  it.each(["th", "sa"])("GIVEN recipes/%s.yaml WHEN planned THEN every workload carries the recipe file's digest", (cc) => {
    const p = plan(cc);
    const workloads = [jobSetOf(p), ...p.evaluation];
    for (const o of workloads) expect(o.metadata.annotations![RECIPE_SHA_ANNOTATION]).toBe(p.sha256);
    for (const r of ["stage", "train"]) {
      const tpl = rjob(p, r).template as unknown as { metadata: { annotations: Record<string, string> }; spec: { template: { metadata: { annotations: Record<string, string> } } } };
      expect(tpl.metadata.annotations[RECIPE_SHA_ANNOTATION]).toBe(p.sha256);
      expect(tpl.spec.template.metadata.annotations[RECIPE_SHA_ANNOTATION]).toBe(p.sha256);
    }
  });
});

describe("train plan: refusals name the recipe's YAML path and line", () => {
  it("GIVEN a recipe whose parallelism does not fit the pool WHEN planned THEN recipe.parallelism at spec.parallelism with its line and the fix", () => {
    const text = recipeText("th").replace("parallelism: { tensor: 2, pipeline: 1, data: 32 }", "parallelism: { tensor: 2, pipeline: 1, data: 16 }");
    const issues = inputIssues(() => plan("th", text));
    const i = issues.find((x) => x.code === "recipe.parallelism")!;
    expect(i.path).toEqual(["spec", "parallelism"]);
    expect(i.line).toBe(text.split("\n").findIndex((l) => l.includes("parallelism: {")) + 1);
    expect(i.hint).toContain("data = 32");
  });

  it("GIVEN a data source without a legal basis WHEN planned THEN recipe.legal_basis_missing at that source with its line", () => {
    const text = recipeText("sa").replace(/\n {8}legalBasis:\n {10}type: [^\n]+\n {10}reference: [^\n]+/, "");
    const issues = inputIssues(() => plan("sa", text));
    const i = issues.find((x) => x.code === "recipe.legal_basis_missing")!;
    expect(i.path).toEqual(["spec", "data", "mixture", 0]);
    expect(i.line).toBe(text.split("\n").findIndex((l) => l.includes("- id: sa-official-publications")) + 1);
  });

  it("GIVEN an edited recipe (new digest) WHEN planned THEN training.recipe_not_approved with the approval to add", () => {
    const text = recipeText("th").replace("everySteps: 1000", "everySteps: 500");
    const [i] = inputIssues(() => plan("th", text));
    expect(i!.code).toBe("training.recipe_not_approved");
    expect(i!.path).toEqual(["metadata", "name"]);
    expect(i!.line).toBe(9);
    expect(i!.hint).toContain("dataSources: [th-official-publications, th-wikipedia, th-news-licensed, th-en-parallel, en-replay]");
  });

  it("GIVEN an approval that does not cover one source WHEN planned THEN training.data_not_approved at that source's id", () => {
    const p = profile("th");
    p.spec.training!.approvedRecipes[0]!.dataSources = p.spec.training!.approvedRecipes[0]!.dataSources.filter((d) => d !== "th-news-licensed");
    const [i] = inputIssues(() => plan("th", recipeText("th"), p));
    expect(i).toMatchObject({ code: "training.data_not_approved", path: ["spec", "data", "mixture", 2, "id"] });
  });
});

describe("train plan: a training pool at a second site", () => {
  const atJed1 = (placed: boolean) => {
    const p = profile("sa");
    p.spec.gpuPools.find((x) => x.name === "h100-train")!.site = "jed1";
    if (placed) {
      p.spec.storage.dataClasses["training-data"]!.sites = { jed1: { storageClass: "jed1-block" } };
      p.spec.storage.dataClasses.checkpoints!.sites = { jed1: { storageClass: "jed1-block" } };
    }
    return p;
  };

  it("GIVEN no training data placed at the pool's site WHEN planned THEN training.data_class_site for both classes", () => {
    const issues = inputIssues(() => plan("sa", recipeText("sa"), atJed1(false)));
    expect(issues.map((i) => [i.code, i.message])).toEqual([
      ["training.data_class_site", "pool h100-train is at site jed1, where the profile places no training-data volume"],
      ["training.data_class_site", "pool h100-train is at site jed1, where the profile places no checkpoints volume"],
    ]);
  });

  it("GIVEN both classes placed at the pool's site WHEN planned THEN the run mounts the site's claims and the ledger accepts them", () => {
    const p = atJed1(true);
    const run = plan("sa", recipeText("sa"), p);
    expect(run.claims).toEqual({ data: "training-data-jed1", checkpoints: "checkpoints-jed1" });
    const pod = rjob(run, "train").template.spec.template.spec;
    expect(pod.volumes.filter((v) => v.persistentVolumeClaim).map((v) => v.persistentVolumeClaim!.claimName)).toEqual([
      "training-data-jed1",
      "checkpoints-jed1",
    ]);
    const findings = evaluate({
      profile: p,
      objects: [...run.training, ...run.evaluation].map((object): SynthObject => ({
        stack: "sa-train",
        address: object.metadata.name,
        source: "manifest",
        object: object as never,
      })),
      terraform: [],
    }).filter((f) => f.packId === "training-ledger");
    expect(findings).toEqual([]);
  });
});

describe("training-ledger admission rule on the kit's own workloads", () => {
  const check = (p: CountryProfile, objects: KubernetesObject[]) =>
    evaluate({
      profile: p,
      objects: objects.map((object): SynthObject => ({ stack: "th-train", address: object.metadata.name, source: "manifest", object: object as never })),
      terraform: [],
    }).filter((f) => f.packId === "training-ledger");

  it("GIVEN the planned th run WHEN the ledger pack checks it THEN no finding", () => {
    const p = plan("th");
    expect(check(profile("th"), [...p.training, ...p.evaluation])).toEqual([]);
  });

  it("GIVEN the th JobSet re-annotated with an unapproved recipe digest WHEN checked THEN training-recipe-approved denies it naming the digest", () => {
    const js = structuredClone(jobSetOf(plan("th")));
    js.metadata.annotations![RECIPE_SHA_ANNOTATION] = "e".repeat(64);
    const findings = check(profile("th"), [js]);
    expect(findings.map((f) => f.ruleId)).toEqual(["training-recipe-approved"]);
    expect(findings[0]!.message).toContain("e".repeat(64));
    expect(findings[0]!.severity).toBe("error");
  });

  it("GIVEN the th JobSet with one more source mounted than approved WHEN checked THEN training-data-in-recipe denies it", () => {
    const js = structuredClone(jobSetOf(plan("th")));
    const pod = (js.spec as { replicatedJobs: RJob[] }).replicatedJobs[1]!.template.spec.template.spec;
    pod.containers[0]!.volumeMounts.push({ name: "training-data", mountPath: "/data/forum", subPath: "sources/scraped-forum", readOnly: true });
    const findings = check(profile("th"), [js]);
    expect(findings.map((f) => f.ruleId)).toEqual(["training-data-in-recipe"]);
    expect(findings[0]!.message).toContain("trainer:sources/scraped-forum");
  });
});

describe("training stacks: synth, schema facts, CRD ordering, chart values", () => {
  const objects = new Map<string, { stack: string; object: KubernetesObject }[]>();
  const manifests = new Map<string, { stacks: Record<string, { dependencies: string[] }> }>();
  beforeAll(async () => {
    for (const cc of ["th", "sa"]) {
      const dir = join(tempDir(), "out");
      await synthesizeCountry(profile(cc), dir);
      objects.set(cc, (await collectObjects(dir)).map((o) => ({ stack: o.stack, object: o.object })));
      manifests.set(cc, JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")));
    }
  });

  it.each(["th", "sa"])("GIVEN %s WHEN synthesized THEN crds follows platform and training follows crds, gpu and storage", (cc) => {
    const m = manifests.get(cc)!;
    expect(m.stacks[`${cc}-crds`]!.dependencies).toEqual([`${cc}-platform`]);
    expect([...m.stacks[`${cc}-training`]!.dependencies].sort()).toEqual([`${cc}-crds`, `${cc}-gpu`, `${cc}-storage`]);
  });

  it.each(["th", "sa"])("GIVEN %s WHEN synthesized THEN the training stack has a flavor per training pool with its taint, the pool's GPUs as quota and a LocalQueue", (cc) => {
    const p = profile(cc);
    const pool = p.spec.gpuPools.find((x) => x.purpose === "training")!;
    const mine = objects.get(cc)!.filter((o) => o.stack === `${cc}-training`).map((o) => o.object);
    const flavor = mine.find((o) => o.kind === "ResourceFlavor")!;
    expect(flavor.metadata.name).toBe(pool.name);
    expect((flavor.spec as { nodeTaints: unknown[] }).nodeTaints).toEqual([{ key: "sovereign.ai/gpu-pool", value: pool.name, effect: "NoSchedule" }]);
    const cq = mine.find((o) => o.kind === "ClusterQueue")!.spec as { resourceGroups: { coveredResources: string[]; flavors: { name: string; resources: { name: string; nominalQuota: unknown }[] }[] }[] };
    const gpu = cq.resourceGroups[0]!.flavors[0]!.resources.find((r) => r.name === "nvidia.com/gpu")!;
    expect(gpu.nominalQuota).toBe(pool.nodes * pool.gpusPerNode);
    expect(cq.resourceGroups[0]!.coveredResources).toContain(pool.interconnect!.rdmaResource);
    expect(mine.find((o) => o.kind === "LocalQueue")!.metadata).toMatchObject({ name: "training", namespace: TRAINING_NAMESPACE });
  });

  it.each(["th", "sa"])("GIVEN %s WHEN synthesized THEN both controllers reach the API server they watch and only it (and in-country networks) may call their webhooks", (cc) => {
    const api = profile(cc).spec.cluster!.apiServer!;
    for (const ns of ["kueue-system", "jobset-system"]) {
      const policies = objects.get(cc)!.filter((o) => o.object.kind === "NetworkPolicy" && o.object.metadata.namespace === ns);
      type Peer = { ipBlock?: { cidr: string } };
      type Rule = { to?: Peer[]; from?: Peer[]; ports?: { port: number }[] };
      const specs = policies.map((p) => p.object.spec as { egress?: Rule[]; ingress?: Rule[] });
      const toApi = specs
        .flatMap((p) => p.egress ?? [])
        .find((r) => (r.to ?? []).some((t) => api.cidrs.includes(t.ipBlock?.cidr ?? "")));
      expect(toApi?.ports?.map((x) => x.port), ns).toEqual([api.port]);
      const webhook = specs.flatMap((p) => p.ingress ?? []).filter((r) => (r.ports ?? []).some((x) => x.port === 9443));
      expect(webhook, ns).toHaveLength(1);
      expect(webhook[0]!.from!.map((f) => f.ipBlock?.cidr), ns).toEqual(expect.arrayContaining(api.cidrs));
    }
  });

  it.each(["th", "sa"])("GIVEN %s WHEN synthesized THEN every Kueue/JobSet object validates against the recorded schema facts", (cc) => {
    const custom = objects.get(cc)!.filter((o) => recordedSchemaErrors(o.object) !== undefined);
    expect(custom.map((o) => o.object.kind).sort()).toEqual(["ClusterQueue", "LocalQueue", "ResourceFlavor"]);
    for (const o of custom) expect({ ref: o.object.metadata.name, errors: recordedSchemaErrors(o.object) }).toEqual({ ref: o.object.metadata.name, errors: [] });
  });

  it.each(["th", "sa"])("GIVEN %s WHEN synthesized THEN every stack planning a recorded custom kind depends on crds, and crds plans none", (cc) => {
    const m = manifests.get(cc)!;
    const after = (stack: string, target: string): boolean =>
      m.stacks[stack]!.dependencies.some((d) => d === target || after(d, target));
    const custom = objects.get(cc)!.filter((o) => RECORDED_KINDS.includes(`${o.object.apiVersion}/${o.object.kind}`));
    expect(custom.length).toBeGreaterThan(0);
    for (const o of custom) {
      expect(o.stack).not.toBe(`${cc}-crds`);
      expect({ stack: o.stack, afterCrds: after(o.stack, `${cc}-crds`) }).toEqual({ stack: o.stack, afterCrds: true });
    }
  });

  it("GIVEN a planned JobSet WHEN validated THEN it fits the recorded JobSet schema and its Job templates the Kubernetes batch/v1 schema", async () => {
    for (const cc of ["th", "sa"]) {
      const js = jobSetOf(plan(cc));
      expect(recordedSchemaErrors(js)).toEqual([]);
      for (const r of (js.spec as { replicatedJobs: RJob[] }).replicatedJobs) {
        const tpl = r.template as unknown as { metadata: object };
        const res = await validateObject({ apiVersion: "batch/v1", kind: "Job", ...tpl, metadata: { ...tpl.metadata, name: r.name } } as never);
        expect(res).toEqual({ ref: `batch/v1/Job ${r.name}`, covered: true });
      }
      for (const j of plan(cc).evaluation) expect((await validateObject(j)).error).toBeUndefined();
    }
  });

  it("GIVEN a JobSet with a field its schema lacks WHEN validated THEN the recorded facts refuse it (the check can fail)", () => {
    const js = structuredClone(jobSetOf(plan("th")));
    (js.spec as Record<string, unknown>).gangScheduling = true;
    expect(recordedSchemaErrors(js)!.join()).toContain("additionalProperty");
  });

  it("GIVEN the chart values the kit sets WHEN compared with the recorded charts THEN every key is one the pinned chart declares", () => {
    const img = (n: string) => `registry.x.example/ai/${n}@sha256:${"a".repeat(64)}`;
    for (const [values, record] of [
      [kueueChartValues(img("kueue")), KUEUE],
      [jobsetChartValues(img("jobset")), JOBSET],
    ] as const) {
      for (const key of valueKeyPaths(values)) expect(record.chart.valueKeys).toContain(key);
    }
    expect(KUEUE.chart.version).toBe("0.19.2");
    expect(JOBSET.chart.version).toBe("0.12.0");
  });

  it("GIVEN the Kueue manager config WHEN its keys are compared with the recorded config facts THEN none is outside them", () => {
    const allowed = [
      ...String(KUEUE.facts.managerConfigDefaults!.value).split(",").map((kv) => kv.split("=")[0]),
      ...String(KUEUE.facts.configKeys!.value).split(","),
      "apiVersion",
      "kind",
      "integrations.frameworks",
    ];
    for (const key of valueKeyPaths(kueueManagerConfig())) expect(allowed).toContain(key);
  });
});

describe("train plan and the deploy-readiness check", () => {
  it.each(["th", "sa"])(
    "GIVEN the %s recipe's plan WHEN checked inside the country's synthesized cluster THEN every stager, trainer and evaluator is ready",
    async (cc) => {
      const { readinessOfPlan } = await import("@sovereign/cli");
      const findings = await readinessOfPlan(profile(cc), plan(cc));
      expect(findings.map((f) => `${f.ruleId} ${f.object.kind} ${f.object.name}: ${f.message}`)).toEqual([]);
    },
  );

  it("GIVEN the trainers lose their pool toleration WHEN checked THEN schedule names the trainer Job of the plan", async () => {
    const { readinessOfPlan } = await import("@sovereign/cli");
    const p = plan("th");
    const js = p.training.find((o) => o.kind === "JobSet") as unknown as {
      spec: { replicatedJobs: { name: string; template: { spec: { template: { spec: { tolerations?: unknown[] } } } } }[] };
    };
    for (const rj of js.spec.replicatedJobs) if (rj.name === "train") delete rj.template.spec.template.spec.tolerations;
    const findings = await readinessOfPlan(profile("th"), p);
    expect(findings.some((f) => f.ruleId.startsWith("schedule") && f.object.kind === "Job" && /-train-0$/.test(f.object.name))).toBe(
      true,
    );
  });
});
