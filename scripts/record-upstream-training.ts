// Writes upstream/{kueue,jobset}-<version>.json: the schema facts of the CRDs
// and the chart values keys the training stack relies on, read from the pinned upstream tags.
//
//   node --import tsx scripts/record-upstream-training.ts <kueue git dir> <jobset git dir>
//
// Each argument is a clone (or bare mirror) of github.com/kubernetes-sigs/kueue and .../jobset.
// Descriptions and CEL validation rules are dropped: the record keeps only structure (types,
// properties, required fields, enums, bounds, patterns), which is what the kit's test checks.
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { parse } from "yaml";

type Schema = Record<string, unknown>;

const git = (dir: string, ...args: string[]) =>
  execFileSync("git", ["--git-dir", dir, ...args], { encoding: "utf8", maxBuffer: 64 << 20 });

const KEEP = new Set([
  "type",
  "properties",
  "items",
  "required",
  "enum",
  "minimum",
  "maximum",
  "minLength",
  "maxLength",
  "minItems",
  "maxItems",
  "pattern",
  "format",
  "additionalProperties",
  "x-kubernetes-int-or-string",
  "x-kubernetes-preserve-unknown-fields",
  "anyOf",
]);

function prune(s: Schema, cut: (path: string[]) => Schema | undefined, path: string[] = []): Schema {
  const replaced = cut(path);
  if (replaced) return replaced;
  const out: Schema = {};
  for (const [k, v] of Object.entries(s)) {
    if (!KEEP.has(k)) continue;
    if (k === "properties") {
      out[k] = Object.fromEntries(
        Object.entries(v as Record<string, Schema>).map(([p, sub]) => [p, prune(sub, cut, [...path, p])]),
      );
    } else if (k === "items" || (k === "additionalProperties" && typeof v === "object")) {
      out[k] = prune(v as Schema, cut, [...path, k === "items" ? "[]" : "{}"]);
    } else if (k === "anyOf") {
      out[k] = (v as Schema[]).map((x) => prune(x, cut, path));
    } else out[k] = v;
  }
  return out;
}

interface CrdSpec {
  file: string;
  version: string;
  /** Subtrees replaced by a marker, keyed by dotted path. */
  embedded?: Record<string, string>;
}

function recordCrd(dir: string, tag: string, c: CrdSpec) {
  const crd = parse(git(dir, "show", `${tag}:${c.file}`)) as {
    spec: {
      group: string;
      names: { kind: string; plural: string };
      scope: string;
      versions: { name: string; served: boolean; storage: boolean; schema: { openAPIV3Schema: Schema } }[];
    };
  };
  const v = crd.spec.versions.find((x) => x.name === c.version);
  if (!v) throw new Error(`${c.file}@${tag} has no version ${c.version}`);
  const cut = (path: string[]): Schema | undefined => {
    const key = path.join(".");
    const emb = c.embedded?.[key];
    return emb ? { type: "object", "x-sovereign-embedded": emb } : undefined;
  };
  const root = v.schema.openAPIV3Schema as { properties: Record<string, Schema> };
  const { status: _status, ...props } = root.properties;
  return {
    kind: crd.spec.names.kind,
    group: crd.spec.group,
    version: c.version,
    plural: crd.spec.names.plural,
    scope: crd.spec.scope,
    served: v.served,
    storage: v.storage,
    servedVersions: crd.spec.versions.filter((x) => x.served).map((x) => x.name),
    source: { path: c.file, blob: git(dir, "rev-parse", `${tag}:${c.file}`).trim() },
    schema: prune({ ...root, properties: props }, cut),
  };
}

/** Every dotted key path of a values file (maps only; lists and scalars are leaves). */
function valueKeys(values: unknown, prefix = ""): string[] {
  if (values === null || typeof values !== "object" || Array.isArray(values)) return [prefix];
  const entries = Object.entries(values as Record<string, unknown>);
  if (entries.length === 0) return [prefix];
  return entries.flatMap(([k, v]) => valueKeys(v, prefix ? `${prefix}.${k}` : k));
}

function recordChart(dir: string, tag: string, chartDir: string) {
  const chart = parse(git(dir, "show", `${tag}:${chartDir}/Chart.yaml`)) as Record<string, string>;
  const valuesPath = `${chartDir}/values.yaml`;
  return {
    name: chart.name,
    version: chart.version,
    appVersion: chart.appVersion ?? null,
    values: { path: valuesPath, blob: git(dir, "rev-parse", `${tag}:${valuesPath}`).trim() },
    valueKeys: valueKeys(parse(git(dir, "show", `${tag}:${valuesPath}`))).sort(),
  };
}

/**
 * A fact the kit relies on that is not in a schema: the value, and the file it was read from. The
 * value must appear in that file at the tag (a typo or an upstream change stops the script).
 */
function fact(dir: string, tag: string, path: string, value: string | number, needle = String(value)) {
  if (!git(dir, "show", `${tag}:${path}`).includes(needle)) {
    throw new Error(`${path}@${tag} does not contain ${JSON.stringify(needle)}`);
  }
  return { value, source: path };
}

