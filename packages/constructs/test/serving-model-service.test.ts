import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  App,
  DEFAULT_INFERENCE_CORE_CHART_PATH,
  gateJobName,
  HelmProvider,
  jobFromV1Body,
  KubernetesProvider,
  LocalBackend,
  ModelService,
  type ModelServiceProps,
  TerraformStack,
} from "@sovereign/constructs";
import { InputError } from "@sovereign/diagnostics";
import { parseCasesJson } from "@sovereign/inference-core";
import { type CountryProfile, loadProfileFile, type ModelSpec, shippedProfilePath } from "@sovereign/profile";
import { Job } from "kubernetes-models/batch/v1/Job";
import { ConfigMap } from "kubernetes-models/v1/ConfigMap";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

type Extra = Omit<ModelServiceProps, "profile" | "model" | "namespace">;

/** Synthesizes one stack with a ModelService per model and returns its cdk.tf.json text. */
function synth(profile: CountryProfile, extra: (m: ModelSpec) => Extra = () => ({})): string {
  const outdir = mkdtempSync(join(tmpdir(), "model-service-"));
  dirs.push(outdir);
  const app = new App({ outdir, stackTraces: false });
  const stack = new TerraformStack(app, "serving");
  new KubernetesProvider(stack, "k8s", {});
  new HelmProvider(stack, "helm", {});
  // cdktf's implicit local backend records an absolute path; the stacks always set a backend.
  new LocalBackend(stack, { path: "terraform.serving.tfstate" });
  for (const model of profile.spec.serving.models) {
    new ModelService(stack, model.name, { profile, model, namespace: "serving", ...extra(model) });
  }
  app.synth();
  return readFileSync(join(outdir, "stacks", "serving", "cdk.tf.json"), "utf8");
}

const resources = (json: string, type: string): [string, any][] =>
  Object.entries((JSON.parse(json).resource?.[type] ?? {}) as Record<string, any>);

/** Gate Jobs (kubernetes_job_v1), each with the Job manifest it creates as `manifest`. */
const gateJobs = (json: string): [string, any][] =>
  resources(json, "kubernetes_job_v1").map(([k, r]) => [k, { ...r, manifest: jobFromV1Body(r) }]);

const profiles = ["kr", "th", "sa"].map((cc) => loadProfileFile(shippedProfilePath(cc)));
const SERVING = (p: CountryProfile) => `${p.spec.registry}/inference-core@sha256:${"5".repeat(64)}`;

