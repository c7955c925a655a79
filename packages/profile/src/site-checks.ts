import type { DocPath, Issue } from "@sovereign/diagnostics";
import { parseCidr, parseIp } from "./net.js";
import { placements, READ_WRITE_MANY_PROVISIONERS, readWriteMany } from "./placement.js";
import { DATA_CLASSES, type GpuPool, type ProfileSpec } from "./schema.js";

/**
 * GPU Operator components whose image the profile gives, and whether the kit's operator values
 * run them. Every component that runs must come from the in-country registry: one left out
 * would be pulled from the chart's default (foreign) registry.
 */
export const GPU_OPERATOR_COMPONENTS = {
  operator: "always",
  driver: "always",
  driverManager: "always",
  toolkit: "always",
  devicePlugin: "always",
  dcgmExporter: "always",
  gpuFeatureDiscovery: "always",
  validator: "always",
  nodeFeatureDiscovery: "always",
  migManager: "with a MIG pool",
  dcgm: "never (the exporter embeds the host engine)",
} as const;
export type GpuOperatorComponent = keyof typeof GPU_OPERATOR_COMPONENTS;

/** Components that must have an image for these pools. */
export function requiredGpuOperatorComponents(pools: readonly GpuPool[]): GpuOperatorComponent[] {
  const mig = pools.some((p) => p.sharing.strategy === "mig");
  return (Object.keys(GPU_OPERATOR_COMPONENTS) as GpuOperatorComponent[]).filter(
    (c) => GPU_OPERATOR_COMPONENTS[c] === "always" || (c === "migManager" && mig),
  );
}

const CEPH_PROVISIONERS = new Set(["rbd.csi.ceph.com", "cephfs.csi.ceph.com"]);

/** API server addresses and the node-local DNS address are well-formed. */
export function checkCluster(s: ProfileSpec): Issue[] {
  const out: Issue[] = [];
  (s.cluster?.apiServer?.cidrs ?? []).forEach((c, j) => {
    if (!parseCidr(c))
      out.push({
        code: "cidr.invalid",
        path: ["spec", "cluster", "apiServer", "cidrs", j],
        message: `${JSON.stringify(c)} is not a valid CIDR`,
        hint: "write the API server endpoint as an address and prefix, e.g. 198.51.100.10/32",
      });
  });
  const dns = s.cluster?.nodeLocalDns;
  if (dns !== undefined && !parseIp(dns))
    out.push({
      code: "ip.invalid",
      path: ["spec", "cluster", "nodeLocalDns"],
      message: `${JSON.stringify(dns)} is not an IP address`,
      hint: "give the NodeLocal DNSCache listen address, e.g. 169.254.20.10",
    });
  return out;
}

/** A pool's zones belong to its site. */
export function checkPoolZones(s: ProfileSpec): Issue[] {
  const out: Issue[] = [];
  s.gpuPools.forEach((pool, i) => {
    const site = s.sites.find((x) => x.name === pool.site);
    if (!site) return;
    (pool.zones ?? []).forEach((z, j) => {
      if (!site.zones.includes(z))
        out.push({
          code: "ref.zone",
          path: ["spec", "gpuPools", i, "zones", j],
          message: `zone ${JSON.stringify(z)} is not a zone of site ${JSON.stringify(site.name)}`,
          hint: `use zones of that site: ${site.zones.join(", ")}`,
        });
    });
  });
  return out;
}

function cephParam(c: ProfileSpec["storage"]["classes"][number], key: string): string | undefined {
  return c.parameters?.[key];
}

/**
 * A ceph-csi class can provision only with a cluster id, a pool (rbd) or file system (cephfs)
 * and the credentials Secret references; an encrypted one also needs the KMS entry ceph-csi
 * looks its passphrase key up under.
 */
export function checkStorageBackends(s: ProfileSpec): Issue[] {
  const out: Issue[] = [];
  s.storage.classes.forEach((c, i) => {
    if (!CEPH_PROVISIONERS.has(c.provisioner)) return;
    const at: DocPath = ["spec", "storage", "classes", i];
    const rbd = c.provisioner === "rbd.csi.ceph.com";
    const need: [string, string | undefined, string][] = [
      ["clusterID", c.ceph?.clusterID ?? cephParam(c, "clusterID"), "ceph.clusterID"],
      rbd
        ? ["pool", c.ceph?.pool ?? cephParam(c, "pool"), "ceph.pool"]
        : ["fsName", c.ceph?.fsName ?? cephParam(c, "fsName"), "ceph.fsName"],
      [
        "credentials Secret",
        c.ceph?.secretName ?? cephParam(c, "csi.storage.k8s.io/provisioner-secret-name"),
        "ceph.secretName and ceph.secretNamespace",
      ],
    ];
    if (c.encrypted)
      need.push(["KMS config entry", c.ceph?.kmsID ?? cephParam(c, "encryptionKMSID"), "ceph.kmsID"]);
    const missing = need.filter(([, value]) => !value);
    if (missing.length === 0) return;
    out.push({
      code: "storage.ceph",
      path: [...at, "ceph"],
      message: `class ${JSON.stringify(c.name)} (${c.provisioner}) has no ${missing.map(([w]) => w).join(", ")}: ceph-csi cannot provision it`,
      hint: `set ${missing.map(([, , f]) => f).join(", ")} under spec.storage.classes[${i}]`,
    });
  });
  return out;
}

/**
 * Each `sites` entry names a class of that site, and model weights are placed at the site of
 * every model's pool (each replica caches its weights in a claim of its own site).
 */
