import { casesJson, planKernelCases } from "@sovereign/inference-core";
import type { CountryProfile, ModelSpec } from "@sovereign/profile";
import { stringify } from "yaml";
import { Construct, type ITerraformDependable } from "../cdktf.js";
import { K8sObject, MANAGED_BY } from "../k8s-object.js";
import { HelmRelease } from "../providers.js";
import { isPinnedImage, PropChecks } from "../validate.js";
import {
  type ChartValueOptions,
  INFERENCE_CORE_CHART,
  type InferenceCoreValues,
  inferenceCoreValues,
} from "./chart-values.js";
import { type GateMode, gateHash, gateJobManifest, gateJobName, gateMode } from "./gate-job.js";
import { KubernetesJobV1 } from "./job-v1.js";

/**
 * Chart reference of the release, relative to the directory Terraform runs in for a stack
 * (`cdktf.out/stacks/<stack>/` in cdktf's layout at the repository root). Relative, so the
 * synthesized JSON is the same on every machine and still finds the chart after a checkout or a
 * bundle is unpacked elsewhere.
 */
export const DEFAULT_INFERENCE_CORE_CHART_PATH = `../../../charts/${INFERENCE_CORE_CHART}`;

/** Props of {@link ModelService}. */
export interface ModelServiceProps {
  /** The country profile the model belongs to (registry, pools, storage, gateway). */
  readonly profile: CountryProfile;
  /** The model, one of `profile.spec.serving.models`. */
  readonly model: ModelSpec;
  /** Namespace of the release and its gate Job (created by the platform stack). */
  readonly namespace: string;
  /**
   * Image currently serving this model, by digest. With it the gate measures the serving and the
   * candidate image interleaved on the same node; the kit cannot read it from the cluster at
   * synth time, so the operator (or a pipeline) passes what the last successful deploy rolled out.
   * @default none — a first rollout: the candidate is compared with the recorded baseline of the
   *   pool's GPU model.
   */
  readonly servingImage?: string;
  /**
   * Text of the versioned baselines file holding this pool's GPU model, passed verbatim to
   * `sovereign gate --gpu <model> --baselines <file>` (format owned by @sovereign/gate).
   * @default none — a first rollout is then INCONCLUSIVE unless `model.gate.recordBaseline` is true.
   */
  readonly baselines?: string;
  /**
   * Interleaved rounds of the A/B measurement; `model.gate.repetitions` per side is split over them.
   * @default 2 — A B B A: each side leads once, so drift over the run cancels.
   */
  readonly rounds?: number;
  /**
   * Longest the gate may take before the apply fails (Terraform duration). A FAIL or INCONCLUSIVE
   * gate fails the apply as soon as the Job is marked Failed (the provider polls every <= 10 s).
   * @default "60m" — image pulls plus two suites at full size with room to spare.
   */
  readonly gateTimeout?: string;
  /**
   * Any string that forces a new gate run for an unchanged image (e.g. `driver-570.86`).
   * @default none — the gate reruns only when the image digest changes.
   */
  readonly gateRerun?: string;
  /**
   * Seconds helm waits for the rollout (weights download and load) before rolling back.
   * @default 3600 — a 30 GB download and load on a busy network; the old pods keep serving.
   */
  readonly rolloutTimeoutSeconds?: number;
  /**
   * Chart location (see {@link DEFAULT_INFERENCE_CORE_CHART_PATH}).
   * @default DEFAULT_INFERENCE_CORE_CHART_PATH
   */
  readonly chartPath?: string;
  /**
   * Chart value options (credentials Secret, cache size, resources, queue target). The engine
   * arguments, probes and metrics come from the model's capacity plan and the engine seam.
   */
  readonly values?: ChartValueOptions;
  /**
   * UID the inference-core image runs as (the gate Job and the chart use the same).
   * @default 65532 — the image's non-root user.
   */
  readonly runAsUser?: number;
  /** Objects that must exist first (namespace, storage class, RuntimeClass). */
  readonly dependsOn?: ITerraformDependable[];
}

const DURATION = /^([0-9]+h)?([0-9]+m)?([0-9]+s)?$/;

function durationSeconds(d: string): number {
  const m = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(d);
  return m ? Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0) : 0;
}

/**
 * One model served from the inference-core chart behind its kernel gate:
 * - ConfigMaps with the model's kernel cases and the pool GPU's recorded baseline;
 * - a gate Job named by the image digest's hash, on the model's pool with the same GPUs, that
 *   Terraform waits on until it is Complete, failing the apply when it is Failed;
 * - the helm_release, which depends on the Job: a failing or inconclusive gate fails the apply
 *   before the release changes, and the old pods keep serving.
 */
export class ModelService extends Construct {
  /** Values the release is installed with (also what `collectObjects` renders the chart with). */
  readonly values: InferenceCoreValues;
  /** Name of this image's gate Job. */
  readonly gateJobName: string;
  /** What the gate compares against. */
  readonly gateMode: GateMode;
  readonly casesConfigMap: K8sObject;
  readonly baselineConfigMap: K8sObject;
  /** The gate Job (a kubernetes_job_v1 that waits for `Complete` and fails on `Failed`). */
  readonly gateJob: KubernetesJobV1;
  readonly release: HelmRelease;

