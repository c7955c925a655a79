import type { CountryProfile } from "@sovereign/profile";
import type { K8sObject, SynthObject } from "../types.js";

/** How a workload uses a volume it mounts. */
export type Access = "writes" | "reads" | "purges";

/** One volume (claim, claim template or per-pod cache) on the residency map. */
export interface ClaimRow {
  /** `namespace/name` of a claim, or `Kind namespace/name ▸ volume` for per-pod claims. */
  claim: string;
  /** A PersistentVolumeClaim, a StatefulSet claim template, or a pod's generic ephemeral volume. */
  kind: "claim" | "claim template" | "per-pod cache";
  dataClass: string;
  storageClass: string;
  /** Requested size, as written. */
  size?: string;
  /** Retention the volume declares (annotation sovereign.ai/retention-days), in days. */
  retentionDays?: number;
  /** Workloads mounting it (`Kind namespace/name`) and how. */
  mountedBy: { workload: string; access: Access }[];
}

/** One site of the country: where it is, what it may reach, and every volume placed there. */
export interface SiteMap {
  site: string;
  region: string;
  zones: string[];
  /** In-country networks workloads at this site may reach (NetworkPolicy egress). */
  egressCidrs: string[];
  /** In-country DNS suffixes served from this site. */
  domains: string[];
  /** The profile's storage classes at this site. */
  storageClasses: string[];
  claims: ClaimRow[];
}

/** Something the map shows that no rule checks but an officer must know. */
export interface MapFinding {
  dataClass: string;
  message: string;
}

type Json = Record<string, unknown>;
const POD_KINDS = new Set([
  "Pod",
  "Deployment",
  "StatefulSet",
  "DaemonSet",
  "ReplicaSet",
  "ReplicationController",
  "Job",
  "CronJob",
  "PodTemplate",
]);

function podSpecOf(o: K8sObject): Json | undefined {
  const x = o as unknown as Json & { spec?: Json; template?: Json };
  if (o.kind === "Pod") return x.spec;
  if (o.kind === "PodTemplate") return (x.template as Json | undefined)?.spec as Json | undefined;
  if (o.kind === "CronJob")
    return ((((x.spec?.jobTemplate as Json)?.spec as Json)?.template as Json)?.spec as Json) ?? undefined;
  return ((x.spec?.template as Json)?.spec as Json) ?? undefined;
}

const ref = (o: K8sObject) => `${o.kind} ${o.metadata.namespace ?? ""}/${o.metadata.name ?? ""}`;
const labelsOf = (m: unknown) => ((m as Json | undefined)?.labels as Record<string, string> | undefined) ?? {};

/** How the workload uses volume `name`: writes unless every mount is read-only; the kit's purge jobs purge. */
function accessOf(o: K8sObject, spec: Json, name: string): Access {
  if (o.metadata.labels?.["sovereign.ai/retention-days"] !== undefined) return "purges";
  const containers = [
    ...((spec.containers as Json[]) ?? []),
    ...((spec.initContainers as Json[]) ?? []),
  ];
  const mounts = containers.flatMap((c) => ((c.volumeMounts as Json[]) ?? []).filter((m) => m.name === name));
  return mounts.length > 0 && mounts.every((m) => m.readOnly === true) ? "reads" : "writes";
}

const retention = (annotations: unknown): number | undefined => {
  const v = (annotations as Record<string, string> | undefined)?.["sovereign.ai/retention-days"];
  return v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined;
};

