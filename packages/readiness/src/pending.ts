import type { ReadinessFinding, RuleId } from "./types.js";

/**
 * Readiness failures of the kit's own stacks whose fixes are under way (issue 10, items 3 to 7). `sovereign synth` reports them as pending instead of refusing the output; every other
 * failure refuses it. `sovereign preflight` reports all of them as failures. Each entry is removed
 * with its fix; a test pins the exact list each shipped country still hits.
 */
export interface PendingFix {
  ruleId: RuleId;
  /** Kind of the object blamed. */
  kind: string;
  /** Namespace of the object blamed; undefined matches any. */
  namespace?: string;
  /** The issue item that fixes it. */
  item: string;
}

export const PENDING_FIXES: readonly PendingFix[] = [
  {
    ruleId: "schedule.taints",
    kind: "HelmRelease",
    namespace: "gpu-operator",
    item: "issue 10 item 3: the GPU Operator's operands do not tolerate the GPU pools' taint",
  },
  {
    ruleId: "network.api-server",
    kind: "HelmRelease",
    namespace: "gpu-operator",
    item: "issue 10 item 4: the profile declares no API server address for the operator's egress",
  },
  {
    ruleId: "admission.request-limit",
    kind: "LimitRange",
    namespace: "sovereign-serving",
    item: "issue 10 item 5: the LimitRange default CPU limit (2) is below the serving and gate containers' CPU request (4)",
  },
  {
    ruleId: "volume.provisioner",
    kind: "StorageClass",
    item: "issue 10 item 6: the ceph-csi classes carry no clusterID, pool or credentials Secret parameters",
  },
  {
    ruleId: "volume.topology",
    kind: "Deployment",
    namespace: "sovereign-serving",
    item: "issue 10 item 7: a model at a second site claims its weights cache from a class bound to the first site's zones",
  },
];

/** The pending fix a finding is covered by, if any. */
export function pendingFixOf(f: ReadinessFinding): PendingFix | undefined {
  return PENDING_FIXES.find(
    (p) =>
      p.ruleId === f.ruleId &&
      (p.kind === "*" || p.kind === f.object.kind) &&
      (p.namespace === undefined || p.namespace === f.object.namespace),
  );
}