  constructor(scope: Construct, id: string, props: ModelServiceProps) {
    super(scope, id);
    const { profile, model, namespace } = props;
    const registry = profile.spec.registry.replace(/\/$/, "");
    const rounds = props.rounds ?? 2;
    const gateTimeout = props.gateTimeout ?? "60m";
    const rolloutTimeout = props.rolloutTimeoutSeconds ?? 3600;
    const pool = profile.spec.gpuPools.find((p) => p.name === model.pool);

    const checks = new PropChecks();
    checks.require(
      profile.spec.serving.models.includes(model),
      ["model"],
      `model ${JSON.stringify(model.name)} is not one of the profile's serving.models`,
      "pass an entry of profile.spec.serving.models",
    );
    checks.label(namespace, ["namespace"], "namespace");
    checks.require(
      isPinnedImage(model.image, registry),
      ["model", "image"],
      `${JSON.stringify(model.image)} is not ${registry}/...@sha256:<64 hex>`,
      "mirror the image into the in-country registry and reference it by digest",
    );
    if (props.servingImage !== undefined) {
      checks.require(
        isPinnedImage(props.servingImage, registry),
        ["servingImage"],
        `${JSON.stringify(props.servingImage)} is not ${registry}/...@sha256:<64 hex>`,
        "pass the digest the last successful deploy rolled out, from the in-country registry",
      );
    }
    checks.require(
      Number.isInteger(rounds) && rounds >= 1 && rounds <= 10,
      ["rounds"],
      `rounds must be an integer from 1 to 10, got ${rounds}`,
      "use 2 (A B B A) unless the pool drifts within a run",
    );
    checks.require(
      DURATION.test(gateTimeout) && durationSeconds(gateTimeout) >= 60,
      ["gateTimeout"],
      `gateTimeout ${JSON.stringify(gateTimeout)} is not a duration of at least 1m`,
      'write it like "60m" or "1h30m"',
    );
    checks.require(
      Number.isInteger(rolloutTimeout) && rolloutTimeout >= 60,
      ["rolloutTimeoutSeconds"],
      `rolloutTimeoutSeconds must be an integer >= 60, got ${rolloutTimeout}`,
      "allow for the weights download and load, e.g. 3600",
    );
    checks.require(
      !!pool,
      ["model", "pool"],
      `pool ${JSON.stringify(model.pool)} is not declared in spec.gpuPools`,
      `use one of: ${profile.spec.gpuPools.map((p) => p.name).join(", ")}`,
    );
    checks.require(
      model.replicas.min <= model.replicas.max,
      ["model", "replicas"],
      `replicas.min (${model.replicas.min}) is greater than replicas.max (${model.replicas.max})`,
      "raise replicas.max or lower replicas.min",
    );
    checks.throwIfAny(this, "ModelService");
    if (!pool) throw new Error("unreachable: pool checked above");

    this.values = inferenceCoreValues(profile, model, props.values);
    const labels = {
      ...MANAGED_BY,
      "sovereign.ai/model": model.name,
      "sovereign.ai/site": pool.site,
      "sovereign.ai/gpu-pool": pool.name,
    };

    // (a) What the gate measures and what it compares with.
    const cases = casesJson(planKernelCases(model.architecture, model.tensorParallel));
    this.casesConfigMap = new K8sObject(
      this,
      "kernel-cases",
      {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: `${model.name.slice(0, 50)}-kernel-cases`, namespace, labels },
        data: { "cases.json": cases },
      },
      { dependsOn: props.dependsOn ?? [] },
    );
    this.baselineConfigMap = new K8sObject(
      this,
      "gate-baseline",
      {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: {
          name: `${model.name.slice(0, 50)}-gate-baseline`,
          namespace,
          labels,
          annotations: { "sovereign.ai/gpu": pool.gpu },
        },
        // No data at all rather than an empty map (the provider plans a diff on `data: {}` forever).
        ...(props.baselines !== undefined ? { data: { "baselines.json": props.baselines } } : {}),
      },
      { dependsOn: props.dependsOn ?? [] },
    );

    // (b) The gate Job. Its Terraform address carries the digest hash too: a new digest is a new
    // resource (old Job destroyed, new one created and waited on); the same digest is the same
    // resource, left alone because later edits to its inputs are ignored.
    const spec = {
      model: model.name,
      namespace,
      site: pool.site,
      pool: pool.name,
      gpu: pool.gpu,
      tensorParallel: model.tensorParallel,
      candidateImage: model.image,
      ...(props.servingImage ? { servingImage: props.servingImage } : {}),
      hasBaseline: props.baselines !== undefined,
      recordBaseline: model.gate.recordBaseline,
      repetitions: model.gate.repetitions,
      rounds,
      casesConfigMap: this.casesConfigMap.object.metadata.name,
      baselineConfigMap: this.baselineConfigMap.object.metadata.name,
      activeDeadlineSeconds: durationSeconds(gateTimeout),
      ...(props.gateRerun ? { rerun: props.gateRerun } : {}),
      runAsUser: props.runAsUser ?? 65532,
    };
    this.gateMode = gateMode(spec);
    this.gateJobName = gateJobName(model.name, model.image, props.gateRerun);
    const job = gateJobManifest(spec);
    job.metadata.labels = { ...MANAGED_BY, ...job.metadata.labels };
    this.gateJob = new KubernetesJobV1(this, `gate-${gateHash(model.image, props.gateRerun)}`, {
      job,
      timeout: gateTimeout,
      dependsOn: [this.casesConfigMap.resource, this.baselineConfigMap.resource],
    });

    // (c) The release, only after the gate Job completed.
    this.release = new HelmRelease(this, "release", {
      name: model.name,
      namespace,
      chart: props.chartPath ?? DEFAULT_INFERENCE_CORE_CHART_PATH,
      values: [stringify(this.values, { sortMapEntries: true })],
      // A rollout that does not become ready is rolled back: the previous pods keep serving.
      atomic: true,
      cleanupOnFail: true,
      wait: true,
      timeout: rolloutTimeout,
      maxHistory: 10,
      dependsOn: [this.gateJob, ...(props.dependsOn ?? [])],
    });
  }
}
