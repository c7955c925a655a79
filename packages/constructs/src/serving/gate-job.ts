import { createHash } from "node:crypto";
import { ExitCode, InputError, pinnedDigest } from "@sovereign/diagnostics";
import type { KubernetesObject } from "../k8s-object.js";
import { PRIORITY_GATE } from "../priority-classes.js";

/** Where the inference-core image keeps the kernel suite and the kit's CLI. */
export const KERNEL_SUITE_BIN = "/opt/sovereign/bin/kernel-suite";
export const SOVEREIGN_BIN = "/opt/sovereign/bin/sovereign";

/** Exit code of `sovereign gate` for INCONCLUSIVE (docs/design.md, CLI contract). */
export const EXIT_INCONCLUSIVE = ExitCode.Inconclusive;

/** What the gate Job compares the candidate against. */
export type GateMode =
  /** A serving image is known: both images measured on the same node, interleaved. */
  | "interleaved-ab"
  /** First rollout: the candidate against the recorded baseline for the pool's GPU model. */
  | "recorded-baseline"
  /** First rollout, no baseline, `gate.recordBaseline: true`: the run becomes the baseline. */
  | "record-baseline"
  /** First rollout, no baseline, recording not asked for: stops as INCONCLUSIVE. */
  | "no-baseline";

/** Everything the gate Job manifest is derived from. */
export interface GateJobSpec {
  model: string;
  namespace: string;
  site: string;
  pool: string;
  /** GPU model of the pool, e.g. H100-SXM5-80GB (keys the recorded baselines). */
  gpu: string;
  tensorParallel: number;
  candidateImage: string;
  servingImage?: string;
  /** True when a baselines file for `gpu` is mounted at /gate/baseline/baselines.json. */
  hasBaseline: boolean;
  recordBaseline: boolean;
  /** Repetitions per side in total, split over the rounds. */
  repetitions: number;
  rounds: number;
  casesConfigMap: string;
  baselineConfigMap: string;
  activeDeadlineSeconds: number;
  /** Changes the Job name without a new image (e.g. after a driver upgrade on the pool). */
  rerun?: string;
  runAsUser: number;
}

/** The sha256 hex of an image pinned by digest (`…@sha256:<hex>`). */
export function imageDigest(image: string): string {
  const hex = pinnedDigest(image);
  if (hex === undefined) {
    throw new InputError([
      {
        code: "image.not_pinned",
        path: ["candidateImage"],
        message: `image ${JSON.stringify(image)} is not pinned by sha256 digest`,
        hint: "reference the candidate as <registry>/<name>@sha256:<64 hex>",
      },
    ]);
  }
  return hex;
}

/**
 * Short hash naming the gate run: the candidate's digest (plus an explicit rerun token). A new
 * digest gives a new Job, hence a new run; the same digest gives the same Job, which Terraform
 * already has, so the gate does not run again.
 */
export function gateHash(image: string, rerun?: string): string {
  const h = createHash("sha256").update(imageDigest(image));
  if (rerun) h.update(`\0${rerun}`);
  return h.digest("hex").slice(0, 10);
}

/** `<model>-gate-<hash>`, at most 63 characters (the Job name becomes a pod label value). */
export function gateJobName(model: string, image: string, rerun?: string): string {
  const suffix = `-gate-${gateHash(image, rerun)}`;
  return `${model.slice(0, 63 - suffix.length).replace(/-+$/, "")}${suffix}`;
}

/** Which comparison the Job makes, from what is known at synth time. */
export function gateMode(s: Pick<GateJobSpec, "servingImage" | "hasBaseline" | "recordBaseline">): GateMode {
  if (s.servingImage) return "interleaved-ab";
  if (s.hasBaseline) return "recorded-baseline";
  return s.recordBaseline ? "record-baseline" : "no-baseline";
}

/** Repetitions of one round so that the rounds add up to at least `repetitions` per side. */
export function repetitionsPerRound(repetitions: number, rounds: number): number {
  return Math.ceil(repetitions / rounds);
}

