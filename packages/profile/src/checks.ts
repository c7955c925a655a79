import { checkImageRef, type DocPath, hostInDomain, hostOf, type Issue, isDnsName } from "@sovereign/diagnostics";
import { ISO_3166_ALPHA2 } from "./iso3166.js";
import { parseCidr } from "./net.js";
import { checkCluster, checkGpuOperatorImages, checkPlacements, checkPoolZones, checkStorageBackends } from "./site-checks.js";
import type { CountryProfile } from "./schema.js";
import { checkTraining } from "./training.js";

function list(names: readonly string[]): string {
  return names.length === 0 ? "(none declared)" : names.map((n) => JSON.stringify(n)).join(", ");
}

function divisors(n: number): number[] {
  const d: number[] = [];
  for (let i = 1; i <= Math.min(n, 16); i++) if (n % i === 0) d.push(i);
  return d;
}

type Spec = CountryProfile["spec"];
type Model = Spec["serving"]["models"][number];

/**
 * One cross-field check of a profile: a name, the issue codes it can report, and the check. A
 * code may be shared by two checks of the same kind of fault (e.g. `cidr.invalid` for site
 * egress and for the API server's addresses); the path tells them apart.
 */
export interface ProfileCheck {
  /** What the check enforces, in a few words. */
  name: string;
  /** Issue codes it reports (stable: tests, docs and users key on them). */
  codes: readonly string[];
  run(p: CountryProfile): Issue[];
}

/** A check applied to every model, with the model's path. */
function perModel(check: (m: Model, mp: DocPath, s: Spec) => Issue | Issue[] | undefined) {
  return (p: CountryProfile): Issue[] =>
    p.spec.serving.models.flatMap((m, i) => {
      const r = check(m, ["spec", "serving", "models", i], p.spec);
      return r === undefined ? [] : Array.isArray(r) ? r : [r];
    });
}

function unknownRef(code: string, path: DocPath, value: string, kind: string, declared: string[], where: string) {
  return declared.includes(value)
    ? []
    : [
        {
          code,
          path,
          message: `${kind} ${JSON.stringify(value)} is not declared in ${where}`,
          hint: `use one of the declared names: ${list(declared)}`,
        },
      ];
}

