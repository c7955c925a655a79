// Writes upstream/{kueue,jobset}-<version>.json: the schema facts of the CRDs
// and the chart values keys the training stack relies on, read from the pinned upstream tags.
//
//   node --import tsx scripts/record-upstream-training.ts <kueue git dir> <jobset git dir>
//
// Each argument is a clone (or bare mirror) of github.com/kubernetes-sigs/kueue and .../jobset.
// Descriptions and CEL validation rules are dropped: the record keeps only structure (types,
// properties, required fields, enums, bounds, patterns), which is what the kit's test checks.
import { writeFileSync } from "node:fs";
import { fact, git, recordChart, recordCrd } from "./upstream-record-lib.js";

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