interface SuiteRun {
  side: "serving" | "candidate";
  round: number;
  image: string;
}

/**
 * Order of the suite runs. With a serving image the sides alternate A B B A A B …: each side
 * leads every other round, so a slow drift of clocks or temperature over the Job's lifetime
 * falls on both sides equally instead of on whichever side runs second.
 */
export function suiteRuns(s: GateJobSpec): SuiteRun[] {
  const runs: SuiteRun[] = [];
  for (let round = 1; round <= s.rounds; round++) {
    const candidate: SuiteRun = { side: "candidate", round, image: s.candidateImage };
    if (!s.servingImage) {
      runs.push(candidate);
      continue;
    }
    const serving: SuiteRun = { side: "serving", round, image: s.servingImage };
    runs.push(...(round % 2 === 1 ? [serving, candidate] : [candidate, serving]));
  }
  return runs;
}

const resultFile = (r: Pick<SuiteRun, "side" | "round">) => `/results/${r.side}-${r.round}.json`;

/** The gate container's command for the mode. */
export function gateCommand(s: GateJobSpec): string[] {
  const runs = suiteRuns(s);
  const candidates = runs
    .filter((r) => r.side === "candidate")
    .flatMap((r) => ["--candidate", resultFile(r)]);
  const mode = gateMode(s);
  switch (mode) {
    case "interleaved-ab": {
      const baselines = runs
        .filter((r) => r.side === "serving")
        .flatMap((r) => ["--baseline", resultFile(r)]);
      return [SOVEREIGN_BIN, "gate", ...baselines, ...candidates, "--format", "json"];
    }
    case "recorded-baseline":
      return [
        SOVEREIGN_BIN,
        "gate",
        ...candidates,
        "--gpu",
        s.gpu,
        "--baselines",
        "/gate/baseline/baselines.json",
        "--format",
        "json",
      ];
    case "record-baseline":
      // The run itself is the baseline: printed between markers for `kubectl logs`, from which
      // the operator adds it to the versioned baselines file (docs/serving.md).
      return [
        "/bin/sh",
        "-c",
        [
          "set -eu",
          `echo "sovereign-gate: no recorded baseline for GPU ${s.gpu}; recording this run (gate.recordBaseline: true)"`,
          ...runs.map(
            (r) => `echo "--- begin ${resultFile(r)}"; cat ${resultFile(r)}; echo "--- end ${resultFile(r)}"`,
          ),
        ].join("\n"),
      ];
    case "no-baseline":
      return [
        "/bin/sh",
        "-c",
        [
          `echo "sovereign-gate: INCONCLUSIVE: no serving image to compare with and no recorded baseline for GPU ${s.gpu}." >&2`,
          `echo "Record one on this pool (set gate.recordBaseline: true for model ${s.model}) or add it to the baselines file." >&2`,
          `exit ${EXIT_INCONCLUSIVE}`,
        ].join("\n"),
      ];
  }
}

const RESTRICTED = {
  runAsNonRoot: true,
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  capabilities: { drop: ["ALL"] },
  seccompProfile: { type: "RuntimeDefault" },
};

/**
 * The kernel-gate Job: one pod on the model's GPU pool. Init containers run the kernel suite of
 * the serving and candidate images in alternating rounds on the same node and GPUs (init
 * containers run one after another, each holding the pod's GPUs); the gate container then
 * decides. It exits non-zero on FAIL or INCONCLUSIVE, the Job never completes, and the release
 * that waits for completion does not roll out.
 */
