import { parse as parseYaml } from "yaml";
import { GPU_OPERATOR_CHART_DEFAULTS, HARD_TAINT_EFFECTS } from "../facts.js";
import { tolerates } from "../selectors.js";
import type { ClusterModel, Json } from "../types.js";

/** A GPU Operator release that is not rendered offline, with its values. */
export interface OperatorRelease {
  chart: string;
  values?: string[];
}

/** The release's values, later documents overriding earlier ones key by key (as helm merges them). */
function mergedValues(docs: string[]): Json {
  const merge = (a: Json, b: Json): Json => {
    const out: Json = { ...a };
    for (const [k, v] of Object.entries(b ?? {}))
      out[k] = v && typeof v === "object" && !Array.isArray(v) && a[k] && typeof a[k] === "object" ? merge(a[k], v) : v;
    return out;
  };
  return docs.reduce<Json>((acc, d) => merge(acc, (parseYaml(d) as Json | null) ?? {}), {});
}

/** True when the release is the GPU Operator chart. */
export function isGpuOperator(chart: string): boolean {
  return /(^|\/)gpu-operator(@|$)/.test(chart);
}

/**
 * The GPU Operator's operands run as DaemonSets on every GPU node: the driver, container toolkit and
 * device plugin make the node's `nvidia.com/gpu` capacity, the NFD worker its labels. A pool taint
 * their tolerations (the kit's values, else the chart's defaults) do not cover leaves the pool's
 * nodes without GPUs. Returns one reason per pool and operand group.
 */
export function operandTaintGaps(release: OperatorRelease, model: ClusterModel): string[] {
  const values = mergedValues(release.values ?? []);
  const groups: { name: string; tolerations: Json[] }[] = [
    {
      name: "operand DaemonSets (driver, container toolkit, device plugin, validator)",
      tolerations: values.daemonsets?.tolerations ?? [...GPU_OPERATOR_CHART_DEFAULTS.daemonsetsTolerations],
    },
    {
      name: "node-feature-discovery worker",
      tolerations: values["node-feature-discovery"]?.worker?.tolerations ?? [...GPU_OPERATOR_CHART_DEFAULTS.nfdWorkerTolerations],
    },
  ];
  const out: string[] = [];
  const seen = new Set<string>();
  for (const node of model.nodes.filter((n) => n.allocatable.gpus > 0)) {
    for (const g of groups) {
      const t = node.taints.find(
        (x) => (HARD_TAINT_EFFECTS as readonly string[]).includes(x.effect) && !tolerates(g.tolerations, x),
      );
      const pool = node.name.split("/")[1];
      const key = `${pool}\u0000${g.name}`;
      if (!t || seen.has(key)) continue;
      seen.add(key);
      out.push(`the ${g.name} do not tolerate taint ${t.key}=${t.value ?? ""}:${t.effect} of pool ${pool}, so its nodes get no nvidia.com/gpu capacity`);
    }
  }
  return out;
}
