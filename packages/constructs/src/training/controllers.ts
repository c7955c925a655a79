import { stringify } from "yaml";
import { Construct, type ITerraformDependable } from "../cdktf.js";
import { K8sObject } from "../k8s-object.js";
import { type ApiServerEndpoint, type ClusterDns, NetworkLockdown } from "../network.js";
import { HelmRelease } from "../providers.js";
import { COUNTRY_LABEL, DATA_CLASS_LABEL, SITE_LABEL } from "../tenant-namespace.js";
import { isPinnedImage, PropChecks } from "../validate.js";
import { fact, imageValues, JOBSET, KUEUE, type UpstreamRecord } from "./upstream.js";

/** Namespaces the two controllers run in (their charts' documented defaults). */
export const KUEUE_NAMESPACE = "kueue-system";
export const JOBSET_NAMESPACE = "jobset-system";

/** A controller mirrored in-country: its chart's digest and its image by digest. */
export interface MirroredController {
  /** `sha256:<hex>` of the chart as pushed to `<registry>/charts`. */
  readonly chartDigest: string;
  /** `<registry>/...@sha256:<hex>`. */
  readonly image: string;
}

/** Props of {@link BatchControllers}. */
export interface BatchControllersProps {
  /** In-country registry prefix; charts come from `oci://<registry>/charts`. */
  readonly registry: string;
  readonly kueue: MirroredController;
  readonly jobset: MirroredController;
  /** Country code and site, stamped on the controllers' namespaces. */
  readonly country: string;
  readonly site: string;
  /** In-country networks: the only egress, and (with the API server's addresses) the only source of webhook calls. */
  readonly egressCidrs: string[];
  /**
   * Cluster DNS the controllers resolve through.
   * @default the NetworkLockdown default (kube-system pods labelled `k8s-app: kube-dns`).
   */
  readonly dns?: ClusterDns;
  /**
   * The Kubernetes API server: both controllers watch it (egress), and it calls their admission
   * webhooks (ingress).
   * @default undefined — the API server sits inside `egressCidrs`.
   */
  readonly apiServer?: ApiServerEndpoint;
  /**
   * How long an admitted training workload may take for all its pods to be ready before Kueue
   * evicts and requeues it (all-or-nothing start of a distributed run).
   * @default "30m" — a multi-gigabyte training image pulled on every node of the pool.
   */
  readonly podsReadyTimeout?: string;
  /** Objects that must exist first. */
  readonly dependsOn?: ITerraformDependable[];
}

/**
 * The Kueue manager configuration. It replaces the chart's default, so it repeats the defaults the
 * chart's probes and service depend on (recorded as `managerConfigDefaults`) and adds:
 * - integrations: batch Jobs and JobSets only (nothing else is queued by accident);
 * - waitForPodsReady with blockAdmission: a distributed run starts all-or-nothing, and a run whose
 *   pods cannot all start is evicted and requeued instead of holding GPUs half-started;
 * - fairSharing: preemption between ClusterQueues of a cohort follows their fair share.
 */
export function kueueManagerConfig(podsReadyTimeout = "30m"): Record<string, unknown> {
  const defaults = Object.fromEntries(
    String(fact(KUEUE, "managerConfigDefaults"))
      .split(",")
      .map((kv) => kv.split("=") as [string, string]),
  );
  return {
    apiVersion: fact(KUEUE, "configApiVersion"),
    kind: "Configuration",
    health: { healthProbeBindAddress: defaults["health.healthProbeBindAddress"] },
    metrics: { bindAddress: defaults["metrics.bindAddress"] },
    webhook: { port: Number(defaults["webhook.port"]) },
    leaderElection: {
      leaderElect: defaults["leaderElection.leaderElect"] === "true",
      resourceName: defaults["leaderElection.resourceName"],
    },
    integrations: { frameworks: ["batch/job", fact(KUEUE, "jobsetFramework")] },
    waitForPodsReady: { timeout: podsReadyTimeout, blockAdmission: true, recoveryTimeout: "10m" },
    fairSharing: { preemptionStrategies: String(fact(KUEUE, "fairSharingPreemptionStrategies")).split(",") },
  };
}

/** Values the kit sets on the Kueue chart (a test checks every key against the chart's record). */
export function kueueChartValues(image: string, podsReadyTimeout?: string): Record<string, unknown> {
  return {
    controllerManager: {
      manager: {
        image: { ...imageValues(image, KUEUE.chart.appVersion ?? KUEUE.tag), pullPolicy: "IfNotPresent" },
      },
    },
    managerConfig: { controllerManagerConfigYaml: stringify(kueueManagerConfig(podsReadyTimeout)) },
  };
}