describe("ModelService", () => {
  describe.each(profiles.map((p) => [p.metadata.name, p] as const))("shipped profile %s", (_cc, profile) => {
    const json = synth(profile);

    it.each(profile.spec.serving.models.map((m) => [m.name, m] as const))(
      "GIVEN model %s WHEN synthesized THEN its gate Job exists on the model's pool and the helm_release depends on it",
      (_n, model) => {
        const [jobKey, job] = gateJobs(json).find(
          ([, r]) => r.manifest.metadata.labels["sovereign.ai/model"] === model.name,
        )!;
        expect(job.manifest.metadata.name).toBe(gateJobName(model.name, model.image));
        // kubernetes_job_v1 waits for Complete and returns an error on Failed (provider 2.38.0).
        expect(job.wait_for_completion).toBe(true);
        expect(job.timeouts.create).toBe("60m");
        const pod = job.manifest.spec.template.spec;
        expect(
          pod.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0]
            .matchExpressions[0],
        ).toEqual({
          key: "sovereign.ai/gpu-pool",
          operator: "In",
          values: [model.pool],
        });
        expect(pod.tolerations).toEqual([
          { key: "sovereign.ai/gpu-pool", operator: "Equal", value: model.pool, effect: "NoSchedule" },
        ]);
        for (const c of pod.initContainers) {
          expect(c.resources.requests["nvidia.com/gpu"]).toBe(model.tensorParallel);
          expect(c.resources.limits["nvidia.com/gpu"]).toBe(model.tensorParallel);
        }
        expect(job.manifest.spec.backoffLimit).toBe(0);

        const [, release] = resources(json, "helm_release").find(([, r]) => r.name === model.name)!;
        expect(release.depends_on).toContain(`kubernetes_job_v1.${jobKey}`);
        expect(release.chart).toBe(DEFAULT_INFERENCE_CORE_CHART_PATH);
        expect(release.atomic).toBe(true);
        const values = parse(release.values[0]);
        expect(values).toMatchObject({
          model: model.name,
          image: model.image,
          pool: model.pool,
          tensorParallel: model.tensorParallel,
          weights: { endpoint: model.weights.endpoint, sha256: model.weights.sha256 },
        });
      },
    );

    it("GIVEN every object the service creates as a manifest WHEN validated against the Kubernetes schema THEN none has an error", () => {
      const manifests = [
        ...resources(json, "kubernetes_manifest").map(([, r]) => r.manifest),
        ...gateJobs(json).map(([, r]) => r.manifest),
      ];
      expect(manifests.length).toBe(3 * profile.spec.serving.models.length);
      for (const m of manifests) {
        const Model = m.kind === "Job" ? Job : ConfigMap;
        expect(() => new Model(m).validate(), `${m.kind}/${m.metadata.name}`).not.toThrow();
      }
    });

    it("GIVEN the profile WHEN synthesized THEN each model has exactly one gate Job and one release", () => {
      expect(gateJobs(json)).toHaveLength(profile.spec.serving.models.length);
      expect(resources(json, "helm_release")).toHaveLength(profile.spec.serving.models.length);
    });

    it("GIVEN the profile WHEN synthesized twice THEN the JSON is byte-identical and holds no absolute path", () => {
      expect(synth(profile)).toBe(json);
      expect(json).not.toContain("model-service-");
      expect(json).not.toContain(process.cwd());
      expect(json).not.toMatch(/"\/(work|home|Users|tmp)\//);
    });

    it("GIVEN each model WHEN synthesized THEN the kernel-cases ConfigMap holds the planner's cases for its architecture and TP", () => {
      for (const model of profile.spec.serving.models) {
        const [, cm] = resources(json, "kubernetes_manifest").find(
          ([, r]) =>
            r.manifest.kind === "ConfigMap" && r.manifest.metadata.name === `${model.name}-kernel-cases`,
        )!;
        const cases = parseCasesJson(cm.manifest.data["cases.json"]);
        expect(cases.length).toBeGreaterThan(5);
        const kernels = new Set(cases.map((c) => c.kernel));
        expect(kernels.has("gemm_qkv")).toBe(true);
        expect(kernels.has("allreduce")).toBe(model.tensorParallel > 1);
      }
    });
  });

  describe("gate Job identity", () => {
    const profile = profiles[1]!;
    const model = profile.spec.serving.models[0]!;
    const withImage = (image: string): CountryProfile => {
      const p = structuredClone(profile);
      p.spec.serving.models[0]!.image = image;
      return p;
    };
    const jobOf = (json: string) =>
      gateJobs(json).find(([, r]) => r.manifest.metadata.labels["sovereign.ai/model"] === model.name)!;

    it("GIVEN a new image digest WHEN synthesized THEN the gate Job gets a new name and a new Terraform address", () => {
      const [keyA, a] = jobOf(synth(profile));
      const [keyB, b] = jobOf(
        synth(withImage(`${profile.spec.registry}/inference-core@sha256:${"e".repeat(64)}`)),
      );
      expect(b.manifest.metadata.name).not.toBe(a.manifest.metadata.name);
      expect(keyB).not.toBe(keyA);
    });

    it("GIVEN the same digest and other inputs changed WHEN synthesized THEN the Job keeps its name and address (no rerun)", () => {
      const [keyA, a] = jobOf(synth(profile));
      const changed = structuredClone(profile);
      changed.spec.serving.models[0]!.replicas = { min: 3, max: 9 };
      changed.spec.serving.models[0]!.weights.sizeBytes = 1;
      const [keyB, b] = jobOf(
        synth(changed, () => ({ servingImage: SERVING(profile), baselines: "{}", rounds: 3 })),
      );
      expect(b.manifest.metadata.name).toBe(a.manifest.metadata.name);
      expect(keyB).toBe(keyA);
      expect(b.lifecycle.ignore_changes).toBe("all");
    });

    it("GIVEN an explicit rerun token WHEN synthesized THEN the same digest gets a new Job", () => {
      const [, a] = jobOf(synth(profile));
      const [, b] = jobOf(synth(profile, () => ({ gateRerun: "driver-570" })));
      expect(b.manifest.metadata.name).not.toBe(a.manifest.metadata.name);
    });
  });

  describe("gate modes", () => {
    const profile = profiles[1]!;
    const jobFor = (extra: Extra, record = false) => {
      const p = structuredClone(profile);
      p.spec.serving.models[0]!.gate = { recordBaseline: record, repetitions: 20 };
      const model = p.spec.serving.models[0]!.name;
      const [, job] = gateJobs(synth(p, () => extra)).find(
        ([, r]) => r.manifest.metadata.labels["sovereign.ai/model"] === model,
      )!;
      return job.manifest;
    };

    it("GIVEN a serving image WHEN synthesized THEN serving and candidate alternate A B B A on one pod and the gate compares both sides", () => {
      const job = jobFor({ servingImage: SERVING(profile) });
      const pod = job.spec.template.spec;
      expect(pod.initContainers.map((c: any) => c.name)).toEqual([
        "self-test",
        "serving-1",
        "candidate-1",
        "candidate-2",
        "serving-2",
      ]);
      const model = profile.spec.serving.models[0]!;
      expect(pod.initContainers[0].image).toBe(model.image);
      expect(pod.initContainers[0].command).toEqual(["/opt/sovereign/bin/kernel-suite", "--self-test"]);
      for (const c of pod.initContainers.slice(1)) {
        expect(c.image).toBe(c.name.startsWith("serving") ? SERVING(profile) : model.image);
        expect(c.command).toEqual([
          "/opt/sovereign/bin/kernel-suite",
          "--cases",
          "/gate/cases/cases.json",
          "--repetitions",
          "10",
          "--out",
          `/results/${c.name}.json`,
        ]);
      }
      expect(pod.containers[0].image).toBe(model.image);
      expect(pod.containers[0].command).toEqual([
        "/opt/sovereign/bin/sovereign",
        "gate",
        "--baseline",
        "/results/serving-1.json",
        "--baseline",
        "/results/serving-2.json",
        "--candidate",
        "/results/candidate-1.json",
        "--candidate",
        "/results/candidate-2.json",
        "--format",
        "json",
      ]);
      expect(job.metadata.annotations["sovereign.ai/gate-mode"]).toBe("interleaved-ab");
    });

    it("GIVEN a first rollout with a recorded baseline WHEN synthesized THEN the gate compares against the pool GPU's baseline", () => {
      const job = jobFor({ baselines: '{"version":1}' });
      const cmd: string[] = job.spec.template.spec.containers[0].command;
      const gpu = profile.spec.gpuPools.find((p) => p.name === profile.spec.serving.models[0]!.pool)!.gpu;
      expect(cmd.slice(0, 2)).toEqual(["/opt/sovereign/bin/sovereign", "gate"]);
      expect(cmd).toContain("--baselines");
      expect(cmd[cmd.indexOf("--gpu") + 1]).toBe(gpu);
      expect(cmd).not.toContain("--baseline");
      expect(job.spec.template.spec.initContainers.map((c: any) => c.name)).toEqual([
        "self-test",
        "candidate-1",
        "candidate-2",
      ]);
    });

    it("GIVEN a first rollout and no baseline WHEN recordBaseline is false THEN the gate exits 3 (INCONCLUSIVE) and the Job cannot complete", () => {
      const job = jobFor({});
      const cmd: string[] = job.spec.template.spec.containers[0].command;
      expect(cmd[2]).toMatch(/INCONCLUSIVE/);
      expect(cmd[2]).toMatch(/exit 3$/);
      expect(job.metadata.annotations["sovereign.ai/gate-mode"]).toBe("no-baseline");
    });

    it("GIVEN a first rollout and no baseline WHEN recordBaseline is true THEN the run is printed as the new baseline and the Job completes", () => {
      const job = jobFor({}, true);
      const cmd: string[] = job.spec.template.spec.containers[0].command;
      expect(cmd[2]).toContain("cat /results/candidate-1.json");
      expect(cmd[2]).not.toMatch(/exit [1-9]/);
      expect(job.metadata.annotations["sovereign.ai/gate-mode"]).toBe("record-baseline");
    });
  });

  describe("props validation", () => {
    const profile = profiles[1]!;
    const build = (props: Partial<ModelServiceProps>) => {
      const app = new App({ outdir: mkdtempSync(join(tmpdir(), "model-service-bad-")), stackTraces: false });
      dirs.push(app.outdir);
      const stack = new TerraformStack(app, "s");
      return () =>
        new ModelService(stack, "m", {
          profile,
          model: profile.spec.serving.models[0]!,
          namespace: "serving",
          ...props,
        });
    };

    it("GIVEN several bad props WHEN constructed THEN one InputError lists each, naming the prop", () => {
      let err: unknown;
      try {
        build({
          servingImage: "docker.io/evil/image:latest",
          rounds: 0,
          gateTimeout: "soon",
          namespace: "Serving",
        })();
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(InputError);
      const paths = (err as InputError).issues.map((i) => i.path.join("."));
      expect(paths.sort()).toEqual(["gateTimeout", "namespace", "rounds", "servingImage"]);
    });

    it("GIVEN a model that is not in the profile WHEN constructed THEN it is refused", () => {
      const stray = { ...profile.spec.serving.models[0]!, name: "stray" };
      expect(build({ model: stray })).toThrow(/not one of the profile's serving.models/);
    });
  });

  it("GIVEN the repository's synth output layout WHEN the chart path is resolved from a stack directory THEN it reaches charts/inference-core", () => {
    const root = join(import.meta.dirname, "..", "..", "..");
    const stackDir = join(root, "cdktf.out", "stacks", "th-serving");
    const chartDir = join(stackDir, DEFAULT_INFERENCE_CORE_CHART_PATH);
    expect(readdirSync(chartDir)).toContain("Chart.yaml");
  });
});
