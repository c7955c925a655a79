import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inferenceCoreValues, KEDA } from "@sovereign/constructs";
import { parseEngineArgs, VLLM_RECORD } from "@sovereign/inference-core";
import {
  type CountryProfile,
  loadProfileFile,
  type ModelSpec,
  placements,
  shippedProfilePath,
  storageClassAt,
} from "@sovereign/profile";
import { helmBinary, REPO_ROOT } from "@sovereign/tools";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAllDocuments, stringify } from "yaml";
import { recordedSchemaErrors } from "./upstream-schema.js";

const CHART = join(REPO_ROOT, "charts", "inference-core");
const EXAMPLE = join(CHART, "ci", "example-values.yaml");

type Obj = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; [k: string]: unknown };
  [k: string]: any;
};

let helm: string;
let work: string;

beforeAll(() => {
  helm = helmBinary();
  work = mkdtempSync(join(tmpdir(), "chart-inference-core-"));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

function runHelm(args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(helm, args, {
    encoding: "utf8",
    env: { ...process.env, HELM_CACHE_HOME: join(work, "cache") },
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

let fileNo = 0;
function valuesFile(values: unknown): string {
  const f = join(work, `values-${fileNo++}.yaml`);
  writeFileSync(f, stringify(values));
  return f;
}

function render(values: unknown, namespace = "serving"): Obj[] {
  const r = runHelm(["template", "rel", CHART, "-n", namespace, "-f", valuesFile(values)]);
  if (r.code !== 0) throw new Error(`helm template failed: ${r.stderr}`);
  return parseAllDocuments(r.stdout)
    .map((d) => d.toJS() as Obj | null)
    .filter((o): o is Obj => o !== null);
}

const shipped: { cc: string; profile: CountryProfile; model: ModelSpec }[] = [];
for (const cc of ["kr", "th", "sa"]) {
  const profile = loadProfileFile(shippedProfilePath(cc));
  for (const model of profile.spec.serving.models) shipped.push({ cc, profile, model });
}

const PINNED = /@sha256:[0-9a-f]{64}$/;

function podSpecs(objects: Obj[]): { owner: string; spec: any }[] {
  const out: { owner: string; spec: any }[] = [];
  for (const o of objects) {
    if (o.kind === "Pod") out.push({ owner: `Pod/${o.metadata.name}`, spec: o.spec });
    if (o.kind === "Deployment")
      out.push({ owner: `Deployment/${o.metadata.name}`, spec: o.spec.template.spec });
  }
  return out;
}

describe("charts/inference-core with the real helm binary", () => {
  it("GIVEN the example values WHEN helm lint runs THEN the chart passes with no failure", () => {
    const r = runHelm(["lint", "--strict", CHART, "-f", EXAMPLE]);
    expect(r.stderr + r.stdout).toContain("0 chart(s) failed");
    expect(r.code).toBe(0);
  });

  it("GIVEN helm 4 WHEN asked its version THEN it is v4 (the version the kit pins)", () => {
    expect(runHelm(["version", "--short"]).stdout).toMatch(/^v4\./);
  });

  it("GIVEN the example values WHEN rendered THEN every kind the chart owns is present, the test hook included", () => {
    const kinds = render(parseAllDocuments(readFileSync(EXAMPLE, "utf8"))[0]!.toJS()).map(
      (o) => `${o.kind}/${o.metadata.name}`,
    );
    expect(kinds.sort()).toEqual(
      [
        "ConfigMap/example-7b-scripts",
        "Deployment/example-7b",
        "HTTPRoute/example-7b",
        "HorizontalPodAutoscaler/example-7b",
        "PodDisruptionBudget/example-7b",
        "Pod/example-7b-test-ready",
        "Service/example-7b",
        "ServiceAccount/example-7b",
      ].sort(),
    );
  });

  it("GIVEN the example values WHEN the server's command line is parsed THEN it uses recorded engine flags only", () => {
    const d = render(parseAllDocuments(readFileSync(EXAMPLE, "utf8"))[0]!.toJS()).find((o) => o.kind === "Deployment")!;
    const server = d.spec.template.spec.containers[0];
    expect(parseEngineArgs(VLLM_RECORD, server.args).flags.get("--tensor-parallel-size")).toBe("2");
  });

  it("GIVEN a flag outside the record WHEN parsed THEN it is refused by name (the flag check can fail)", () => {
    expect(() => parseEngineArgs(VLLM_RECORD, ["/m", "--trust-remote-code"])).toThrow(/"--trust-remote-code" is not a recorded vllm v0.11.0 flag/);
    expect(() => parseEngineArgs(VLLM_RECORD, ["/m", "--tensor-parallel-size", "two"])).toThrow(/not an integer/);
    expect(() => parseEngineArgs(VLLM_RECORD, ["/m", "--load-format", "pt"])).toThrow(/not one of safetensors/);
  });

  describe.each(shipped.map((s) => [`${s.cc}/${s.model.name}`, s] as const))(
    "shipped model %s",
    (_label, s) => {
      let values: ReturnType<typeof inferenceCoreValues>;
      let objects: Obj[];
      let deployment: Obj;
      beforeAll(() => {
        values = inferenceCoreValues(s.profile, s.model);
        objects = render(values);
        deployment = objects.find((o) => o.kind === "Deployment")!;
      });

      it("GIVEN the profile's values WHEN helm lint runs THEN it passes", () => {
        const r = runHelm(["lint", CHART, "-f", valuesFile(values)]);
        expect(r.code, r.stdout + r.stderr).toBe(0);
      });

      it("GIVEN the model WHEN rendered THEN the server requests and limits nvidia.com/gpu = tensorParallel", () => {
        const server = deployment.spec.template.spec.containers.find((c: any) => c.name === "server");
        expect(server.resources.requests["nvidia.com/gpu"]).toBe(s.model.tensorParallel);
        expect(server.resources.limits["nvidia.com/gpu"]).toBe(s.model.tensorParallel);
        expect(deployment.spec.template.spec.runtimeClassName).toBe("nvidia");
      });

      it("GIVEN the model's pool WHEN rendered THEN pods require the pool label and tolerate only its taint", () => {
        const pod = deployment.spec.template.spec;
        const terms =
          pod.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms;
        expect(terms).toEqual([
          { matchExpressions: [{ key: "sovereign.ai/gpu-pool", operator: "In", values: [s.model.pool] }] },
        ]);
        expect(pod.tolerations).toEqual([
          { key: "sovereign.ai/gpu-pool", operator: "Equal", value: s.model.pool, effect: "NoSchedule" },
        ]);
      });

      it("GIVEN the profile's weights WHEN rendered THEN an init container fetches them path-style from the endpoint and verifies the pinned manifest", () => {
        const pod = deployment.spec.template.spec;
        expect(pod.initContainers).toHaveLength(1);
        const init = pod.initContainers[0];
        const env = Object.fromEntries(init.env.map((e: any) => [e.name, e.value]));
        // Shipped profiles use s3://<bucket>/<prefix> with a separate endpoint.
        const [bucket, ...prefix] = s.model.weights.uri.replace(/^s3:\/\//, "").split("/");
        expect(env.WEIGHTS_ENDPOINT).toBe(s.model.weights.endpoint);
        expect(env.WEIGHTS_BUCKET).toBe(bucket);
        expect(env.WEIGHTS_PREFIX).toBe(prefix.join("/"));
        expect(env.WEIGHTS_SHA256).toBe(s.model.weights.sha256);
        expect(env.WEIGHTS_FORMAT).toBe("directory");
        expect(init.command.join(" ")).toContain("fetch-weights.sh");
        expect((deployment.metadata.annotations as Record<string, string>)["sovereign.ai/weights-uri"]).toBe(
          `${s.model.weights.endpoint}/${bucket}/${prefix.join("/")}`,
        );
        // The server reads the same volume the init container wrote, read-only, at the verified path.
        const server = pod.containers.find((c: any) => c.name === "server");
        const cacheMount = server.volumeMounts.find((m: any) => m.name === "weights-cache");
        expect(cacheMount).toMatchObject({ mountPath: "/cache", readOnly: true });
        expect(server.args[0]).toBe(`/cache/${s.model.weights.sha256}/model`);
        const cache = pod.volumes.find((v: any) => v.name === "weights-cache");
        // The cache claims from the model-weights class of the pool's own site, and says that site.
        const pool = s.profile.spec.gpuPools.find((p) => p.name === s.model.pool)!;
        const claim = cache.ephemeral.volumeClaimTemplate;
        const cls = s.profile.spec.storage.classes.find((c) => c.name === claim.spec.storageClassName)!;
        expect(cls.site).toBe(pool.site);
        expect(claim.spec.storageClassName).toBe(storageClassAt(s.profile.spec, "model-weights", pool.site));
        expect(claim.metadata.labels["sovereign.ai/site"]).toBe(pool.site);
        expect(cache.ephemeral.volumeClaimTemplate.metadata.labels["sovereign.ai/data-class"]).toBe(
          "model-weights",
        );
      });

      it("GIVEN the pinned engine record WHEN the server's command line is parsed THEN it is `vllm serve <weights>` with recorded flags only, sized by the plan", () => {
        const server = deployment.spec.template.spec.containers.find((c: any) => c.name === "server");
        expect(server.command).toEqual([...VLLM_RECORD.command]);
        const parsed = parseEngineArgs(VLLM_RECORD, server.args);
        expect(parsed.model).toBe(`/cache/${s.model.weights.sha256}/model`);
        expect(parsed.flags.get("--served-model-name")).toBe(s.model.name);
        expect(parsed.flags.get("--tensor-parallel-size")).toBe(String(s.model.tensorParallel));
        expect(parsed.flags.get("--max-model-len")).toBe(String(s.model.engine?.maxModelLen ?? s.model.architecture.maxContext));
        const util = Number(parsed.flags.get("--gpu-memory-utilization"));
        expect(util).toBeGreaterThan(0);
        expect(util).toBeLessThanOrEqual(0.9);
        expect(parsed.flags.get("--port")).toBe(String(server.ports[0].containerPort));
        expect(parsed.flags.has("--trust-remote-code")).toBe(false);
      });

      it("GIVEN the pinned engine record WHEN probes, scrape annotations and env are read THEN each hits a recorded endpoint or variable", () => {
        const spec = deployment.spec.template.spec;
        const server = spec.containers.find((c: any) => c.name === "server");
        for (const probe of ["startupProbe", "readinessProbe", "livenessProbe"]) {
          expect(Object.keys(VLLM_RECORD.endpoints), probe).toContain(server[probe].httpGet.path);
          expect(server[probe].httpGet.port).toBe("http");
        }
        const ann = deployment.spec.template.metadata.annotations;
        expect(ann["prometheus.io/scrape"]).toBe("true");
        expect(Object.keys(VLLM_RECORD.endpoints)).toContain(ann["prometheus.io/path"]);
        const env = Object.fromEntries(server.env.filter((e: any) => "value" in e).map((e: any) => [e.name, e.value]));
        for (const name of Object.keys(env)) expect(Object.keys(VLLM_RECORD.env), name).toContain(name);
        expect(env).toMatchObject({ HF_HUB_OFFLINE: "1", TRANSFORMERS_OFFLINE: "1", VLLM_NO_USAGE_STATS: "1", DO_NOT_TRACK: "1" });
        // Every cache directory is on the writable emptyDir, the root filesystem stays read-only.
        const cacheMount = server.volumeMounts.find((m: any) => m.name === "engine-cache").mountPath;
        for (const k of ["HOME", "XDG_CACHE_HOME", "VLLM_CACHE_ROOT", "VLLM_CONFIG_ROOT", "HF_HOME"]) {
          expect(env[k].startsWith(`${cacheMount}/`), k).toBe(true);
        }
        expect(spec.volumes.find((v: any) => v.name === "engine-cache").emptyDir).toBeDefined();
      });

      it("GIVEN any pod of the chart WHEN rendered THEN it runs with the restricted security context", () => {
        for (const { owner, spec } of podSpecs(objects)) {
          expect(spec.securityContext.runAsNonRoot, owner).toBe(true);
          expect(spec.securityContext.seccompProfile.type, owner).toBe("RuntimeDefault");
          expect(spec.automountServiceAccountToken, owner).toBe(false);
          for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
            const sc = c.securityContext;
            expect(sc, `${owner} ${c.name}`).toMatchObject({
              runAsNonRoot: true,
              allowPrivilegeEscalation: false,
              readOnlyRootFilesystem: true,
              capabilities: { drop: ["ALL"] },
              seccompProfile: { type: "RuntimeDefault" },
            });
            expect(sc.privileged, `${owner} ${c.name}`).toBeUndefined();
            expect(sc.capabilities.add, `${owner} ${c.name}`).toBeUndefined();
          }
        }
      });

      it("GIVEN any container WHEN rendered THEN its image is <registry>/...@sha256:<64 hex>", () => {
        const images = podSpecs(objects).flatMap(({ spec }) =>
          [...(spec.initContainers ?? []), ...spec.containers].map((c: any) => c.image as string),
        );
        expect(images.length).toBeGreaterThanOrEqual(3);
        for (const image of images) {
          expect(image.startsWith(`${s.profile.spec.registry}/`), image).toBe(true);
          expect(image, image).toMatch(PINNED);
        }
      });

      it("GIVEN the model WHEN rendered THEN the chart test calls the engine's health and model-list endpoints", () => {
        const test = objects.find((o) => o.kind === "Pod")!;
        expect((test.metadata.annotations as Record<string, string>)["helm.sh/hook"]).toBe("test");
        expect(test.spec.containers[0].args[0]).toContain(`"$base/health"`);
        expect(test.spec.containers[0].args[0]).toContain(`"$base/v1/models"`);
        expect(test.spec.containers[0].args[0]).toContain(`http://${s.model.name}.serving.svc:8000`);
      });

      it("GIVEN the model WHEN rendered THEN every object carries model, site and data-class labels", () => {
        const site = s.profile.spec.gpuPools.find((p) => p.name === s.model.pool)!.site;
        for (const o of objects) {
          const labels = o.metadata.labels as Record<string, string>;
          expect(labels["sovereign.ai/model"], `${o.kind}`).toBe(s.model.name);
          expect(labels["sovereign.ai/site"], `${o.kind}`).toBe(site);
          expect(labels["sovereign.ai/data-class"], `${o.kind}`).toBe("model-weights");
        }
        expect(deployment.spec.template.metadata.labels["sovereign.ai/model"]).toBe(s.model.name);
      });

      it("GIVEN the model's replicas WHEN rendered THEN the HPA scales on the engine's queue and running requests and the Deployment leaves replicas to it", () => {
        const hpa = objects.find((o) => o.kind === "HorizontalPodAutoscaler")!;
        expect(hpa.spec).toMatchObject({
          minReplicas: s.model.replicas.min,
          maxReplicas: s.model.replicas.max,
          scaleTargetRef: { kind: "Deployment", name: deployment.metadata.name },
        });
        expect(hpa.spec.metrics.map((m: any) => [m.type, m.pods.metric.name])).toEqual([
          ["Pods", "vllm_num_requests_waiting"],
          ["Pods", "vllm_num_requests_running"],
        ]);
        expect(Number(hpa.spec.metrics[1].pods.target.averageValue)).toBe(values.autoscaling.runningTarget);
        expect(hpa.spec.behavior.scaleDown).toMatchObject({ stabilizationWindowSeconds: 600, selectPolicy: "Min" });
        // No replicas field: an upgrade must not reset what the HPA scaled out.
        expect("replicas" in deployment.spec).toBe(false);
        const pdb = objects.find((o) => o.kind === "PodDisruptionBudget")!;
        expect(pdb.spec.selector.matchLabels).toEqual(deployment.spec.selector.matchLabels);
      });

      it("GIVEN a pod being removed WHEN rendered THEN it keeps serving through preStop and has the grace period to finish in-flight requests", () => {
        const spec = deployment.spec.template.spec;
        const server = spec.containers.find((c: any) => c.name === "server");
        expect(server.lifecycle.preStop.sleep.seconds).toBe(15);
        expect(spec.terminationGracePeriodSeconds).toBe(600);
      });

      it("GIVEN an interaction-logs class at the model's site WHEN rendered THEN the engine logs requests to that claim, one directory per pod, with its retention", () => {
        const logs = s.profile.spec.storage.dataClasses["interaction-logs"]!;
        const site = s.profile.spec.gpuPools.find((p) => p.name === s.model.pool)!.site;
        const place = placements(s.profile.spec, "interaction-logs").find((p) => p.site === site);
        const spec = deployment.spec.template.spec;
        const server = spec.containers.find((c: any) => c.name === "server");
        const args: string[] = server.args;
        expect(args.includes("--enable-log-requests")).toBe(place !== undefined);
        if (!place) return;
        // The claim the storage stack creates at the model's own site.
        expect(spec.volumes.find((v: any) => v.name === "interaction-logs").persistentVolumeClaim.claimName).toBe(
          place.primary ? "interaction-logs" : `interaction-logs-${site}`,
        );
        expect(server.volumeMounts.find((m: any) => m.name === "interaction-logs").subPathExpr).toBe(
          `${s.model.name}/$(POD_NAME)`,
        );
        const config = JSON.parse(objects.find((o) => o.kind === "ConfigMap")!.data["logging.json"]);
        expect(config.handlers.interactions).toMatchObject({ backupCount: logs.retentionDays, when: "midnight" });
        expect(config.loggers["vllm.entrypoints.logger"]).toMatchObject({ handlers: ["interactions"], propagate: false });
      });

      it("GIVEN the profile's gateway WHEN rendered THEN the HTTPRoute attaches to it and targets the Service", () => {
        const gw = s.profile.spec.serving.gateway;
        const route = objects.find((o) => o.kind === "HTTPRoute");
        if (!gw) {
          expect(route).toBeUndefined();
          return;
        }
        expect(route!.spec.parentRefs[0]).toMatchObject({ name: gw.name, namespace: gw.namespace });
        expect(route!.spec.hostnames).toEqual([gw.hostname]);
        expect(route!.spec.rules[0].backendRefs[0]).toEqual({ name: s.model.name, port: 8000 });
      });

      it("GIVEN every rendered object WHEN validated against the Kubernetes schemas THEN none has an error", async () => {
        for (const o of objects) {
          const errors = await validateObject(o);
          expect(errors, `${o.kind}/${o.metadata.name}`).toEqual([]);
        }
      });
    },
  );

  it("GIVEN autoscaling switched off WHEN rendered THEN there is no HPA and the Deployment holds replicas.min", () => {
    const s = shipped[0]!;
    const values = { ...inferenceCoreValues(s.profile, s.model), autoscaling: { enabled: false } };
    const objects = render(values);
    expect(objects.some((o) => o.kind === "HorizontalPodAutoscaler")).toBe(false);
    expect(objects.find((o) => o.kind === "Deployment")!.spec.replicas).toBe(s.model.replicas.min);
  });

  it("GIVEN an in-country CA bundle WHEN rendered THEN the fetch container mounts it and passes it to the script", () => {
    const s = shipped[0]!;
    const profile = structuredClone(s.profile);
    profile.spec.serving.caBundle = { configMap: "in-country-ca" };
    const objects = render(inferenceCoreValues(profile, profile.spec.serving.models[0]!));
    const pod = objects.find((o) => o.kind === "Deployment")!.spec.template.spec;
    const init = pod.initContainers[0];
    expect(init.env.find((e: any) => e.name === "CA_BUNDLE").value).toBe("/etc/sovereign/ca/ca.crt");
    expect(init.volumeMounts.find((m: any) => m.name === "ca-bundle").mountPath).toBe("/etc/sovereign/ca");
    expect(pod.volumes.find((v: any) => v.name === "ca-bundle").configMap.name).toBe("in-country-ca");
  });

  it("GIVEN an image model WHEN rendered THEN the engine gets its per-prompt limit in the pinned version's JSON form", () => {
    const s = shipped[0]!;
    const profile = structuredClone(s.profile);
    const m = profile.spec.serving.models[0]!;
    m.modalities = ["text", "image"];
    m.encoders = { image: { params: 675_000_000, perPrompt: 4 } };
    const server = render(inferenceCoreValues(profile, m)).find((o) => o.kind === "Deployment")!.spec.template.spec
      .containers[0];
    const parsed = parseEngineArgs(VLLM_RECORD, server.args);
    expect(JSON.parse(parsed.flags.get("--limit-mm-per-prompt") as string)).toEqual({ image: 4 });
  });

  it("GIVEN a profile without a gateway WHEN rendered THEN no HTTPRoute is created", () => {
    const s = shipped[0]!;
    const profile = structuredClone(s.profile);
    delete profile.spec.serving.gateway;
    const objects = render(inferenceCoreValues(profile, profile.spec.serving.models[0]!));
    expect(objects.some((o) => o.kind === "HTTPRoute")).toBe(false);
  });

  it("GIVEN a Deployment whose port is a string WHEN validated THEN the Kubernetes schema check reports it (the check can fail)", async () => {
    const d = render(inferenceCoreValues(shipped[0]!.profile, shipped[0]!.model)).find(
      (o) => o.kind === "Deployment",
    )!;
    d.spec.template.spec.containers[0].ports[0].containerPort = "eight-thousand";
    expect((await validateObject(d)).join("\n")).toMatch(/containerPort must be integer/);
  });
});

describe("KEDA autoscaling (provider keda), checked against the KEDA v2.20.2 record", () => {
  const PROM = "http://prometheus-operated.monitoring.svc:9090";
  function kedaProfile(s: (typeof shipped)[number]): { profile: CountryProfile; model: ModelSpec } {
    const profile = structuredClone(s.profile);
    profile.spec.serving.autoscaling = { provider: "keda", prometheusUrl: PROM };
    return { profile, model: profile.spec.serving.models[profile.spec.serving.models.findIndex((m) => m.name === s.model.name)]! };
  }

  it.each(shipped.map((s) => [`${s.cc}/${s.model.name}`, s] as const))(
    "GIVEN %s with provider keda WHEN rendered THEN one ScaledObject valid against the recorded CRD schema replaces the HPA and queries the engine's recorded series",
    (_n, s) => {
      const { profile, model } = kedaProfile(s);
      const values = inferenceCoreValues(profile, model);
      const objects = render(values);
      expect(objects.some((o) => o.kind === "HorizontalPodAutoscaler")).toBe(false);
      const scaled = objects.filter((o) => o.kind === "ScaledObject");
      expect(scaled).toHaveLength(1);
      const so = scaled[0]!;
      expect(recordedSchemaErrors(so)).toEqual([]);
      const deployment = objects.find((o) => o.kind === "Deployment")!;
      expect("replicas" in deployment.spec).toBe(false);
      expect(so.spec).toMatchObject({
        scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: deployment.metadata.name },
        minReplicaCount: model.replicas.min,
        maxReplicaCount: model.replicas.max,
      });
      expect(so.spec.advanced.horizontalPodAutoscalerConfig.behavior.scaleDown).toMatchObject({ stabilizationWindowSeconds: 600, selectPolicy: "Min" });
      const allowed = String(KEDA.facts.prometheusMetadataKeys!.value).split(",");
      const series = Object.keys(VLLM_RECORD.metrics);
      expect(so.spec.triggers.map((t: any) => [t.name, t.type, t.metricType])).toEqual([
        ["queue", KEDA.facts.prometheusTriggerType!.value, "AverageValue"],
        ["running", KEDA.facts.prometheusTriggerType!.value, "AverageValue"],
      ]);
      for (const t of so.spec.triggers) {
        for (const k of Object.keys(t.metadata)) expect(allowed, `${t.name}.metadata.${k}`).toContain(k);
        expect(t.metadata.serverAddress).toBe(PROM);
        const m = /^sum\(([a-z_:]+)\{model_name="([a-z0-9-]+)"\}\)$/.exec(t.metadata.query);
        expect(m, t.metadata.query).not.toBeNull();
        expect(series).toContain(m![1]);
        expect(m![2]).toBe(model.name);
      }
      expect(Number(so.spec.triggers[0].metadata.threshold)).toBe(values.autoscaling.queueTarget);
      expect(Number(so.spec.triggers[1].metadata.threshold)).toBe(values.autoscaling.runningTarget);
    },
  );

  it("GIVEN the default provider WHEN rendered THEN there is an HPA and no ScaledObject (no KEDA CRD needed)", () => {
    const objects = render(inferenceCoreValues(shipped[0]!.profile, shipped[0]!.model));
    expect(objects.map((o) => o.kind)).toContain("HorizontalPodAutoscaler");
    expect(objects.map((o) => o.kind)).not.toContain("ScaledObject");
  });

  it("GIVEN a ScaledObject with a misspelt field or a trigger without metadata WHEN validated THEN the recorded schema refuses it (the check can fail)", () => {
    const { profile, model } = kedaProfile(shipped[0]!);
    const so = render(inferenceCoreValues(profile, model)).find((o) => o.kind === "ScaledObject")!;
    const misspelt = structuredClone(so);
    misspelt.spec.maxReplicas = 3;
    expect(recordedSchemaErrors(misspelt)!.join()).toContain("additionalProperty");
    const bare = structuredClone(so);
    delete bare.spec.triggers[0].metadata;
    expect(recordedSchemaErrors(bare)!.join()).toContain("metadata");
  });

  it("GIVEN provider keda without a Prometheus address WHEN helm renders THEN the values schema refuses it naming serverAddress", () => {
    const values = { ...inferenceCoreValues(shipped[0]!.profile, shipped[0]!.model), autoscaling: { enabled: true, provider: "keda" } };
    const r = runHelm(["template", "rel", CHART, "-n", "serving", "-f", valuesFile(values)]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/keda|serverAddress/);
  });
});

describe("values.schema.json and the template checks reject bad values, naming the field", () => {
  const base = () => inferenceCoreValues(shipped[0]!.profile, shipped[0]!.model) as any;
  const cases: [string, (v: any) => void, RegExp][] = [
    ["tensorParallel 0", (v) => (v.tensorParallel = 0), /\/tensorParallel': minimum: got 0, want 1/],
    ["tensorParallel not an integer", (v) => (v.tensorParallel = 1.5), /\/tensorParallel'/],
    [
      "image by tag",
      (v) => (v.image = `${v.registry}/inference-core:latest`),
      /\/image': .* does not match pattern/,
    ],
    [
      "image with a short digest",
      (v) => (v.image = `${v.registry}/inference-core@sha256:abc123`),
      /\/image': .* does not match pattern/,
    ],
    ["unknown top-level key", (v) => (v.replica = 3), /additional properties 'replica' not allowed/],
    [
      "unknown nested key",
      (v) => (v.weights.checksum = "x"),
      /\/weights': additional properties 'checksum' not allowed/,
    ],
    ["weights sha256 not hex", (v) => (v.weights.sha256 = "Z".repeat(64)), /\/weights\/sha256'/],
    ["weights endpoint over plain http", (v) => (v.weights.endpoint = "http://s3.example"), /\/weights\/endpoint'/],
    ["weights endpoint with a path", (v) => (v.weights.endpoint = "https://s3.example/models"), /\/weights\/endpoint'/],
    ["engine without a command", (v) => delete v.engine.command, /\/engine': missing property 'command'/],
    ["missing model", (v) => delete v.model, /missing propert(y|ies) 'model'/],
    ["replicas.min 0", (v) => (v.replicas.min = 0), /\/replicas\/min': minimum: got 0, want 1/],
    ["bad pool name", (v) => (v.pool = "H100_Serve"), /\/pool'/],
    ["no cache storage", (v) => (v.weights.cache = { size: "10Gi" }), /\/weights\/cache'/],
    ["route without hostname", (v) => delete v.route.hostname, /\/route': missing property 'hostname'/],
    [
      "replicas.min > max",
      (v) => (v.replicas = { min: 5, max: 2 }),
      /replicas\.min \(5\) must be <= replicas\.max \(2\)/,
    ],
    [
      "image outside the in-country registry",
      (v) => (v.image = `registry.elsewhere.example/ai/inference-core@sha256:${"a".repeat(64)}`),
      /is not from the in-country registry/,
    ],
  ];

  it.each(cases)(
    "GIVEN %s WHEN helm template runs THEN it fails naming the field",
    (_name, mutate, expected) => {
      const values = base();
      mutate(values);
      const r = runHelm(["template", "rel", CHART, "-f", valuesFile(values)]);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(expected);
    },
  );

  it("GIVEN the unmodified values WHEN helm template runs THEN it succeeds (the table above is not vacuous)", () => {
    expect(runHelm(["template", "rel", CHART, "-f", valuesFile(base())]).code).toBe(0);
  });
});

/** Validates one object with the kubernetes-models (or Gateway API models) schema for its kind. */
async function validateObject(o: Obj): Promise<string[]> {
  const [group, version] = o.apiVersion.includes("/") ? o.apiVersion.split("/") : ["", o.apiVersion];
  const module =
    group === "gateway.networking.k8s.io"
      ? `@kubernetes-models/gateway-api/${group}/${version}/${o.kind}`
      : `kubernetes-models/${group ? `${group}/` : ""}${version}/${o.kind}`;
  const mod = (await import(module)) as Record<string, new (d: unknown) => { validate(): void }>;
  const Model = mod[o.kind];
  if (!Model) return [`no model for ${o.apiVersion} ${o.kind}`];
  try {
    new Model(o).validate();
    return [];
  } catch (e) {
    return [(e as Error).message];
  }
}
