// Writes upstream/keda-<version>.json: the ScaledObject schema and the Prometheus trigger's
// metadata keys the serving chart relies on, read from the pinned KEDA tag.
//
//   node --import tsx scripts/record-upstream-keda.ts <keda git dir>
//
// The argument is a clone (or bare mirror) of github.com/kedacore/keda. Descriptions are dropped:
// the record keeps only structure, which is what the kit's chart test checks.
import { writeFileSync } from "node:fs";
import { fact, git, recordCrd } from "./upstream-record-lib.js";

const [kedaDir] = process.argv.slice(2);
if (!kedaDir) throw new Error("usage: record-upstream-keda.ts <keda git dir>");

const KEDA = "v2.20.2";
const SCALER = "pkg/scalers/prometheus_scaler.go";
/** Metadata keys of the prometheus trigger the chart may set, each checked in the scaler's source. */
const PROMETHEUS_KEYS = ["serverAddress", "query", "threshold", "activationThreshold", "ignoreNullValues", "unsafeSsl"];

const record = {
  component: "keda",
  repository: "https://github.com/kedacore/keda",
  tag: KEDA,
  commit: git(kedaDir, "rev-list", "-n", "1", KEDA).trim(),
  facts: {
    prometheusTriggerType: fact(kedaDir, KEDA, "pkg/scaling/scalers_builder.go", "prometheus", 'case "prometheus":'),
    // Each key must be a declared metadata name of the scaler (`keda:"name=<key>, ...` tag).
    prometheusMetadataKeys: {
      value: PROMETHEUS_KEYS.map((k) => fact(kedaDir, KEDA, SCALER, k, `name=${k},`).value).join(","),
      source: SCALER,
    },
  },
  crds: [recordCrd(kedaDir, KEDA, { file: "config/crd/bases/keda.sh_scaledobjects.yaml", version: "v1alpha1" })],
};
const target = new URL(`../upstream/keda-${KEDA}.json`, import.meta.url);
writeFileSync(target, `${JSON.stringify(record, null, 1)}\n`);
process.stdout.write(`wrote upstream/keda-${KEDA}.json\n`);
