import { type Construct, type ITerraformDependable, TerraformResource } from "../cdktf.js";
import type { KubernetesObject } from "../k8s-object.js";

/**
 * Pod-spec lists the `kubernetes_job_v1` schema spells as repeated singular blocks (provider
 * 2.38.0, upstream record `upstream/terraform-provider-kubernetes-v2.38.0.json`).
 */
const BLOCKS: Record<string, string> = {
  containers: "container",
  initContainers: "init_container",
  volumes: "volume",
  volumeMounts: "volume_mount",
  tolerations: "toleration",
  nodeSelectorTerms: "node_selector_term",
  ports: "port",
};
const FROM_BLOCK = Object.fromEntries(Object.entries(BLOCKS).map(([k, v]) => [v, k]));

/** String maps whose keys are data (label keys, resource names), copied verbatim. */
const MAPS = new Set(["labels", "annotations", "requests", "limits", "nodeSelector", "matchLabels"]);

/** Integers the provider's schema types as strings (pod and container security context). */
const STRING_INTS = new Set(["runAsUser", "runAsGroup", "fsGroup"]);

const snake = (k: string) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const camel = (k: string) => k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

function toBlocks(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(toBlocks);
  if (!isObject(v)) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    if (MAPS.has(k)) out[snake(k)] = x;
    else if (STRING_INTS.has(k)) out[snake(k)] = String(x);
    else out[BLOCKS[k] ?? snake(k)] = toBlocks(x);
  }
  return out;
}

function fromBlocks(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(fromBlocks);
  if (!isObject(v)) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    const name = FROM_BLOCK[k] ?? camel(k);
    out[name] = MAPS.has(name) ? x : STRING_INTS.has(name) ? Number(x) : fromBlocks(x);
  }
  return out;
}

/** The `metadata` and `spec` blocks of a `kubernetes_job_v1` for a batch/v1 Job manifest. */
export function jobV1Body(job: KubernetesObject): { metadata: unknown; spec: unknown } {
  return { metadata: toBlocks(job.metadata), spec: toBlocks(job.spec) };
}

/** The Job manifest a `kubernetes_job_v1` body describes (what the residency policies read). */
export function jobFromV1Body(body: { metadata: unknown; spec: unknown }): KubernetesObject {
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: fromBlocks(body.metadata) as KubernetesObject["metadata"],
    spec: fromBlocks(body.spec),
  };
}

/** Props of {@link KubernetesJobV1}. */
export interface KubernetesJobV1Props {
  /** The Job as the API server takes it. */
  readonly job: KubernetesObject;
  /** Longest apply waits for the Job (Terraform duration). */
  readonly timeout: string;
  readonly dependsOn?: ITerraformDependable[];
}

/**
 * A Job as `kubernetes_job_v1` with `wait_for_completion`: the provider polls the Job (back-off
 * capped at 10 s) and fails the apply as soon as it carries the `Failed` condition, instead of
 * waiting out the timeout for a `Complete` that never comes. Later edits are ignored: the Job is
 * named by what it tests, so a change is a new Job.
 */
export class KubernetesJobV1 extends TerraformResource {
  private readonly body: Record<string, unknown>;

  constructor(scope: Construct, id: string, props: KubernetesJobV1Props) {
    super(scope, id, {
      terraformResourceType: "kubernetes_job_v1",
      terraformGeneratorMetadata: { providerName: "kubernetes" },
      dependsOn: props.dependsOn,
      lifecycle: { ignoreChanges: "all" },
    });
    this.body = {
      ...jobV1Body(props.job),
      wait_for_completion: true,
      timeouts: { create: props.timeout, update: props.timeout },
    };
  }

  protected override synthesizeAttributes(): Record<string, unknown> {
    return this.body;
  }

  protected override synthesizeHclAttributes(): Record<string, unknown> {
    return this.body;
  }
}
