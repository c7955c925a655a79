import type { SynthObject } from "@sovereign/policy";
import { containersOf } from "../objects.js";
import {
  type Amounts,
  amount,
  type ContainerLimits,
  containerLimits,
  type EffectiveResources,
  effectiveResources,
  podRequests,
  show,
} from "../resources.js";
import type { Json, PodUnderTest, RuleId } from "../types.js";

/** One admission refusal (the finding's object is the workload unless `on` names another). */
export interface Refusal {
  rule: RuleId;
  message: string;
  fix: string;
  /** The object to blame instead of the workload (e.g. the LimitRange whose default caused it). */
  on?: SynthObject;
}

/** A pod's containers after defaulting, and what it requests in total. */
export interface PodResources {
  containers: { init: boolean; name: string; r: EffectiveResources }[];
  requests: Amounts;
}

/** Requests and limits of every container as stored, and the pod's total request. */
export function podResources(p: PodUnderTest, limitRanges: SynthObject[]): PodResources {
  const items = containerLimits(limitRanges);
  const containers = containersOf(p.spec).map(({ init, c }) => ({
    init,
    name: String(c.name),
    r: effectiveResources(c, items),
  }));
  return { containers, requests: podRequests(containers) };
}

function limitRangeBounds(name: string, r: EffectiveResources, l: ContainerLimits): string[] {
  const out: string[] = [];
  for (const [k, min] of Object.entries(l.min)) {
    if (!(k in r.requests)) out.push(`container ${name}: minimum ${k} is ${show(k, min)} and no request is set`);
    else if (r.requests[k]! < min || (k in r.limits && r.limits[k]! < min))
      out.push(`container ${name}: ${k} below the minimum ${show(k, min)}`);
  }
  for (const [k, max] of Object.entries(l.max)) {
    if (!(k in r.limits)) out.push(`container ${name}: maximum ${k} is ${show(k, max)} and no limit is set`);
    else if (r.limits[k]! > max || (r.requests[k] ?? 0) > max)
      out.push(`container ${name}: ${k} above the maximum ${show(k, max)}`);
  }
  for (const [k, ratio] of Object.entries(l.maxLimitRequestRatio)) {
    const req = r.requests[k] ?? 0;
    const lim = r.limits[k] ?? 0;
    if (req === 0 || lim === 0 || (lim / req) * 1000 > ratio)
      out.push(`container ${name}: ${k} limit/request ratio exceeds ${ratio / 1000}`);
  }
  return out;
}

/**
 * LimitRanger then validation: every container's request <= limit after defaulting, and the
 * LimitRange's min/max/maxLimitRequestRatio hold.
 */
export function limitRangeRefusals(res: PodResources, limitRanges: SynthObject[]): Refusal[] {
  const out: Refusal[] = [];
  const items = containerLimits(limitRanges);
  for (const { name, r } of res.containers) {
    for (const [k, req] of Object.entries(r.requests)) {
      const lim = r.limits[k];
      if (lim === undefined || req <= lim) continue;
      const fromDefault = r.defaulted.find((d) => d.startsWith(`${k} limit `));
      out.push({
        rule: "admission.request-limit",
        message: `container ${name}: ${k} request ${show(k, req)} exceeds its limit ${show(k, lim)}${fromDefault ? ` (${fromDefault})` : ""}; the API server rejects the pod`,
        fix: fromDefault
          ? `set an explicit ${k} limit on the container, or raise the LimitRange default ${k} to at least ${show(k, req)}`
          : `raise the ${k} limit to at least the request`,
        ...(fromDefault ? { on: items.find((i) => fromDefault.endsWith(i.source.object.metadata.name ?? ""))?.source } : {}),
      });
    }
    for (const l of items)
      for (const m of limitRangeBounds(name, r, l))
        out.push({
          rule: "admission.limit-range",
          message: `${m} (LimitRange ${l.source.object.metadata.name})`,
          fix: "change the container's resources or the LimitRange's min/max",
          on: l.source,
        });
  }
  return out;
}

/** Quota resource names a pod's requests count against (requests.X and bare X are the same). */
function quotaKey(hardKey: string): { resource: string; kind: "requests" | "limits" } | undefined {
  if (hardKey.startsWith("requests.")) return { resource: hardKey.slice(9), kind: "requests" };
  if (hardKey.startsWith("limits.")) return { resource: hardKey.slice(7), kind: "limits" };
  if (hardKey === "cpu" || hardKey === "memory") return { resource: hardKey, kind: "requests" };
  return undefined;
}

function podLimits(res: PodResources): Amounts {
  const sum: Amounts = {};
  for (const { init, r } of res.containers)
    if (!init) for (const [k, v] of Object.entries(r.limits)) sum[k] = (sum[k] ?? 0) + v;
  for (const { init, r } of res.containers)
    if (init) for (const [k, v] of Object.entries(r.limits)) sum[k] = Math.max(sum[k] ?? 0, v);
  return sum;
}

/**
 * ResourceQuota admission for one pod: a quota on a compute resource requires every container to
 * state it (after LimitRange defaulting), and the pod's usage must fit the hard limit.
 */
export function quotaRefusals(res: PodResources, quotas: SynthObject[]): Refusal[] {
  const out: Refusal[] = [];
  const limits = podLimits(res);
  for (const q of quotas) {
    const hard = ((q.object as Json).spec?.hard ?? {}) as Record<string, unknown>;
    for (const [key, raw] of Object.entries(hard)) {
      const k = quotaKey(key);
      if (!k) continue;
      const cap = amount(k.resource, raw);
      if (cap === undefined) continue;
      const isCompute = k.resource === "cpu" || k.resource === "memory";
      const missing = res.containers.find((c) => !(k.resource in (k.kind === "requests" ? c.r.requests : c.r.limits)));
      if (isCompute && missing) {
        out.push({
          rule: "admission.quota",
          message: `ResourceQuota ${q.object.metadata.name} tracks ${key}, and container ${missing.name} sets no ${k.kind === "requests" ? "request" : "limit"} for ${k.resource} (none defaulted either)`,
          fix: `set resources.${k.kind}.${k.resource} on every container, or a LimitRange default for it`,
          on: q,
        });
        continue;
      }
      const used = (k.kind === "requests" ? res.requests : limits)[k.resource] ?? 0;
      if (used > cap)
        out.push({
          rule: "admission.quota",
          message: `one pod uses ${show(k.resource, used)} ${key}, above the quota's hard ${show(k.resource, cap)} (ResourceQuota ${q.object.metadata.name})`,
          fix: `raise ${key} in the namespace's quota (for GPUs: the pools of the namespace's purpose) or lower the pod's request`,
          on: q,
        });
    }
  }
  return out;
}
