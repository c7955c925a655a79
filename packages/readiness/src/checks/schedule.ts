import { HARD_TAINT_EFFECTS } from "../facts.js";
import { type Amounts, show } from "../resources.js";
import { nodeSelectionMismatch, tolerates } from "../selectors.js";
import type { Json, NodeGroup, RuleId } from "../types.js";
import type { Claim } from "./volumes.js";

const GPU = "nvidia.com/gpu";

/** Stages a node is tried in, in the scheduler's spirit: filters first, then fit, then volumes. */
const STAGES: { rule: RuleId; fix: string }[] = [
  {
    rule: "schedule.node-selector",
    fix: "select labels the profile's pools or sites give their nodes (sovereign.ai/gpu-pool, sovereign.ai/site, topology.kubernetes.io/zone)",
  },
  {
    rule: "schedule.taints",
    fix: "add a toleration for each NoSchedule/NoExecute taint of the target pool (key sovereign.ai/gpu-pool, operator Equal, value <pool>)",
  },
  {
    rule: "schedule.resources",
    fix: "lower the requests, or use a pool whose nodes have enough GPUs, CPU and memory (gpusPerNode, node size)",
  },
  {
    rule: "volume.topology",
    fix: "claim from a storage class whose allowedTopologies include the zones of the pool the pod runs on (a class at the pod's site)",
  },
];

function taintMismatch(node: NodeGroup, spec: Json): string | undefined {
  const tolerations = (spec.tolerations ?? []) as Json[];
  const t = node.taints.find(
    (x) => (HARD_TAINT_EFFECTS as readonly string[]).includes(x.effect) && !tolerates(tolerations, x),
  );
  return t ? `taint ${t.key}=${t.value ?? ""}:${t.effect} not tolerated` : undefined;
}

function resourceMismatch(node: NodeGroup, req: Amounts): string | undefined {
  const a = node.allocatable;
  const have: Record<string, number> = { ...a.extended, cpu: a.cpuMillis, memory: a.memoryBytes, [GPU]: a.gpus };
  for (const [k, v] of Object.entries(req)) {
    if (v <= 0 || k === "ephemeral-storage") continue;
    const cap = have[k] ?? 0;
    if (v > cap) return `needs ${show(k, v)} ${k}, a node has ${show(k, cap)}`;
  }
  return undefined;
}

/** True when the class's allowedTopologies admit the node (no terms: every node). */
export function topologyAllows(node: NodeGroup, allowedTopologies: Json[] | undefined): boolean {
  if (!allowedTopologies || allowedTopologies.length === 0) return true;
  return allowedTopologies.some((term) =>
    ((term.matchLabelExpressions ?? []) as Json[]).every((e) =>
      ((e.values ?? []) as string[]).includes(node.labels[e.key] ?? "\u0000"),
    ),
  );
}

function volumeMismatch(node: NodeGroup, claims: Claim[]): string | undefined {
  const c = claims.find((x) => x.class && !topologyAllows(node, x.class.allowedTopologies));
  return c ? `claim ${c.label} of class ${c.className} cannot be provisioned in zone ${node.zone}` : undefined;
}

/** The first stage a node fails for the pod, or -1 when the pod fits. */
export function fitNode(
  node: NodeGroup,
  spec: Json,
  req: Amounts,
  claims: Claim[],
): { stage: number; why?: string } {
  const checks = [
    () => nodeSelectionMismatch(node.labels, spec),
    () => taintMismatch(node, spec),
    () => resourceMismatch(node, req),
    () => volumeMismatch(node, claims),
  ];
  for (const [i, check] of checks.entries()) {
    const why = check();
    if (why) return { stage: i, why };
  }
  return { stage: -1 };
}

/**
 * Whether some declared node takes the pod. When none does, the rule is that of the stage the
 * closest nodes failed at (a node that matched the selectors and taints but lacks GPUs makes it a
 * resources failure), with each such node's reason.
 */
export function scheduleVerdict(
  nodes: NodeGroup[],
  spec: Json,
  req: Amounts,
  claims: Claim[],
): { fits: NodeGroup[]; failure?: { rule: RuleId; message: string; fix: string } } {
  const results = nodes.map((n) => ({ n, ...fitNode(n, spec, req, claims) }));
  const fits = results.filter((r) => r.stage === -1).map((r) => r.n);
  if (fits.length > 0) return { fits };
  const furthest = Math.max(...results.map((r) => r.stage), 0);
  const closest = results.filter((r) => r.stage === furthest);
  const reasons = closest
    .slice(0, 4)
    .map((r) => `${r.n.name}: ${r.why}`)
    .join("; ");
  const more = closest.length > 4 ? ` (and ${closest.length - 4} more)` : "";
  const stage = STAGES[furthest]!;
  return {
    fits,
    failure: {
      rule: stage.rule,
      message: `no declared node takes this pod (${nodes.length} node groups tried): ${reasons}${more}`,
      fix: stage.fix,
    },
  };
}