function duplicates<T>(items: readonly T[], key: (t: T) => string, path: (i: number) => DocPath, what: string): Issue[] {
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

/** Every URL-like field whose host must be under an in-country domain, with its path. */
function hostFields(s: Spec): { path: DocPath; uri: string; what: string }[] {
  return [
    { path: ["spec", "registry"], uri: s.registry, what: "registry" },
    { path: ["spec", "kms", "endpoint"], uri: s.kms.endpoint, what: "KMS" },
    ...(s.stateBackend.type === "s3"
      ? [{ path: ["spec", "stateBackend", "endpoint"], uri: s.stateBackend.endpoint, what: "state backend" }]
      : []),
    ...Object.entries(s.telemetry ?? {}).flatMap(([k, v]) =>
      v ? [{ path: ["spec", "telemetry", k], uri: v, what: "telemetry" }] : [],
    ),
    ...s.serving.models.map((m, i) => ({
      path: ["spec", "serving", "models", i, "weights", "uri"],
      uri: m.weights.uri,
      what: "weights",
    })),
  ];
}

/**
 * The cross-field checks the schema cannot express, as a table: one entry per rule, each naming
 * the issue codes it reports. {@link crossCheck} runs them all.
 */
export const PROFILE_CHECKS: readonly ProfileCheck[] = [
  {
    name: "country is an assigned ISO 3166-1 alpha-2 code",
    codes: ["country.iso"],
    run: ({ spec: s }) =>
      ISO_3166_ALPHA2.has(s.country)
        ? []
        : [
            {
              code: "country.iso",
              path: ["spec", "country"],
              message: `${JSON.stringify(s.country)} is not an assigned ISO 3166-1 alpha-2 code`,
              hint: "use the upper-case two-letter code, e.g. TH, KR, SA",
            },
          ],
  },
  {
    name: "country matches metadata.name",
    codes: ["country.mismatch"],
    run: ({ spec: s, metadata }) =>
      !ISO_3166_ALPHA2.has(s.country) || s.country.toLowerCase() === metadata.name
        ? []
        : [
            {
              code: "country.mismatch",
              path: ["spec", "country"],
              message: `spec.country ${JSON.stringify(s.country)} does not match metadata.name ${JSON.stringify(metadata.name)}`,
              hint: `set metadata.name to ${JSON.stringify(s.country.toLowerCase())} or spec.country to ${JSON.stringify(metadata.name.toUpperCase())}`,
            },
          ],
  },
  {
    name: "sites, pools, storage classes and models have unique names",
    codes: ["unique.name"],
    run: ({ spec: s }) => [
      ...duplicates(s.sites, (x) => x.name, (i) => ["spec", "sites", i, "name"], "site"),
      ...duplicates(s.gpuPools, (x) => x.name, (i) => ["spec", "gpuPools", i, "name"], "GPU pool"),
      ...duplicates(s.storage.classes, (x) => x.name, (i) => ["spec", "storage", "classes", i, "name"], "storage class"),
      ...duplicates(s.serving.models, (x) => x.name, (i) => ["spec", "serving", "models", i, "name"], "model"),
    ],
  },
  {
    name: "a zone belongs to one site",
    codes: ["unique.zone"],
    run: ({ spec: s }) => {
      const owner = new Map<string, string>();
      return s.sites.flatMap((site, i) =>
        site.zones.flatMap((z, j): Issue[] => {
          const first = owner.get(z);
          if (first === undefined) {
            owner.set(z, site.name);
            return [];
          }
          return [
            {
              code: "unique.zone",
              path: ["spec", "sites", i, "zones", j],
              message: `zone ${JSON.stringify(z)} is already declared by site ${JSON.stringify(first)}`,
              hint: "a zone belongs to exactly one site; remove the duplicate",
            },
          ];
        }),
      );
    },
  },
  {
    name: "egress CIDRs parse",
    codes: ["cidr.invalid"],
    run: ({ spec: s }) =>
      s.sites.flatMap((site, i) =>
        site.egressCidrs.flatMap((c, j) =>
          parseCidr(c)
            ? []
            : [
                {
                  code: "cidr.invalid",
                  path: ["spec", "sites", i, "egressCidrs", j],
                  message: `${JSON.stringify(c)} is not a valid CIDR`,
                  hint: "write an address and prefix length, e.g. 192.0.2.0/24 or 2001:db8::/32",
                },
              ],
        ),
      ),
  },
  {
    name: "site domains are DNS suffixes",
    codes: ["domain.invalid"],
    run: ({ spec: s }) =>
      s.sites.flatMap((site, i) =>
        (site.domains ?? []).flatMap((d, j) =>
          isDnsName(d)
            ? []
            : [
                {
                  code: "domain.invalid",
                  path: ["spec", "sites", i, "domains", j],
                  message: `${JSON.stringify(d)} is not a DNS suffix`,
                  hint: "write a lowercase domain such as bkk1.sovereign.example",
                },
              ],
        ),
      ),
  },
  {
    name: "pools and storage classes name a declared site",
    codes: ["ref.site"],
    run: ({ spec: s }) => {
      const sites = s.sites.map((x) => x.name);
      return [
        ...s.gpuPools.flatMap((pool, i) =>
          unknownRef("ref.site", ["spec", "gpuPools", i, "site"], pool.site, "site", sites, "spec.sites[].name"),
        ),
        ...s.storage.classes.flatMap((c, i) =>
          unknownRef("ref.site", ["spec", "storage", "classes", i, "site"], c.site, "site", sites, "spec.sites[].name"),
        ),
      ];
    },
  },
  {
    name: "GPU sharing strategies have their settings",
    codes: ["sharing.mig_profile", "sharing.replicas"],
    run: ({ spec: s }) =>
      s.gpuPools.flatMap((pool, i): Issue[] => {
        const sh = pool.sharing;
        const path: DocPath = ["spec", "gpuPools", i, "sharing"];
        if (sh.strategy === "mig" && !sh.migProfile) {
          return [
            {
              code: "sharing.mig_profile",
              path,
              message: "strategy mig needs a migProfile",
              hint: "add `migProfile: 1g.10gb` (or another profile your GPUs support)",
            },
          ];
        }
        if (sh.strategy === "time-slicing" && !sh.replicas) {
          return [
            { code: "sharing.replicas", path, message: "strategy time-slicing needs replicas", hint: "add `replicas: 4` (pods sharing one GPU)" },
          ];
        }
        return [];
      }),
  },
  {
    name: "data classes name a declared storage class",
    codes: ["ref.storageClass"],
    run: ({ spec: s }) => {
      const classes = s.storage.classes.map((x) => x.name);
      return Object.entries(s.storage.dataClasses).flatMap(([dc, spec]) =>
        spec
          ? unknownRef(
              "ref.storageClass",
              ["spec", "storage", "dataClasses", dc, "storageClass"],
              spec.storageClass,
              "storage class",
              classes,
              "spec.storage.classes[].name",
            )
          : [],
      );
    },
  },
  {
    name: "interaction logs are kept no longer than the legal limit",
    codes: ["retention.exceeds_limit"],
    run: ({ spec: s }) => {
      const limit = s.residency?.logRetentionLimitDays;
      const days = s.storage.dataClasses["interaction-logs"]?.retentionDays;
      if (limit === undefined || days === undefined || days <= limit) return [];
      return [
        {
          code: "retention.exceeds_limit",
          path: ["spec", "storage", "dataClasses", "interaction-logs", "retentionDays"],
          message: `retention of ${days} days exceeds the legal limit of ${limit} days`,
          hint: `set retentionDays to at most ${limit}`,
        },
      ];
    },
  },
  {
    name: "registry, KMS, state, telemetry and weights hosts are in-country",
    codes: ["host.out_of_country"],
    run: ({ spec: s }) => {
      // Only checked when the profile declares its domains.
      const domains = s.sites.flatMap((x) => x.domains ?? []);
      if (domains.length === 0) return [];
      return hostFields(s).flatMap(({ path, uri, what }) => {
        const host = hostOf(uri);
        return domains.some((d) => hostInDomain(host, d))
          ? []
          : [
              {
                code: "host.out_of_country",
                path,
                message: `${what} host ${JSON.stringify(host)} is not under any in-country domain`,
                hint: `use a host under one of ${list(domains)} or add its domain to the site that serves it`,
              },
            ];
      });
    },
  },
  {
    name: "cluster API server CIDRs and node-local DNS address parse",
    codes: ["cidr.invalid", "ip.invalid"],
    run: ({ spec }) => checkCluster(spec),
  },
  {
    name: "pool zones are zones of the pool's site",
    codes: ["ref.zone"],
    run: ({ spec }) => checkPoolZones(spec),
  },
  {
    name: "Ceph storage classes name their cluster, pool, secret and KMS",
    codes: ["storage.ceph"],
    run: ({ spec }) => checkStorageBackends(spec),
  },
  {
    name: "data classes are placed at every site that uses them",
    codes: ["ref.site", "storage.site_class", "storage.weights_site"],
    run: ({ spec }) => checkPlacements(spec),
  },
  {
    name: "every GPU Operator component that runs has an in-country image",
    codes: ["gpu_operator.image_missing", "gpu_operator.component"],
    run: ({ spec }) => checkGpuOperatorImages(spec),
  },
  {
    name: "GPU operator and model images are in-country and pinned",
    codes: ["image.registry", "image.not_pinned", "image.bad_digest"],
    run: ({ spec: s }) => [
      ...Object.entries(s.gpuOperator?.images ?? {}).flatMap(([k, img]) =>
        checkImageRef(img, s.registry, ["spec", "gpuOperator", "images", k]),
      ),
      ...s.serving.models.flatMap((m, i) => checkImageRef(m.image, s.registry, ["spec", "serving", "models", i, "image"])),
    ],
  },
  {
    name: "training pools, interconnects and recipes are consistent and their images pinned",
    codes: ["pool.interconnect", "training.duplicate_recipe", "training.no_pool", "image.registry", "image.not_pinned", "image.bad_digest"],
    run: ({ spec }) => checkTraining(spec, checkImageRef),
  },
  {
    name: "models are served from a declared pool",
    codes: ["ref.pool"],
    run: perModel((m, mp, s) =>
      unknownRef("ref.pool", [...mp, "pool"], m.pool, "GPU pool", s.gpuPools.map((x) => x.name), "spec.gpuPools[].name"),
    ),
  },
  {
    name: "tensorParallel divides the attention heads",
    codes: ["tp.heads"],
    run: perModel(({ architecture: a, tensorParallel: tp }, mp) =>
      a.heads % tp === 0
        ? undefined
        : {
            code: "tp.heads",
            path: [...mp, "tensorParallel"],
            message: `tensorParallel ${tp} does not divide heads ${a.heads}`,
            hint: `choose a divisor of ${a.heads}, e.g. ${divisors(a.heads).join(", ")}`,
          },
    ),
  },
  {
    name: "tensorParallel and kvHeads divide one another",
    codes: ["tp.kvHeads"],
    run: perModel(({ architecture: a, tensorParallel: tp }, mp) =>
      a.kvHeads % tp === 0 || tp % a.kvHeads === 0
        ? undefined
        : {
            code: "tp.kvHeads",
            path: [...mp, "tensorParallel"],
            message: `tensorParallel ${tp} does not divide kvHeads ${a.kvHeads}`,
            hint: `choose a divisor of ${a.kvHeads}, e.g. ${divisors(a.kvHeads).join(", ")}`,
          },
    ),
  },
  {
    name: "kvHeads divides heads (grouped-query attention)",
    codes: ["arch.kvHeads"],
    run: perModel(({ architecture: a }, mp) =>
      a.kvHeads <= a.heads && a.heads % a.kvHeads === 0
        ? undefined
        : {
            code: "arch.kvHeads",
            path: [...mp, "architecture", "kvHeads"],
            message: `kvHeads ${a.kvHeads} must divide heads ${a.heads} (grouped-query attention)`,
            hint: "copy kvHeads (num_key_value_heads) from the model's published config",
          },
    ),
  },
  {
    name: "hiddenSize divides into heads unless headDim is given",
    codes: ["arch.headDim"],
    run: perModel(({ architecture: a }, mp) =>
      a.headDim !== undefined || a.hiddenSize % a.heads === 0
        ? undefined
        : {
            code: "arch.headDim",
            path: [...mp, "architecture", "hiddenSize"],
            message: `hiddenSize ${a.hiddenSize} is not divisible by heads ${a.heads}`,
            hint: "set architecture.headDim explicitly from the model's config",
          },
    ),
  },
  {
    name: "tensorParallel fits on one node of the pool",
    codes: ["tp.gpusPerNode"],
    run: perModel((m, mp, s) => {
      const pool = s.gpuPools.find((x) => x.name === m.pool);
      if (!pool || m.tensorParallel <= pool.gpusPerNode) return undefined;
      return {
        code: "tp.gpusPerNode",
        path: [...mp, "tensorParallel"],
        message: `tensorParallel ${m.tensorParallel} exceeds gpusPerNode ${pool.gpusPerNode} of pool ${JSON.stringify(pool.name)}`,
        hint: `use tensorParallel <= ${pool.gpusPerNode} or a pool with more GPUs per node`,
      };
    }),
  },
  {
    name: "models are served from an inference pool",
    codes: ["ref.pool_purpose"],
    run: perModel((m, mp, s) => {
      const pool = s.gpuPools.find((x) => x.name === m.pool);
      if (!pool || pool.purpose === "inference") return undefined;
      return {
        code: "ref.pool_purpose",
        path: [...mp, "pool"],
        message: `pool ${JSON.stringify(pool.name)} has purpose ${pool.purpose}, not inference`,
        hint: `serve from an inference pool: ${list(s.gpuPools.filter((x) => x.purpose === "inference").map((x) => x.name))}`,
      };
    }),
  },
  {
    name: "replicas.min is at most replicas.max",
    codes: ["replicas.range"],
    run: perModel(({ replicas: r }, mp) =>
      r.min <= r.max
        ? undefined
        : {
            code: "replicas.range",
            path: [...mp, "replicas", "min"],
            message: `replicas.min ${r.min} is greater than replicas.max ${r.max}`,
            hint: `set min <= max, e.g. min: ${r.max}`,
          },
    ),
  },
];

/**
 * Cross-field checks the schema cannot express: every check of {@link PROFILE_CHECKS}. All
 * failures are returned at once so one run shows the integrator everything to fix.
 */
export function crossCheck(p: CountryProfile): Issue[] {
  return PROFILE_CHECKS.flatMap((c) => c.run(p));
}