/** Values the kit sets on the JobSet chart (a test checks every key against the chart's record). */
export function jobsetChartValues(image: string): Record<string, unknown> {
  return { image: { ...imageValues(image, JOBSET.tag), pullPolicy: "IfNotPresent" } };
}

/**
 * Kueue and JobSet, each a helm_release from the in-country chart mirror with its image by digest,
 * in a restricted namespace of its own whose egress stays in-country and whose only ingress is the
 * API server calling the webhook. Their charts install the CRDs (kueue.x-k8s.io, jobset.x-k8s.io),
 * so this construct belongs in a stack that every stack planning those kinds depends on.
 *
 * The Terraform helm provider the kit pins takes a chart version, not a digest: the release pins
 * the version the kit's record was read from, and the chart digest from the profile is stamped on
 * the namespace for the mirror check (docs/training.md).
 */
export class BatchControllers extends Construct {
  readonly kueue: HelmRelease;
  readonly jobset: HelmRelease;

  constructor(scope: Construct, id: string, props: BatchControllersProps) {
    super(scope, id);
    const checks = new PropChecks();
    for (const k of ["kueue", "jobset"] as const) {
      checks.require(
        isPinnedImage(props[k].image, props.registry),
        [k, "image"],
        `${JSON.stringify(props[k].image)} is not ${props.registry}/...@sha256:<digest>`,
        "mirror the controller image in-country and reference it by digest",
      );
      checks.require(
        /^sha256:[0-9a-f]{64}$/.test(props[k].chartDigest),
        [k, "chartDigest"],
        `${JSON.stringify(props[k].chartDigest)} is not sha256:<64 hex>`,
        "give the digest `helm push` printed for the mirrored chart",
      );
    }
    checks.egressCidrs(props.egressCidrs);
    checks.throwIfAny(this, "BatchControllers");
    this.kueue = this.controller(
      "kueue",
      KUEUE,
      KUEUE_NAMESPACE,
      props,
      [fact(KUEUE, "webhookPort"), fact(KUEUE, "visibilityPort")],
      kueueChartValues(props.kueue.image, props.podsReadyTimeout),
    );
    this.jobset = this.controller(
      "jobset",
      JOBSET,
      JOBSET_NAMESPACE,
      props,
      [fact(JOBSET, "webhookPort")],
      jobsetChartValues(props.jobset.image),
    );
  }

  private controller(
    name: "kueue" | "jobset",
    record: UpstreamRecord,
    namespace: string,
    props: BatchControllersProps,
    webhookPorts: (string | number)[],
    values: Record<string, unknown>,
  ): HelmRelease {
    const ns = new K8sObject(this, `${name}-namespace`, {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: {
        name: namespace,
        labels: {
          [COUNTRY_LABEL]: props.country,
          [SITE_LABEL]: props.site,
          [DATA_CLASS_LABEL]: "none",
          // Both controllers run non-root, read-only, without capabilities: restricted fits.
          "pod-security.kubernetes.io/enforce": "restricted",
          "pod-security.kubernetes.io/warn": "restricted",
        },
        annotations: {
          "sovereign.ai/chart": `${record.chart.name}@${record.chart.version}`,
          "sovereign.ai/chart-digest": props[name].chartDigest,
        },
      },
    }, props.dependsOn ? { dependsOn: props.dependsOn } : {});
    const lockdown = new NetworkLockdown(this, `${name}-network`, {
      namespace,
      egressCidrs: props.egressCidrs,
      ...(props.dns ? { dns: props.dns } : {}),
      ...(props.apiServer ? { apiServer: props.apiServer } : {}),
      dependsOn: [ns.resource],
    });
    const callers = [...new Set([...props.egressCidrs, ...(props.apiServer?.cidrs ?? [])])];
    // The API server calls the admission webhooks (and Kueue's visibility API); it sits inside the
    // country's networks, so ingress to those ports is allowed from there and nowhere else.
    const webhook = new K8sObject(this, `${name}-webhook-ingress`, {
      apiVersion: "networking.k8s.io/v1",
      kind: "NetworkPolicy",
      metadata: { name: "allow-apiserver-webhook", namespace },
      spec: {
        podSelector: {},
        policyTypes: ["Ingress"],
        ingress: [
          {
            from: callers.map((cidr) => ({ ipBlock: { cidr } })),
            ports: webhookPorts.map((port) => ({ protocol: "TCP", port: Number(port) })),
          },
        ],
      },
    }, { dependsOn: [ns.resource] });
    return new HelmRelease(this, `${name}-release`, {
      name,
      namespace,
      createNamespace: false,
      repository: `oci://${props.registry}/charts`,
      chart: record.chart.name,
      version: record.chart.version,
      values: [JSON.stringify(values, null, 2)],
      wait: true,
      timeout: 900,
      dependsOn: [ns.resource, webhook.resource, ...lockdown.objects.map((o) => o.resource)],
    });
  }
}
