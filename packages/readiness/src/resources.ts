import { isQuantity, parseQuantity } from "@sovereign/profile";
import type { SynthObject } from "@sovereign/policy";
import type { Json } from "./types.js";

/** Resource amounts by name, in comparable units (CPU in millicores, everything else as value). */
export type Amounts = Record<string, number>;

/** A quantity as a number in the unit the API server compares it in (CPU: millicores). */
export function amount(resource: string, q: unknown): number | undefined {
  const s = typeof q === "number" ? String(q) : q;
  if (typeof s !== "string" || !isQuantity(s)) return undefined;
  const v = parseQuantity(s);
  return resource === "cpu" ? Math.round(v * 1000) : v;
}

function amounts(list: Json | undefined): Amounts {
  const out: Amounts = {};
  for (const [k, v] of Object.entries(list ?? {})) {
    const a = amount(k, v);
    if (a !== undefined) out[k] = a;
  }
  return out;
}

/** Requests and limits of one container after defaulting, with where each value came from. */
export interface EffectiveResources {
  requests: Amounts;
  limits: Amounts;
  /** `cpu limit from LimitRange container-defaults` etc., for messages. */
  defaulted: string[];
}

/** The Container-type items of a namespace's LimitRanges, with item defaulting applied. */
export interface ContainerLimits {
  source: SynthObject;
  default: Amounts;
  defaultRequest: Amounts;
  min: Amounts;
  max: Amounts;
  maxLimitRequestRatio: Amounts;
}

/**
 * LimitRange item defaulting (SetDefaults_LimitRangeItem): a missing `default` takes `max`, a
 * missing `defaultRequest` takes `default`, then `min`.
 */
export function containerLimits(limitRanges: SynthObject[]): ContainerLimits[] {
  const out: ContainerLimits[] = [];
  for (const lr of limitRanges) {
    for (const item of ((lr.object as Json).spec?.limits ?? []) as Json[]) {
      if (item.type !== "Container") continue;
      const max = amounts(item.max);
      const min = amounts(item.min);
      const def = { ...max, ...amounts(item.default) };
      const defReq = { ...min, ...def, ...amounts(item.defaultRequest) };
      out.push({
        source: lr,
        default: def,
        defaultRequest: defReq,
        min,
        max,
        maxLimitRequestRatio: amounts(item.maxLimitRequestRatio),
      });
    }
  }
  return out;
}

/**
 * A container's requests and limits as the API server stores them: Pod defaulting (request = limit
 * where only a limit is set), then the LimitRanger (missing limits from `default`, missing requests
 * from `defaultRequest`). With several LimitRanges the later one's defaults win, as the plugin
 * applies them one after another over the same container.
 */
export function effectiveResources(container: Json, limits: ContainerLimits[]): EffectiveResources {
  const requests = amounts(container.resources?.requests);
  const lims = amounts(container.resources?.limits);
  for (const [k, v] of Object.entries(lims)) if (!(k in requests)) requests[k] = v;
  const defaulted: string[] = [];
  for (const l of limits) {
    const name = l.source.object.metadata.name ?? "";
    for (const [k, v] of Object.entries(l.default))
      if (!(k in lims)) {
        lims[k] = v;
        defaulted.push(`${k} limit ${show(k, v)} from LimitRange ${name}`);
      }
    for (const [k, v] of Object.entries(l.defaultRequest))
      if (!(k in requests)) {
        requests[k] = v;
        defaulted.push(`${k} request ${show(k, v)} from LimitRange ${name}`);
      }
  }
  return { requests, limits: lims, defaulted };
}

/**
 * What a pod asks the scheduler and the quota for: per resource, the larger of the sum over its
 * containers and the largest init container (init containers run one at a time, before the rest).
 */
export function podRequests(perContainer: { init: boolean; r: EffectiveResources }[]): Amounts {
  const sum: Amounts = {};
  const initMax: Amounts = {};
  for (const { init, r } of perContainer) {
    for (const [k, v] of Object.entries(r.requests)) {
      if (init) initMax[k] = Math.max(initMax[k] ?? 0, v);
      else sum[k] = (sum[k] ?? 0) + v;
    }
  }
  for (const [k, v] of Object.entries(initMax)) sum[k] = Math.max(sum[k] ?? 0, v);
  return sum;
}

/** A resource amount in the user's units, for messages. */
export function show(resource: string, v: number): string {
  if (resource === "cpu") return v % 1000 === 0 ? String(v / 1000) : `${v}m`;
  if (resource === "memory" || resource.endsWith("storage")) {
    for (const [s, f] of [
      ["Ti", 2 ** 40],
      ["Gi", 2 ** 30],
      ["Mi", 2 ** 20],
    ] as const)
      if (v >= f && v % f === 0) return `${v / f}${s}`;
  }
  return String(v);
}
