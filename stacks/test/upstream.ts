import { readFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "@sovereign/profile";

/** One upstream facts record of `upstream/` (JSON). */
export function upstreamRecord<T = any>(file: string): T {
  return JSON.parse(readFileSync(join(repoRoot(), "upstream", file), "utf8")) as T;
}

export const GPU_OPERATOR_RECORD = "gpu-operator-v25.3.0.json";

type Values = Record<string, any>;

/**
 * Every dotted value path the kit sets, stopping at paths the record marks as list-valued
 * (tolerations are set as a whole list).
 */
export function valuePaths(v: unknown, listValued: readonly string[], prefix = ""): string[] {
  if (listValued.includes(prefix) || v === null || typeof v !== "object" || Array.isArray(v))
    return prefix ? [prefix] : [];
  return Object.entries(v as Values).flatMap(([k, x]) => valuePaths(x, listValued, prefix ? `${prefix}.${k}` : k));
}

/** The operand join of the operator (`imagePath`): `@` when version starts with sha256:, else `:`. */
export function operandJoin(s: { repository: string; image: string; version: string }): string {
  return s.version.startsWith("sha256:")
    ? `${s.repository}/${s.image}@${s.version}`
    : `${s.repository}/${s.image}:${s.version}`;
}

/** The chart template join `<repository>/<image>:<version>` (operator, driver manager env). */
export const templateJoin = (s: { repository: string; image: string; version: string }) =>
  `${s.repository}/${s.image}:${s.version}`;

/**
 * The image references the operator chart and the operator build from the kit's values, each
 * by the join the upstream record gives for it, labelled by where it appears.
 */
export function gpuOperatorImages(values: Values): { where: string; image: string }[] {
  const out: { where: string; image: string }[] = [
    { where: "operator Deployment", image: templateJoin(values.operator) },
    { where: "DRIVER_MANAGER_IMAGE env", image: templateJoin(values.driver.manager) },
    { where: "ClusterPolicy driver.manager", image: operandJoin(values.driver.manager) },
  ];
  for (const k of ["driver", "toolkit", "devicePlugin", "dcgmExporter", "dcgm", "gfd", "migManager", "validator"]) {
    const s = values[k];
    if (s?.repository) out.push({ where: `ClusterPolicy ${k}`, image: operandJoin(s) });
  }
  const nfd = values["node-feature-discovery"].image;
  out.push({ where: "node-feature-discovery", image: `${nfd.repository}:${nfd.tag}` });
  return out;
}
