import { checkImageRef, type DocPath, hostOf, type Issue, isDnsName } from "@sovereign/diagnostics";
import { ISO_3166_ALPHA2 } from "./iso3166.js";
import { foreignService, hostInCountry, inCountryDomains, parseCidr, uriHost } from "./net.js";
import { shippedPackNames } from "./root.js";
import {
  checkCluster,
  checkGpuOperatorImages,
  checkInteractionLogs,
  checkPlacements,
  checkPoolZones,
  checkStorageBackends,
} from "./site-checks.js";
import type { CountryProfile } from "./schema.js";
import { checkTraining } from "./training.js";
import { checkWeightsLocation } from "./weights-location.js";

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

/** One issue per entry of a site's `field` list that `valid` refuses, located at that entry. */
function siteEntriesRefused(
  sites: Spec["sites"],
  field: "egressCidrs" | "domains",
  valid: (value: string) => boolean,
  issue: (value: string) => Omit<Issue, "path">,
): Issue[] {
  return sites.flatMap((site, i) =>
    (site[field] ?? []).flatMap((v, j) => (valid(v) ? [] : [{ ...issue(v), path: ["spec", "sites", i, field, j] }])),
  );
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

/**
 * The cross-field checks the schema cannot express, as a table: one entry per rule, each naming
 * the issue codes it reports. {@link crossCheck} runs them all. The table is built on each call
 * (a few dozen small objects, nothing read from disk) rather than once at module load, so every
 * entry runs inside the tests that use it and mutation testing exercises it like any other code
 * (docs/benchmarks.md "Mutation testing").
 */
export function profileChecks(): readonly ProfileCheck[] {
  return [
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
        siteEntriesRefused(s.sites, "egressCidrs", (c) => parseCidr(c) !== null, (c) => ({
          code: "cidr.invalid",
          message: `${JSON.stringify(c)} is not a valid CIDR`,
          hint: "write an address and prefix length, e.g. 192.0.2.0/24 or 2001:db8::/32",
        })),
    },
    {
      name: "site domains are DNS suffixes",
      codes: ["domain.invalid"],
      run: ({ spec: s }) =>
        siteEntriesRefused(s.sites, "domains", isDnsName, (d) => ({
          code: "domain.invalid",
          message: `${JSON.stringify(d)} is not a DNS suffix`,
          hint: "write a lowercase domain such as bkk1.sovereign.example",
        })),
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
      name: "residency rules that depend on the profile alone",
      codes: [
        "host.out_of_country",
        "ref.policy_pack",
        "policy.core_missing",
        "state.local",
        "storage.unencrypted",
        "egress.everything",
        "egress.too_wide",
      ],
      run: (p) => residencyChecks(p),
    },
    {
      name: "profile gaps the stacks cannot build around",
      codes: ["storage.purge_image", "gateway.hostname", "serving.weights_class"],
      run: (p) => stackChecks(p),
    },
    {
      name: "model modalities have encoders, context and experts fit the architecture",
      codes: ["modality.encoder", "modality.undeclared", "engine.maxModelLen", "arch.experts"],
      run: perModel((m, mp) => modalityIssues(m, mp)),
    },
    {
      name: "object-store weights name a bucket and a prefix",
      codes: ["weights.bucket", "weights.prefix"],
      run: perModel((m, mp) => checkWeightsLocation(m.weights, [...mp, "weights", "uri"])),
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
      name: "interaction logs are placed at every serving site, shared by replicas on a ReadWriteMany class",
      codes: ["storage.logs_site", "storage.logs_rwo"],
      run: ({ spec }) => checkInteractionLogs(spec),
    },
    {
      name: "KEDA autoscaling names the Prometheus it queries",
      codes: ["autoscaling.prometheus_url"],
      run: ({ spec }) =>
        spec.serving.autoscaling?.provider === "keda" && !spec.serving.autoscaling.prometheusUrl
          ? [
              {
                code: "autoscaling.prometheus_url",
                path: ["spec", "serving", "autoscaling", "provider"],
                message: "autoscaling provider keda needs the Prometheus its ScaledObjects query",
                hint: "add spec.serving.autoscaling.prometheusUrl, e.g. http://prometheus-operated.monitoring.svc:9090",
              },
            ]
          : [],
    },
    {
      name: "weights are a model directory (the engine loads config, tokenizer and shards)",
      codes: ["weights.format_file"],
      run: perModel((m, mp) =>
        m.weights.format === "file"
          ? {
              code: "weights.format_file",
              path: [...mp, "weights", "format"],
              message: `model ${m.name}: weights.format file (one object) is no longer served; the engine loads a model directory (config, tokenizer, safetensors shards)`,
              hint: "publish the model directory with `sovereign weights manifest DIR --write`, upload it under the uri's prefix, then set format: directory and sha256 to the manifest's sha256",
            }
          : undefined,
      ),
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
}

/**
 * Cross-field checks the schema cannot express: every check of {@link profileChecks}. All
 * failures are returned at once so one run shows the integrator everything to fix.
 */
export function crossCheck(p: CountryProfile): Issue[] {
  return profileChecks().flatMap((c) => c.run(p));
}

/** Every non-text modality has its encoder, no encoder is declared for an unused modality. */
function modalityIssues(m: Model, mp: DocPath): Issue[] {
  const out: Issue[] = [];
  for (const mod of ["image", "audio"] as const) {
    const declared = m.modalities.includes(mod);
    const encoder = m.encoders?.[mod];
    if (declared && !encoder) {
      out.push({
        code: "modality.encoder",
        path: [...mp, "modalities"],
        message: `model ${m.name} declares modality ${mod} but no encoders.${mod}`,
        hint: `add encoders: { ${mod}: { params: <encoder parameters from the model card>, perPrompt: 1 } }`,
      });
    }
    if (!declared && encoder) {
      out.push({
        code: "modality.undeclared",
        path: [...mp, "encoders", mod],
        message: `model ${m.name} has an ${mod} encoder but modalities ${JSON.stringify(m.modalities)} omit ${mod}`,
        hint: `add ${mod} to modalities, or remove encoders.${mod}`,
      });
    }
  }
  const len = m.engine?.maxModelLen;
  if (len !== undefined && len > m.architecture.maxContext) {
    out.push({
      code: "engine.maxModelLen",
      path: [...mp, "engine", "maxModelLen"],
      message: `maxModelLen ${len} exceeds the model's maxContext ${m.architecture.maxContext}`,
      hint: `use at most ${m.architecture.maxContext}, or omit it to serve the full context`,
    });
  }
  const e = m.architecture.experts;
  if (e && e.perToken > e.count) {
    out.push({
      code: "arch.experts",
      path: [...mp, "architecture", "experts", "perToken"],
      message: `perToken ${e.perToken} exceeds the ${e.count} experts`,
      hint: "copy num_experts_per_tok and the expert count from the model's config",
    });
  }
  return out;
}

/** Label marking a profile as a demo (allows the `local` state backend). */
export const DEMO_LABEL = "sovereign.ai/demo";

/** Widest egress network a profile may declare without an approved transfer naming it. */
export const WIDEST_EGRESS_PREFIX = { 4: 8, 6: 8 } as const;

/**
 * The checks behind residency rules that depend on the profile alone, so `validate` refuses
 * (with file, path, line and fix) every profile whose synth the residency packs would refuse:
 * hosts outside the in-country domains and networks, unknown packs, local state outside a demo,
 * unencrypted classes, and egress networks so wide that "in-country" means nothing.
 */
export function residencyChecks(p: CountryProfile): Issue[] {
  const s = p.spec;
  const out: Issue[] = [];
  const domains = inCountryDomains(p);
  const declared = s.sites.some((x) => (x.domains ?? []).length > 0);
  const cidrs = s.sites.flatMap((x) => x.egressCidrs).filter((c) => parseCidr(c) !== null);
  const today = new Date().toISOString().slice(0, 10);
  const approved = new Set(
    (s.residency?.approvedTransfers ?? []).filter((t) => t.expires >= today).map((t) => t.destination),
  );

  const hostCheck = (path: DocPath, value: string, what: string) => {
    const service = foreignService(value);
    if (service) {
      out.push({
        code: "host.out_of_country",
        path,
        message: `${what} ${JSON.stringify(value)} names ${service}, which is abroad whatever follows the scheme`,
        hint: `use an in-country endpoint under ${list(domains)} (an https:// URL, or s3:// with the in-country endpoint)`,
      });
      return;
    }
    // Profile fields are compared verbatim (hostOf): a trailing dot is refused, as the admission
    // rules on these fields refuse it; uriHost's reading then decides domains and networks.
    const verbatim = hostOf(value);
    const host = verbatim.endsWith(".") ? verbatim : uriHost(value);
    if (!host.endsWith(".") && hostInCountry(host, { domains, cidrs })) return;
    out.push({
      code: "host.out_of_country",
      path,
      message:
        `${what} host ${JSON.stringify(host)} is not under an in-country domain (${domains.join(", ")})` +
        (declared ? "" : ": no site declares domains, so only the registry's and KMS's hosts count") +
        " nor inside the egress networks",
      hint: declared
        ? `use a host under ${list(domains)} or add its domain to the site that serves it (spec.sites[].domains)`
        : "declare each site's in-country DNS suffixes in spec.sites[].domains",
    });
  };
  hostCheck(["spec", "registry"], s.registry, "registry");
  hostCheck(["spec", "kms", "endpoint"], s.kms.endpoint, "KMS");
  if (s.stateBackend.type === "s3")
    hostCheck(["spec", "stateBackend", "endpoint"], s.stateBackend.endpoint, "state backend");
  if (s.stateBackend.type === "pg" && s.stateBackend.host)
    hostCheck(["spec", "stateBackend", "host"], s.stateBackend.host, "state backend");
  for (const [k, v] of Object.entries(s.telemetry ?? {})) if (v) hostCheck(["spec", "telemetry", k], v, "telemetry");
  s.serving.models.forEach((m, i) => {
    const where = m.weights.endpoint ? "endpoint" : "uri";
    hostCheck(["spec", "serving", "models", i, "weights", where], m.weights.endpoint ?? m.weights.uri, "weights");
  });
  if (s.serving.gateway)
    hostCheck(["spec", "serving", "gateway", "hostname"], s.serving.gateway.hostname.replace(/^\*\./, ""), "gateway");

  const packs = shippedPackNames();
  s.policies.forEach((name, i) => {
    if (!packs.includes(name)) {
      out.push({
        code: "ref.policy_pack",
        path: ["spec", "policies", i],
        message: `policy pack ${JSON.stringify(name)} is not in policies/`,
        hint: `use one of ${list(packs)}, or scaffold one with \`sovereign policy new <FRAMEWORK>\``,
      });
    }
  });
  if (!s.policies.includes("residency-core")) {
    out.push({
      code: "policy.core_missing",
      path: ["spec", "policies"],
      message: "spec.policies does not list residency-core, the rules every country runs",
      hint: "add residency-core to spec.policies",
    });
  }

  if (s.stateBackend.type === "local" && p.metadata.labels?.[DEMO_LABEL] !== "true") {
    out.push({
      code: "state.local",
      path: ["spec", "stateBackend", "type"],
      message: "the local state backend keeps Terraform state on whichever machine runs it; allowed only for a demo",
      hint: `use kubernetes, pg or an in-country s3 endpoint, or label the profile metadata.labels["${DEMO_LABEL}"]: "true"`,
    });
  }

  s.storage.classes.forEach((c, i) => {
    if (!c.encrypted) {
      out.push({
        code: "storage.unencrypted",
        path: ["spec", "storage", "classes", i, "encrypted"],
        message: `storage class ${JSON.stringify(c.name)} is not encrypted; residency-core refuses unencrypted classes`,
        hint: "set encrypted: true (keys come from spec.kms)",
      });
    }
  });

  s.sites.forEach((site, i) => {
    site.egressCidrs.forEach((c, j) => {
      const net = parseCidr(c);
      if (!net) return;
      const v = net.bytes.length === 4 ? 4 : 6;
      if (net.prefix === 0) {
        out.push({
          code: "egress.everything",
          path: ["spec", "sites", i, "egressCidrs", j],
          message: `${c} is every address: egress "only in-country" would allow the whole internet`,
          hint: "list the country's own networks (the datacenter and partner ranges)",
        });
      } else if (net.prefix < WIDEST_EGRESS_PREFIX[v] && !approved.has(c)) {
        out.push({
          code: "egress.too_wide",
          path: ["spec", "sites", i, "egressCidrs", j],
          message: `${c} is wider than /${WIDEST_EGRESS_PREFIX[v]}; no country's own networks are that large`,
          hint: `split it into the networks actually used, or record an approved transfer with destination ${JSON.stringify(c)} in spec.residency.approvedTransfers`,
        });
      }
    });
  });
  return out;
}

/**
 * Profile gaps the stacks cannot build around, reported here with their line so `validate`
 * refuses every profile `synth` would refuse (the stacks keep the same guards).
 */
export function stackChecks(p: CountryProfile): Issue[] {
  const s = p.spec;
  const out: Issue[] = [];
  if (s.serving.models.length === 0) {
    for (const [dc, spec] of Object.entries(s.storage.dataClasses)) {
      if (spec?.retentionDays === undefined) continue;
      out.push({
        code: "storage.purge_image",
        path: ["spec", "storage", "dataClasses", dc, "retentionDays"],
        message: `retention of ${spec.retentionDays} days for ${dc} needs an image to run the purge job, and the profile has no model`,
        hint: "add a model under spec.serving.models (its inference-core image runs the purge), or drop retentionDays",
      });
    }
  }
  const gw = s.serving.gateway;
  if (gw && !isDnsName(gw.hostname)) {
    out.push({
      code: "gateway.hostname",
      path: ["spec", "serving", "gateway", "hostname"],
      message: `${JSON.stringify(gw.hostname)} is not a lowercase DNS name (the route is published under exactly this name; wildcards are not)`,
      hint: "e.g. ai.site1.sovereign.example",
    });
  }
  if (s.serving.models.length > 0 && !s.storage.dataClasses["model-weights"]) {
    out.push({
      code: "serving.weights_class",
      path: ["spec", "storage", "dataClasses"],
      message: "models are served but there is no model-weights data class to cache their weights in",
      hint: "add spec.storage.dataClasses.model-weights with an encrypted in-country storage class",
    });
  }
  return out;
}