/** Every volume the objects create, with the site it is placed at (its label, else its class's site). */
function claimsOf(objects: readonly SynthObject[], classSite: Map<string, string>) {
  const rows: (ClaimRow & { site: string; label?: string })[] = [];
  const byKey = new Map<string, ClaimRow>();
  // A volume lives where its class provisions it; the site label is what the volume claims.
  const place = (labels: Record<string, string>, cls: string) =>
    classSite.get(cls) ?? labels["sovereign.ai/site"] ?? "(unknown)";
  const labelled = (labels: Record<string, string>) => labels["sovereign.ai/site"];
  /** The row of a claim a workload makes from a template (an ephemeral volume or a StatefulSet's). */
  const templateRow = (o: K8sObject, podSpec: Json, name: string, tpl: Json, kind: "per-pod cache" | "claim template") => {
    const tspec = (tpl.spec as Json) ?? {};
    const labels = labelsOf(tpl.metadata);
    const cls = String(tspec.storageClassName ?? "(cluster default)");
    return {
      claim: `${ref(o)} ▸ ${name}`,
      kind,
      dataClass: labels["sovereign.ai/data-class"] ?? "(unlabelled)",
      storageClass: cls,
      size: ((tspec.resources as Json)?.requests as Json)?.storage as string | undefined,
      mountedBy: [{ workload: ref(o), access: accessOf(o, podSpec, name) }],
      site: place(labels, cls),
      label: labelled(labels),
    };
  };
  for (const { object: o } of objects) {
    if (o.kind !== "PersistentVolumeClaim") continue;
    const spec = (o as unknown as { spec?: Json }).spec ?? {};
    const cls = String(spec.storageClassName ?? "(cluster default)");
    const key = `${o.metadata.namespace ?? ""}/${o.metadata.name ?? ""}`;
    const row = {
      claim: key,
      kind: "claim" as const,
      dataClass: o.metadata.labels?.["sovereign.ai/data-class"] ?? "(unlabelled)",
      storageClass: cls,
      size: ((spec.resources as Json)?.requests as Json)?.storage as string | undefined,
      retentionDays: retention(o.metadata.annotations),
      mountedBy: [],
      site: place(o.metadata.labels ?? {}, cls),
      label: labelled(o.metadata.labels ?? {}),
    };
    rows.push(row);
    byKey.set(key, row);
  }
  for (const { object: o } of objects) {
    if (!POD_KINDS.has(o.kind)) continue;
    const spec = podSpecOf(o);
    if (!spec) continue;
    for (const v of (spec.volumes as Json[]) ?? []) {
      const name = String(v.name);
      const pvc = v.persistentVolumeClaim as Json | undefined;
      if (pvc) {
        byKey.get(`${o.metadata.namespace ?? ""}/${String(pvc.claimName)}`)?.mountedBy.push({ workload: ref(o), access: accessOf(o, spec, name) });
      }
      const tpl = (v.ephemeral as Json | undefined)?.volumeClaimTemplate as Json | undefined;
      if (tpl) rows.push(templateRow(o, spec, name, tpl, "per-pod cache"));
    }
    if (o.kind === "StatefulSet") {
      for (const t of ((o as unknown as { spec?: Json }).spec?.volumeClaimTemplates as Json[]) ?? []) {
        const name = String((t.metadata as Json | undefined)?.name ?? "(unnamed)");
        rows.push(templateRow(o, spec, name, t, "claim template"));
      }
    }
  }
  return rows;
}

/** The residency map per site, and what it shows that an officer must be told. */
export function siteMaps(profile: CountryProfile, objects: readonly SynthObject[]): { sites: SiteMap[]; notes: MapFinding[] } {
  const s = profile.spec;
  const classSite = new Map(s.storage.classes.map((c) => [c.name, c.site]));
  const claims = claimsOf(objects, classSite);
  const sites: SiteMap[] = s.sites.map((site) => ({
    site: site.name,
    region: site.region,
    zones: [...site.zones],
    egressCidrs: [...site.egressCidrs],
    domains: [...(site.domains ?? [])],
    storageClasses: s.storage.classes.filter((c) => c.site === site.name).map((c) => c.name),
    claims: claims.filter((c) => c.site === site.name).map(({ site: _s, label: _l, ...row }) => row),
  }));
  const stray = claims.filter((c) => !s.sites.some((x) => x.name === c.site));
  const notes: MapFinding[] = stray.map((c) => ({
    dataClass: c.dataClass,
    message: `${c.claim} is placed at site ${c.site}, which the profile does not declare`,
  }));
  for (const c of claims) {
    if (c.label !== undefined && c.label !== c.site) {
      notes.push({
        dataClass: c.dataClass,
        message: `${c.claim} is labelled site ${c.label}, but its class ${c.storageClass} provisions it at site ${c.site}`,
      });
    }
    if (c.kind === "claim" && c.mountedBy.length === 0) {
      notes.push({ dataClass: c.dataClass, message: `${c.claim} is mounted by no workload: capacity reserved, no data placed there by this deployment` });
    }
  }
  for (const dc of Object.keys(s.storage.dataClasses)) {
    const mine = claims.filter((c) => c.dataClass === dc);
    if (mine.length === 0) continue;
    const writers = mine.flatMap((c) => c.mountedBy.filter((m) => m.access === "writes"));
    // unmounted claims are noted above; here: mounted, but only to read or purge
    if (writers.length === 0 && mine.some((c) => c.mountedBy.length > 0)) {
      notes.push({
        dataClass: dc,
        message:
          `no workload writes to ${dc}: ${mine.map((c) => c.claim).join(", ")} is mounted only by ` +
          `${[...new Set(mine.flatMap((c) => c.mountedBy.map((m) => `${m.workload} (${m.access})`)))].join(", ")}` +
          `; where ${dc} are actually written is not shown by this map`,
      });
    }
  }
  return { sites, notes };
}