export function checkPlacements(s: ProfileSpec): Issue[] {
  const out: Issue[] = [];
  for (const dc of DATA_CLASSES) {
    const spec = s.storage.dataClasses[dc];
    for (const [site, p] of Object.entries(spec?.sites ?? {})) {
      const at: DocPath = ["spec", "storage", "dataClasses", dc, "sites", site];
      const cls = s.storage.classes.find((c) => c.name === p.storageClass);
      if (!s.sites.some((x) => x.name === site)) {
        out.push({
          code: "ref.site",
          path: at,
          message: `site ${JSON.stringify(site)} is not declared in spec.sites[].name`,
          hint: `use one of: ${s.sites.map((x) => x.name).join(", ")}`,
        });
      } else if (!cls || cls.site !== site) {
        const here = s.storage.classes.filter((c) => c.site === site).map((c) => c.name);
        out.push({
          code: "storage.site_class",
          path: [...at, "storageClass"],
          message: `${JSON.stringify(p.storageClass)} is not a storage class of site ${JSON.stringify(site)}`,
          hint: here.length ? `use one of: ${here.join(", ")}` : `declare a storage class with site: ${site}`,
        });
      }
    }
  }
  const weights = s.storage.dataClasses["model-weights"];
  if (!weights) return out;
  const sites = new Set(placements(s, "model-weights").map((p) => p.site));
  s.serving.models.forEach((m, i) => {
    const pool = s.gpuPools.find((p) => p.name === m.pool);
    if (!pool || sites.has(pool.site)) return;
    const here = s.storage.classes.filter((c) => c.site === pool.site).map((c) => c.name);
    out.push({
      code: "storage.weights_site",
      path: ["spec", "serving", "models", i, "pool"],
      message: `model ${m.name} runs at site ${pool.site}, where model-weights has no storage class: its weight caches could not be provisioned there`,
      hint: `add spec.storage.dataClasses.model-weights.sites.${pool.site}.storageClass (${here.length ? `one of: ${here.join(", ")}` : "declare a class at that site first"})`,
    });
  });
  return out;
}

/**
 * Interaction logs exist wherever a model serves: the data class (when declared) is placed at the
 * site of every model, and a claim that more than one serving pod mounts is on a ReadWriteMany
 * class. A block (ReadWriteOnce) volume attaches to one node, so a second replica scheduled
 * elsewhere would never start. Without the data class no request is logged anywhere (a choice the
 * profile states by leaving it out).
 */
export function checkInteractionLogs(s: ProfileSpec): Issue[] {
  if (!s.storage.dataClasses["interaction-logs"]) return [];
  const out: Issue[] = [];
  const placed = new Map(placements(s, "interaction-logs").map((p) => [p.site, p]));
  const podsAt = new Map<string, { pods: number; models: string[] }>();
  s.serving.models.forEach((m, i) => {
    const pool = s.gpuPools.find((p) => p.name === m.pool);
    if (!pool) return;
    if (!placed.has(pool.site)) {
      const here = s.storage.classes.filter((c) => c.site === pool.site).map((c) => c.name);
      out.push({
        code: "storage.logs_site",
        path: ["spec", "serving", "models", i, "pool"],
        message: `model ${m.name} serves at site ${pool.site}, where interaction-logs has no storage class: its requests would not be logged`,
        hint: `add spec.storage.dataClasses.interaction-logs.sites.${pool.site}.storageClass (${here.length ? `one of: ${here.join(", ")}` : "declare a class at that site first"})`,
      });
      return;
    }
    const at = podsAt.get(pool.site) ?? { pods: 0, models: [] };
    at.pods += m.replicas.max;
    at.models.push(`${m.name} (up to ${m.replicas.max})`);
    podsAt.set(pool.site, at);
  });
  for (const [site, use] of podsAt) {
    const place = placed.get(site)!;
    const cls = s.storage.classes.find((c) => c.name === place.storageClass);
    if (!cls || use.pods <= 1 || readWriteMany(cls)) continue;
    const shared = s.storage.classes.filter((c) => c.site === site && readWriteMany(c)).map((c) => c.name);
    out.push({
      code: "storage.logs_rwo",
      path: ["spec", "storage", "dataClasses", "interaction-logs", ...(place.primary ? [] : ["sites", site]), "storageClass"],
      message: `interaction-logs at site ${site} is on ${cls.name} (${cls.provisioner}, one node at a time), but ${use.pods} serving pods mount it: ${use.models.join(", ")}; pods on a second node would never start`,
      hint: shared.length
        ? `use a ReadWriteMany class of site ${site}: ${shared.join(", ")}`
        : `declare a ReadWriteMany class at site ${site} (${READ_WRITE_MANY_PROVISIONERS.join(" or ")}, or readWriteMany: true for another shared file system) and place interaction-logs on it`,
    });
  }
  return out;
}

/** Every GPU Operator component that runs has an in-country image. */
export function checkGpuOperatorImages(s: ProfileSpec): Issue[] {
  if (!s.gpuOperator) return [];
  const images = s.gpuOperator.images;
  const out: Issue[] = [];
  for (const c of requiredGpuOperatorComponents(s.gpuPools)) {
    if (images[c]) continue;
    out.push({
      code: "gpu_operator.image_missing",
      path: ["spec", "gpuOperator", "images"],
      message: `no image for GPU Operator component ${c}: the chart would pull its default from a foreign registry`,
      hint: `mirror it in-country and add images.${c}: ${s.registry}/...@sha256:<digest>`,
    });
  }
  for (const k of Object.keys(images)) {
    if (k in GPU_OPERATOR_COMPONENTS) continue;
    out.push({
      code: "gpu_operator.component",
      path: ["spec", "gpuOperator", "images", k],
      message: `unknown GPU Operator component ${JSON.stringify(k)}`,
      hint: `use one of: ${Object.keys(GPU_OPERATOR_COMPONENTS).join(", ")}`,
    });
  }
  return out;
}
