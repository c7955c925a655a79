import { checkImageRef, type DocPath, hostInDomain, hostOf, type Issue, isDnsName } from "@sovereign/diagnostics";
import { ISO_3166_ALPHA2 } from "./iso3166.js";
import { parseCidr } from "./net.js";
import { checkCluster, checkGpuOperatorImages, checkPlacements, checkPoolZones, checkStorageBackends } from "./site-checks.js";
import type { CountryProfile } from "./schema.js";
import { checkTraining } from "./training.js";

function list(names: readonly string[]): string {
  return names.length === 0 ? "(none declared)" : names.map((n) => JSON.stringify(n)).join(", ");
}

function duplicates<T>(
  items: readonly T[],
  key: (t: T) => string,
  path: (i: number) => DocPath,
  what: string,
): Issue[] {
  const seen = new Map<string, number>();
  const out: Issue[] = [];
  items.forEach((item, i) => {
    const k = key(item);
    const first = seen.get(k);
    if (first !== undefined) {
      out.push({
        code: "unique.name",
        path: path(i),
        message: `duplicate ${what} ${JSON.stringify(k)} (first declared at index ${first})`,
        hint: `give each ${what} a unique name`,
      });
    } else seen.set(k, i);
  });
  return out;
}

/**
 * Cross-field checks the schema cannot express. All failures are returned at once so one run
 * shows the integrator everything to fix.
 */