const [kueueDir, jobsetDir] = process.argv.slice(2);
if (!kueueDir || !jobsetDir) throw new Error("usage: record-upstream-training.ts <kueue git dir> <jobset git dir>");

const KUEUE = "v0.19.2";
const JOBSET = "v0.12.0";
const base = "config/components/crd/bases";
const records = {
  [`kueue-${KUEUE}`]: {
    component: "kueue",
    repository: "https://github.com/kubernetes-sigs/kueue",
    tag: KUEUE,
    commit: git(kueueDir, "rev-list", "-n", "1", KUEUE).trim(),
    chart: recordChart(kueueDir, KUEUE, "charts/kueue"),
    facts: {
      queueNameLabel: fact(kueueDir, KUEUE, "pkg/controller/constants/constants.go", "kueue.x-k8s.io/queue-name"),
      configApiVersion: fact(kueueDir, KUEUE, "charts/kueue/values.yaml", "config.kueue.x-k8s.io/v1beta2"),
      jobsetFramework: fact(kueueDir, KUEUE, "charts/kueue/values.yaml", "jobset.x-k8s.io/jobset"),
      webhookPort: fact(kueueDir, KUEUE, "charts/kueue/templates/manager/manager.yaml", 9443),
      visibilityPort: fact(kueueDir, KUEUE, "charts/kueue/templates/manager/manager.yaml", 8082),
      fairSharingPreemptionStrategies: fact(
        kueueDir,
        KUEUE,
        "apis/config/v1beta2/configuration_types.go",
        "LessThanOrEqualToFinalShare,LessThanInitialShare",
        'LessThanInitialShare        PreemptionStrategy = "LessThanInitialShare"',
      ),
      managerConfigDefaults: fact(
        kueueDir,
        KUEUE,
        "charts/kueue/values.yaml",
        "health.healthProbeBindAddress=:8081,metrics.bindAddress=:8443,webhook.port=9443,leaderElection.leaderElect=true,leaderElection.resourceName=c1f6bfd2.kueue.x-k8s.io",
        "resourceName: c1f6bfd2.kueue.x-k8s.io",
      ),
      configKeys: fact(
        kueueDir,
        KUEUE,
        "apis/config/v1beta2/configuration_types.go",
        "waitForPodsReady.timeout,waitForPodsReady.blockAdmission,waitForPodsReady.recoveryTimeout,fairSharing.preemptionStrategies",
        'json:"recoveryTimeout,omitempty"',
      ),
    },
    crds: ["resourceflavors", "clusterqueues", "localqueues"].map((p) =>
      recordCrd(kueueDir, KUEUE, { file: `${base}/kueue.x-k8s.io_${p}.yaml`, version: "v1beta2" }),
    ),
  },
  [`jobset-${JOBSET}`]: {
    component: "jobset",
    repository: "https://github.com/kubernetes-sigs/jobset",
    tag: JOBSET,
    commit: git(jobsetDir, "rev-list", "-n", "1", JOBSET).trim(),
    chart: recordChart(jobsetDir, JOBSET, "charts/jobset"),
    facts: {
      webhookPort: fact(jobsetDir, JOBSET, "charts/jobset/templates/controller/deployment.yaml", 9443),
      completedCondition: fact(jobsetDir, JOBSET, "api/jobset/v1alpha2/jobset_types.go", "Completed"),
      terminalStateField: fact(
        jobsetDir,
        JOBSET,
        "config/components/crd/bases/jobset.x-k8s.io_jobsets.yaml",
        "status.terminalState",
        "terminalState tracks the state of the JobSet when it finishes execution",
      ),
      jobIndexLabel: fact(jobsetDir, JOBSET, "api/jobset/v1alpha2/jobset_types.go", "jobset.sigs.k8s.io/job-index"),
      // The CRD's own words: one dependsOn item, not on the first replicated job, not with startupPolicy.
      dependsOnMaxItems: fact(jobsetDir, JOBSET, "config/components/crd/bases/jobset.x-k8s.io_jobsets.yaml", 1, "only a single item is supported"),
      subdomainDefaultsToJobSetName: fact(jobsetDir, JOBSET, "pkg/controllers/jobset_controller.go", "true", "with default of <jobSetName>"),
    },
    crds: [
      recordCrd(jobsetDir, JOBSET, {
        file: `${base}/jobset.x-k8s.io_jobsets.yaml`,
        version: "v1alpha2",
        // The Job template is batch/v1 JobTemplateSpec: validated against the core Kubernetes schema.
        embedded: { "spec.replicatedJobs.[].template": "batch/v1 JobTemplateSpec" },
      }),
    ],
  },
};
for (const [name, rec] of Object.entries(records)) {
  const target = new URL(`../upstream/${name}.json`, import.meta.url);
  writeFileSync(target, `${JSON.stringify(rec, null, 1)}\n`);
  process.stdout.write(`wrote upstream/${name}.json\n`);
}
