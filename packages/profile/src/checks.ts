import type { DocPath, Issue } from "@sovereign/diagnostics";
import { ISO_3166_ALPHA2 } from "./iso3166.js";
import { hostInCountry, inCountryDomains, isDnsName, parseCidr, uriHost } from "./net.js";
import { shippedPackNames } from "./root.js";
import { checkCluster, checkGpuOperatorImages, checkPlacements, checkPoolZones, checkStorageBackends } from "./site-checks.js";
import type { CountryProfile } from "./schema.js";
import { checkTraining } from "./training.js";
import { checkWeightsLocation } from "./weights-location.js";

const DIGEST_REF = /^(?<repo>[^@\s]+)@sha256:(?<hex>[^\s]*)$/;


function list(names: readonly string[]): string {
  return names.length === 0 ? "(none declared)" : names.map((n) => JSON.stringify(n)).join(", ");
}

/**
 * Checks an image reference against the registry rule: `<registry>/...@sha256:<64 hex>`.
 * Exported because the policy and bundle packages apply the same rule to other images.
 */
export function checkImageRef(image: string, registry: string, path: DocPath): Issue[] {
  const m = DIGEST_REF.exec(image);
  const prefix = `${registry.replace(/\/$/, "")}/`;
  const out: Issue[] = [];
  if (!image.startsWith(prefix)) {
    out.push({
      code: "image.registry",
      path,
      message: `image ${JSON.stringify(image)} is not from the in-country registry ${JSON.stringify(registry)}`,
      hint: `mirror it and reference it as ${prefix}<name>@sha256:<digest>`,
    });
  }
  if (!m) {
    out.push({
      code: "image.not_pinned",
      path,
      message: `image ${JSON.stringify(image)} is not pinned by digest (tags can be moved)`,
      hint: "append @sha256:<64 hex> (e.g. from `crane digest <ref>` or `skopeo inspect`)",
    });
  } else if (!/^[0-9a-f]{64}$/.test(m.groups!.hex!)) {
    out.push({
      code: "image.bad_digest",
      path,
      message: `image digest ${JSON.stringify(`sha256:${m.groups!.hex}`)} is not 64 lowercase hex characters`,
      hint: "copy the full sha256 digest of the mirrored image",
    });
  }
  return out;
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

  out.push(...residencyChecks(p), ...stackChecks(p));

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
    out.push(...modalityIssues(m, mp));
    out.push(...checkWeightsLocation(m.weights, [...mp, "weights", "uri"]));
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

/** Every non-text modality has its encoder, no encoder is declared for an unused modality. */
function modalityIssues(m: CountryProfile["spec"]["serving"]["models"][number], mp: DocPath): Issue[] {
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

function divisors(n: number): number[] {
  const d: number[] = [];
  for (let i = 1; i <= Math.min(n, 16); i++) if (n % i === 0) d.push(i);
  return d;
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
    const host = uriHost(value);
    if (hostInCountry(host, { domains, cidrs })) return;
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