export function crossCheck(p: CountryProfile): Issue[] {
  const s = p.spec;
  const out: Issue[] = [];
  const siteNames = s.sites.map((x) => x.name);
  const poolNames = s.gpuPools.map((x) => x.name);
  const classNames = s.storage.classes.map((x) => x.name);

  // Country identity
  if (!ISO_3166_ALPHA2.has(s.country)) {
    out.push({
      code: "country.iso",
      path: ["spec", "country"],
      message: `${JSON.stringify(s.country)} is not an assigned ISO 3166-1 alpha-2 code`,
      hint: "use the upper-case two-letter code, e.g. TH, KR, SA",
    });
  } else if (s.country.toLowerCase() !== p.metadata.name) {
    out.push({
      code: "country.mismatch",
      path: ["spec", "country"],
      message: `spec.country ${JSON.stringify(s.country)} does not match metadata.name ${JSON.stringify(p.metadata.name)}`,
      hint: `set metadata.name to ${JSON.stringify(s.country.toLowerCase())} or spec.country to ${JSON.stringify(p.metadata.name.toUpperCase())}`,
    });
  }

  // Uniqueness
  out.push(
    ...duplicates(
      s.sites,
      (x) => x.name,
      (i) => ["spec", "sites", i, "name"],
      "site",
    ),
  );
  out.push(
    ...duplicates(
      s.gpuPools,
      (x) => x.name,
      (i) => ["spec", "gpuPools", i, "name"],
      "GPU pool",
    ),
  );
  out.push(
    ...duplicates(
      s.storage.classes,
      (x) => x.name,
      (i) => ["spec", "storage", "classes", i, "name"],
      "storage class",
    ),
  );
  out.push(
    ...duplicates(
      s.serving.models,
      (x) => x.name,
      (i) => ["spec", "serving", "models", i, "name"],
      "model",
    ),
  );
  const zoneOwner = new Map<string, string>();
  s.sites.forEach((site, i) => {
    site.zones.forEach((z, j) => {
      const owner = zoneOwner.get(z);
      if (owner !== undefined) {
        out.push({
          code: "unique.zone",
          path: ["spec", "sites", i, "zones", j],
          message: `zone ${JSON.stringify(z)} is already declared by site ${JSON.stringify(owner)}`,
          hint: "a zone belongs to exactly one site; remove the duplicate",
        });
      } else zoneOwner.set(z, site.name);
    });
    site.egressCidrs.forEach((c, j) => {
      if (!parseCidr(c)) {
        out.push({
          code: "cidr.invalid",
          path: ["spec", "sites", i, "egressCidrs", j],
          message: `${JSON.stringify(c)} is not a valid CIDR`,
          hint: "write an address and prefix length, e.g. 192.0.2.0/24 or 2001:db8::/32",
        });
      }
    });
    (site.domains ?? []).forEach((d, j) => {
      if (!isDnsName(d)) {
        out.push({
          code: "domain.invalid",
          path: ["spec", "sites", i, "domains", j],
          message: `${JSON.stringify(d)} is not a DNS suffix`,
          hint: "write a lowercase domain such as bkk1.sovereign.example",
        });
      }
    });
  });

  // References
  const ref = (
    code: string,
    path: DocPath,
    value: string,
    kind: string,
    declared: string[],
    where: string,
  ) => {
    if (!declared.includes(value)) {
      out.push({
        code,
        path,
        message: `${kind} ${JSON.stringify(value)} is not declared in ${where}`,
        hint: `use one of the declared names: ${list(declared)}`,
      });
    }
  };
  s.gpuPools.forEach((pool, i) => {
    ref("ref.site", ["spec", "gpuPools", i, "site"], pool.site, "site", siteNames, "spec.sites[].name");
    const sh = pool.sharing;
    if (sh.strategy === "mig" && !sh.migProfile) {
      out.push({
        code: "sharing.mig_profile",
        path: ["spec", "gpuPools", i, "sharing"],
        message: "strategy mig needs a migProfile",
        hint: "add `migProfile: 1g.10gb` (or another profile your GPUs support)",
      });
    }
    if (sh.strategy === "time-slicing" && !sh.replicas) {
      out.push({
        code: "sharing.replicas",
        path: ["spec", "gpuPools", i, "sharing"],
        message: "strategy time-slicing needs replicas",
        hint: "add `replicas: 4` (pods sharing one GPU)",
      });
    }
  });
  for (const [i, c] of s.storage.classes.entries()) {
    ref(
      "ref.site",
      ["spec", "storage", "classes", i, "site"],
      c.site,
      "site",
      siteNames,
      "spec.sites[].name",
    );
  }
  for (const [dc, spec] of Object.entries(s.storage.dataClasses)) {
    if (!spec) continue;
    ref(
      "ref.storageClass",
      ["spec", "storage", "dataClasses", dc, "storageClass"],
      spec.storageClass,
      "storage class",
      classNames,
      "spec.storage.classes[].name",
    );
  }
  const limit = s.residency?.logRetentionLimitDays;
  const logs = s.storage.dataClasses["interaction-logs"];
  if (limit !== undefined && logs?.retentionDays !== undefined && logs.retentionDays > limit) {
    out.push({
      code: "retention.exceeds_limit",
      path: ["spec", "storage", "dataClasses", "interaction-logs", "retentionDays"],
      message: `retention of ${logs.retentionDays} days exceeds the legal limit of ${limit} days`,
      hint: `set retentionDays to at most ${limit}`,
    });
  }

  // Hosts must be in-country when the profile declares its domains.
  const domains = s.sites.flatMap((x) => x.domains ?? []);
  const inCountry = (host: string) => domains.length === 0 || domains.some((d) => hostInDomain(host, d));
  const hostCheck = (path: DocPath, uri: string, what: string) => {
    const host = hostOf(uri);
    if (!inCountry(host)) {
      out.push({
        code: "host.out_of_country",
        path,
        message: `${what} host ${JSON.stringify(host)} is not under any in-country domain`,
        hint: `use a host under one of ${list(domains)} or add its domain to the site that serves it`,
      });
    }
  };
  hostCheck(["spec", "registry"], s.registry, "registry");
  hostCheck(["spec", "kms", "endpoint"], s.kms.endpoint, "KMS");
  if (s.stateBackend.type === "s3")
    hostCheck(["spec", "stateBackend", "endpoint"], s.stateBackend.endpoint, "state backend");
  for (const [k, v] of Object.entries(s.telemetry ?? {}))
    if (v) hostCheck(["spec", "telemetry", k], v, "telemetry");

  // GPU operator images
  for (const [k, img] of Object.entries(s.gpuOperator?.images ?? {})) {
    out.push(...checkImageRef(img, s.registry, ["spec", "gpuOperator", "images", k]));
  }

  out.push(
    ...checkCluster(s),
    ...checkPoolZones(s),
    ...checkStorageBackends(s),
    ...checkPlacements(s),
    ...checkGpuOperatorImages(s),
  );

  // Models
  s.serving.models.forEach((m, i) => {
    const mp: DocPath = ["spec", "serving", "models", i];
    out.push(...checkImageRef(m.image, s.registry, [...mp, "image"]));
    hostCheck([...mp, "weights", "uri"], m.weights.uri, "weights");
    ref("ref.pool", [...mp, "pool"], m.pool, "GPU pool", poolNames, "spec.gpuPools[].name");
    const a = m.architecture;
    const tp = m.tensorParallel;
    if (a.heads % tp !== 0) {
      out.push({
        code: "tp.heads",
        path: [...mp, "tensorParallel"],
        message: `tensorParallel ${tp} does not divide heads ${a.heads}`,
        hint: `choose a divisor of ${a.heads}, e.g. ${divisors(a.heads).join(", ")}`,
      });
    }
    if (a.kvHeads % tp !== 0 && tp % a.kvHeads !== 0) {
      out.push({
        code: "tp.kvHeads",
        path: [...mp, "tensorParallel"],
        message: `tensorParallel ${tp} does not divide kvHeads ${a.kvHeads}`,
        hint: `choose a divisor of ${a.kvHeads}, e.g. ${divisors(a.kvHeads).join(", ")}`,
      });
    }
    if (a.kvHeads > a.heads || a.heads % a.kvHeads !== 0) {
      out.push({
        code: "arch.kvHeads",
        path: [...mp, "architecture", "kvHeads"],
        message: `kvHeads ${a.kvHeads} must divide heads ${a.heads} (grouped-query attention)`,
        hint: "copy kvHeads (num_key_value_heads) from the model's published config",
      });
    }
    if (a.headDim === undefined && a.hiddenSize % a.heads !== 0) {
      out.push({
        code: "arch.headDim",
        path: [...mp, "architecture", "hiddenSize"],
        message: `hiddenSize ${a.hiddenSize} is not divisible by heads ${a.heads}`,
        hint: "set architecture.headDim explicitly from the model's config",
      });
    }
    const pool = s.gpuPools.find((x) => x.name === m.pool);
    if (pool && tp > pool.gpusPerNode) {
      out.push({
        code: "tp.gpusPerNode",
        path: [...mp, "tensorParallel"],
        message: `tensorParallel ${tp} exceeds gpusPerNode ${pool.gpusPerNode} of pool ${JSON.stringify(pool.name)}`,
        hint: `use tensorParallel <= ${pool.gpusPerNode} or a pool with more GPUs per node`,
      });
    }
    if (pool && pool.purpose !== "inference") {
      out.push({
        code: "ref.pool_purpose",
        path: [...mp, "pool"],
        message: `pool ${JSON.stringify(pool.name)} has purpose ${pool.purpose}, not inference`,
        hint: `serve from an inference pool: ${list(s.gpuPools.filter((x) => x.purpose === "inference").map((x) => x.name))}`,
      });
    }
    if (m.replicas.min > m.replicas.max) {
      out.push({
        code: "replicas.range",
        path: [...mp, "replicas", "min"],
        message: `replicas.min ${m.replicas.min} is greater than replicas.max ${m.replicas.max}`,
        hint: `set min <= max, e.g. min: ${m.replicas.max}`,
      });
    }
  });
  out.push(...checkTraining(s, checkImageRef));
  return out;
}

function divisors(n: number): number[] {
  const d: number[] = [];
  for (let i = 1; i <= Math.min(n, 16); i++) if (n % i === 0) d.push(i);
  return d;
}