export function gateJobManifest(s: GateJobSpec): KubernetesObject {
  const name = gateJobName(s.model, s.candidateImage, s.rerun);
  const labels = {
    "app.kubernetes.io/name": "kernel-gate",
    "app.kubernetes.io/part-of": "inference-core",
    "sovereign.ai/model": s.model,
    "sovereign.ai/site": s.site,
    "sovereign.ai/gpu-pool": s.pool,
    "sovereign.ai/role": "kernel-gate",
    // Benchmarks read no personal or model data: declared, so the residency map stays complete.
    "sovereign.ai/data-class": "none",
  };
  const gpus = { "nvidia.com/gpu": s.tensorParallel };
  const reps = repetitionsPerRound(s.repetitions, s.rounds);
  const suite = suiteRuns(s).map((r) => ({
    name: `${r.side}-${r.round}`,
    image: r.image,
    imagePullPolicy: "IfNotPresent",
    command: [
      KERNEL_SUITE_BIN,
      "--cases",
      "/gate/cases/cases.json",
      "--repetitions",
      String(reps),
      "--out",
      resultFile(r),
    ],
    resources: { requests: { cpu: "4", memory: "16Gi", ...gpus }, limits: { memory: "16Gi", ...gpus } },
    securityContext: RESTRICTED,
    volumeMounts: [
      { name: "results", mountPath: "/results" },
      { name: "cases", mountPath: "/gate/cases", readOnly: true },
      { name: "tmp", mountPath: "/tmp" },
      { name: "dshm", mountPath: "/dev/shm" },
    ],
  }));
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: {
      name,
      namespace: s.namespace,
      labels,
      annotations: {
        "sovereign.ai/candidate-image": s.candidateImage,
        ...(s.servingImage ? { "sovereign.ai/serving-image": s.servingImage } : {}),
        "sovereign.ai/gate-mode": gateMode(s),
        "sovereign.ai/gpu": s.gpu,
      },
    },
    spec: {
      // One attempt: a retry would measure again until it happened to pass.
      backoffLimit: 0,
      activeDeadlineSeconds: s.activeDeadlineSeconds,
      // No ttlSecondsAfterFinished: a deleted Job would be recreated (and rerun) by the next apply.
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: "Never",
          runtimeClassName: "nvidia",
          // Above batch work, below serving: the gate may wait for GPUs but never evicts a model.
          priorityClassName: PRIORITY_GATE,
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          securityContext: {
            runAsNonRoot: true,
            runAsUser: s.runAsUser,
            runAsGroup: s.runAsUser,
            seccompProfile: { type: "RuntimeDefault" },
          },
          affinity: {
            nodeAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: {
                nodeSelectorTerms: [
                  { matchExpressions: [{ key: "sovereign.ai/gpu-pool", operator: "In", values: [s.pool] }] },
                ],
              },
            },
          },
          tolerations: [
            { key: "sovereign.ai/gpu-pool", operator: "Equal", value: s.pool, effect: "NoSchedule" },
          ],
          // The candidate's kernels are first checked against reference results on this node's
          // GPUs: a fast but wrong kernel must fail the rollout before any timing is trusted.
          initContainers: [
            {
              ...suite[0]!,
              name: "self-test",
              image: s.candidateImage,
              command: [KERNEL_SUITE_BIN, "--self-test"],
              volumeMounts: suite[0]!.volumeMounts.filter((m) => m.name === "tmp" || m.name === "dshm"),
            },
            ...suite,
          ],
          containers: [
            {
              name: "gate",
              image: s.candidateImage,
              imagePullPolicy: "IfNotPresent",
              command: gateCommand(s),
              resources: { requests: { cpu: "500m", memory: "512Mi" }, limits: { memory: "1Gi" } },
              securityContext: RESTRICTED,
              volumeMounts: [
                { name: "results", mountPath: "/results", readOnly: true },
                { name: "baseline", mountPath: "/gate/baseline", readOnly: true },
                { name: "tmp", mountPath: "/tmp" },
              ],
            },
          ],
          volumes: [
            { name: "results", emptyDir: { sizeLimit: "1Gi" } },
            { name: "tmp", emptyDir: { sizeLimit: "1Gi" } },
            { name: "dshm", emptyDir: { medium: "Memory", sizeLimit: "8Gi" } },
            { name: "cases", configMap: { name: s.casesConfigMap } },
            { name: "baseline", configMap: { name: s.baselineConfigMap } },
          ],
        },
      },
    },
  };
}
