/**
 * Malformed-profile table: each case edits the shipped Thailand profile in one way and names the
 * issue it must produce: code, YAML path, and the line (found by a marker in the edited text).
 */
export interface MalformedCase {
  name: string;
  edit: (yaml: string) => string;
  code: string;
  path: string;
  /** Text whose first occurrence in the edited YAML is on the expected line. */
  lineOf: string;
}

/** Replaces exactly one occurrence; a case whose anchor vanished must fail loudly, not pass vacuously. */
export function once(text: string, from: string, to: string): string {
  const i = text.indexOf(from);
  if (i < 0 || text.indexOf(from, i + 1) >= 0) throw new Error(`anchor not unique: ${from}`);
  return text.slice(0, i) + to + text.slice(i + from.length);
}

const IMG = "registry.bkk1.sovereign.example/ai/inference-core@sha256:";
const SITE = "    - name: bkk1\n      region: th-central\n      zones: [bkk1-a, bkk1-b]\n";
const SECOND_SITE =
  "    - name: cnx1\n      region: th-north\n      zones: [cnx1-a]\n      egressCidrs: [198.51.100.0/24]\n";

export const malformedCases: MalformedCase[] = [
  {
    name: "YAML syntax error (unclosed flow sequence)",
    edit: (y) => once(y, "  frameworks: [TH-PDPA]\n", "  frameworks: [TH-PDPA\n  registry2: x: y\n"),
    code: "yaml.syntax",
    path: "(document)",
    lineOf: "  registry2: x: y",
  },
  {
    name: "duplicate key",
    edit: (y) =>
      once(y, "  displayName: Kingdom of Thailand\n", "  displayName: Kingdom of Thailand\n  country: TH\n"),
    code: "yaml.duplicate_key",
    // The map that holds the duplicate (found in one linear pass, not by the parser).
    path: "spec",
    lineOf: "  country: TH\n  frameworks",
  },
  {
    name: "wrong type: nodes is a word",
    edit: (y) => once(y, "nodes: 4,", "nodes: four,"),
    code: "schema.type",
    path: "spec.gpuPools[0].nodes",
    lineOf: "nodes: four",
  },
  {
    name: "wrong type: encrypted is a string",
    edit: (y) =>
      once(
        y,
        "name: resident-archive, site: bkk1, provisioner: rbd.csi.ceph.com, encrypted: true",
        'name: resident-archive, site: bkk1, provisioner: rbd.csi.ceph.com, encrypted: "yes"',
      ),
    code: "schema.type",
    path: "spec.storage.classes[1].encrypted",
    lineOf: "resident-archive, site",
  },
  {
    name: "wrong type: egressCidrs is a scalar",
    edit: (y) => once(y, "egressCidrs: [192.0.2.0/25]", "egressCidrs: 192.0.2.0/25"),
    code: "schema.type",
    path: "spec.sites[0].egressCidrs",
    lineOf: "egressCidrs: 192",
  },
  {
    name: "unknown key in a site",
    edit: (y) => once(y, SITE, `${SITE}      colour: blue\n`),
    code: "schema.unknown_key",
    path: "spec.sites[0].colour",
    lineOf: "colour: blue",
  },
  {
    name: "misspelt spec key",
    edit: (y) => once(y, "  registry: registry", "  registy: registry"),
    code: "schema.unknown_key",
    path: "spec.registy",
    lineOf: "  registy:",
  },
  {
    name: "missing required displayName",
    edit: (y) => once(y, "  displayName: Kingdom of Thailand\n", ""),
    code: "schema.required",
    path: "spec.displayName",
    lineOf: "  country: TH",
  },
  {
    name: "missing required weights.sha256",
    edit: (y) =>
      once(y, "          sha256: 53e8c707d3d1cf63dbaed23a46eb073296f6f3f3e344b723babb7a1fee6fe003\n", ""),
    code: "schema.required",
    path: "spec.serving.models[0].weights.sha256",
    lineOf: "uri: s3://models/r1-distill-qwen-14b",
  },
  {
    name: "wrong apiVersion",
    edit: (y) => once(y, "apiVersion: sovereign.ai/v1alpha1", "apiVersion: sovereign.ai/v1"),
    code: "schema.enum",
    path: "apiVersion",
    lineOf: "apiVersion:",
  },
  {
    name: "bad enum: pool purpose",
    edit: (y) =>
      once(
        y,
        "nodes: 2, gpusPerNode: 4, sharing: { strategy: time-slicing, replicas: 4 }, purpose: inference",
        "nodes: 2, gpusPerNode: 4, sharing: { strategy: time-slicing, replicas: 4 }, purpose: serving",
      ),
    code: "schema.enum",
    path: "spec.gpuPools[1].purpose",
    lineOf: "purpose: serving",
  },
  {
    name: "empty sites",
    edit: (y) =>
      once(
        y,
        SITE + "      egressCidrs: [192.0.2.0/25]\n      domains: [bkk1.sovereign.example]\n",
        "",
      ).replace("  sites:\n", "  sites: []\n"),
    code: "schema.too_small",
    path: "spec.sites",
    lineOf: "  sites: []",
  },
  {
    name: "duplicate site name",
    edit: (y) =>
      once(
        y,
        "  gpuPools:\n",
        `${SECOND_SITE.replace("cnx1\n", "bkk1\n").replace("cnx1-a", "cnx1-a")}  gpuPools:\n`,
      ),
    code: "unique.name",
    path: "spec.sites[1].name",
    lineOf: "    - name: bkk1\n      region: th-north",
  },
  {
    name: "duplicate GPU pool name",
    edit: (y) => once(y, "name: l40s-shared, site", "name: h100-serve, site"),
    code: "unique.name",
    path: "spec.gpuPools[1].name",
    lineOf: "L40S-48GB",
  },
  {
    name: "duplicate storage class name",
    edit: (y) =>
      once(
        y,
        "name: resident-archive, site: bkk1, provisioner: rbd",
        "name: resident-block, site: bkk1, provisioner: cephfs",
      ),
    code: "unique.name",
    path: "spec.storage.classes[1].name",
    lineOf: "provisioner: cephfs",
  },
  {
    name: "duplicate model name",
    edit: (y) =>
      once(y, "      - name: qwen25-1-5b-instruct\n", "      - name: r1-distill-qwen-14b # copied\n"),
    code: "unique.name",
    path: "spec.serving.models[1].name",
    lineOf: "# copied",
  },
  {
    name: "zone declared by two sites",
    edit: (y) =>
      once(y, "  gpuPools:\n", `${SECOND_SITE.replace("[cnx1-a]", "[cnx1-a, bkk1-b]")}  gpuPools:\n`),
    code: "unique.zone",
    path: "spec.sites[1].zones[1]",
    lineOf: "[cnx1-a, bkk1-b]",
  },
  {
    name: "dangling site in a GPU pool",
    edit: (y) => once(y, "name: h100-train, site: bkk1", "name: h100-train, site: bkk9"),
    code: "ref.site",
    path: "spec.gpuPools[2].site",
    lineOf: "site: bkk9",
  },
  {
    name: "dangling site in a storage class",
    edit: (y) => once(y, "name: resident-archive, site: bkk1", "name: resident-archive, site: hkt1"),
    code: "ref.site",
    path: "spec.storage.classes[1].site",
    lineOf: "site: hkt1",
  },
  {
    name: "dangling storage class in a data class",
    edit: (y) => once(y, "storageClass: resident-archive", "storageClass: offsite-tape"),
    code: "ref.storageClass",
    path: "spec.storage.dataClasses.backups.storageClass",
    lineOf: "offsite-tape",
  },
  {
    name: "dangling pool in a model",
    edit: (y) => once(y, "        pool: l40s-shared\n", "        pool: a100-serve\n"),
    code: "ref.pool",
    path: "spec.serving.models[1].pool",
    lineOf: "pool: a100-serve",
  },
  {
    name: "model on a training pool",
    edit: (y) => once(y, "        pool: l40s-shared\n", "        pool: h100-train\n"),
    code: "ref.pool_purpose",
    path: "spec.serving.models[1].pool",
    lineOf: "        pool: h100-train",
  },
  {
    name: "invalid CIDR prefix",
    edit: (y) => once(y, "egressCidrs: [192.0.2.0/25]", "egressCidrs: [192.0.2.0/33]"),
    code: "cidr.invalid",
    path: "spec.sites[0].egressCidrs[0]",
    lineOf: "192.0.2.0/33",
  },
  {
    name: "CIDR that is not an address",
    edit: (y) => once(y, "egressCidrs: [192.0.2.0/25]", "egressCidrs: [192.0.2.0/25, intranet]"),
    code: "cidr.invalid",
    path: "spec.sites[0].egressCidrs[1]",
    lineOf: "intranet",
  },
  {
    name: "tag-only image",
    edit: (y) =>
      once(
        y,
        `image: ${IMG}f3774b79c06adefe042156b78c5ccd9a2575e31b08765c6ffb642997262a735c\n        weights:\n          uri: s3://models/r1`,
        "image: registry.bkk1.sovereign.example/ai/inference-core:1.4\n        weights:\n          uri: s3://models/r1",
      ),
    code: "image.not_pinned",
    path: "spec.serving.models[0].image",
    lineOf: "inference-core:1.4",
  },
  {
    name: "image from another registry",
    edit: (y) =>
      once(
        y,
        `image: ${IMG}f3774b79c06adefe042156b78c5ccd9a2575e31b08765c6ffb642997262a735c\n        weights:\n          uri: s3://models/q`,
        `image: docker.io/library/inference-core@sha256:${"a".repeat(64)}\n        weights:\n          uri: s3://models/q`,
      ),
    code: "image.registry",
    path: "spec.serving.models[1].image",
    lineOf: "docker.io",
  },
  {
    name: "bad image digest",
    edit: (y) =>
      once(
        y,
        "nvidia/driver@sha256:cb040b6279251be75f4aaa03ae625669151cc10c3fe14dc4dfd1a11b604f182a",
        "nvidia/driver@sha256:cb040b62",
      ),
    code: "image.bad_digest",
    path: "spec.gpuOperator.images.driver",
    lineOf: "nvidia/driver@",
  },
  {
    name: "weights sha256 too short",
    edit: (y) =>
      once(y, "sha256: 53e8c707d3d1cf63dbaed23a46eb073296f6f3f3e344b723babb7a1fee6fe003", "sha256: 53e8c707"),
    code: "schema.invalid_format",
    path: "spec.serving.models[0].weights.sha256",
    lineOf: "sha256: 53e8c707\n",
  },
  {
    name: "tensorParallel does not divide heads",
    edit: (y) => once(y, "        tensorParallel: 2\n", "        tensorParallel: 3\n"),
    code: "tp.heads",
    path: "spec.serving.models[0].tensorParallel",
    lineOf: "tensorParallel: 3",
  },
  {
    name: "tensorParallel greater than gpusPerNode",
    edit: (y) =>
      once(
        y,
        "        pool: l40s-shared\n        tensorParallel: 1\n",
        "        pool: l40s-shared\n        tensorParallel: 6\n",
      ),
    code: "tp.gpusPerNode",
    path: "spec.serving.models[1].tensorParallel",
    lineOf: "tensorParallel: 6",
  },
  {
    name: "replicas min greater than max",
    edit: (y) => once(y, "replicas: { min: 2, max: 6 }", "replicas: { min: 7, max: 6 }"),
    code: "replicas.range",
    path: "spec.serving.models[0].replicas.min",
    lineOf: "min: 7",
  },
  {
    name: "invalid quantity",
    edit: (y) => once(y, "size: 2Ti", "size: 2TB"),
    code: "schema.custom",
    path: "spec.storage.dataClasses.model-weights.size",
    lineOf: "size: 2TB",
  },
  {
    name: "country code not assigned by ISO 3166-1",
    edit: (y) => once(once(y, "  country: TH", "  country: XX"), "  name: th", "  name: xx"),
    code: "country.iso",
    path: "spec.country",
    lineOf: "  country: XX",
  },
  {
    name: "metadata.name does not match spec.country",
    edit: (y) => once(y, "  name: th\n", "  name: kr\n"),
    code: "country.mismatch",
    path: "spec.country",
    lineOf: "  country: TH",
  },
  {
    name: "metadata.name upper case",
    edit: (y) => once(y, "  name: th\n", "  name: TH\n"),
    code: "schema.invalid_format",
    path: "metadata.name",
    lineOf: "  name: TH",
  },
  {
    name: "mig sharing without a profile",
    edit: (y) => once(y, "sharing: { strategy: time-slicing, replicas: 4 }", "sharing: { strategy: mig }"),
    code: "sharing.mig_profile",
    path: "spec.gpuPools[1].sharing",
    lineOf: "strategy: mig",
  },
  {
    name: "KMS over plain http",
    edit: (y) => once(y, "endpoint: https://kms.bkk1", "endpoint: http://kms.bkk1"),
    code: "schema.invalid_format",
    path: "spec.kms.endpoint",
    lineOf: "http://kms",
  },
  {
    name: "weights hosted outside the country",
    edit: (y) =>
      once(
        y,
        "uri: s3://models/r1-distill-qwen-14b\n          endpoint: https://s3.bkk1.sovereign.example",
        "uri: s3://models/r1-distill-qwen-14b\n          endpoint: https://s3.example.com",
      ),
    code: "host.out_of_country",
    path: "spec.serving.models[0].weights.endpoint",
    lineOf: "s3.example.com",
  },
  {
    name: "weights endpoint over plain http",
    edit: (y) =>
      once(
        y,
        "uri: s3://models/r1-distill-qwen-14b\n          endpoint: https://s3.bkk1.sovereign.example",
        "uri: s3://models/r1-distill-qwen-14b\n          endpoint: http://s3.bkk1.sovereign.example",
      ),
    code: "schema.invalid_format",
    path: "spec.serving.models[0].weights.endpoint",
    lineOf: "http://s3.bkk1",
  },
  {
    name: "weights bucket that is not an S3 bucket name",
    edit: (y) => once(y, "uri: s3://models/r1-distill-qwen-14b", "uri: s3://Models_Bucket/r1-distill-qwen-14b"),
    code: "weights.bucket",
    path: "spec.serving.models[0].weights.uri",
    lineOf: "Models_Bucket",
  },
  {
    name: "image modality without its encoder",
    edit: (y) => once(y, "replicas: { min: 2, max: 6 }\n        modalities: [text]", "replicas: { min: 2, max: 6 }\n        modalities: [text, image]"),
    code: "modality.encoder",
    path: "spec.serving.models[0].modalities",
    lineOf: "modalities: [text, image]",
  },
  {
    name: "log retention beyond the legal limit",
    edit: (y) => once(y, "size: 500Gi, retentionDays: 30", "size: 500Gi, retentionDays: 400"),
    code: "retention.exceeds_limit",
    path: "spec.storage.dataClasses.interaction-logs.retentionDays",
    lineOf: "retentionDays: 400",
  },
  {
    name: "unknown state backend type",
    edit: (y) =>
      once(
        y,
        "    type: kubernetes\n    namespace: sovereign-state\n",
        "    type: consul\n    namespace: sovereign-state\n",
      ),
    code: "schema.union",
    path: "spec.stateBackend.type",
    lineOf: "type: consul",
  },
  {
    name: "ceph-csi class without a pool",
    edit: (y) => once(y, "pool: sovereign-archive, ", ""),
    code: "storage.ceph",
    path: "spec.storage.classes[1].ceph",
    lineOf: "resident-archive, site",
  },
  {
    name: "GPU Operator without a driver manager image",
    edit: (y) => y.replace(/\n {6}driverManager: [^\n]+/, ""),
    code: "gpu_operator.image_missing",
    path: "spec.gpuOperator.images",
    lineOf: "      operator: registry",
  },
  {
    name: "model served at a site where model-weights has no class",
    edit: (y) =>
      once(
        once(y, "  gpuPools:\n", `${SECOND_SITE}  gpuPools:\n`),
        "name: h100-serve, site: bkk1,",
        "name: h100-serve, site: cnx1,",
      ),
    code: "storage.weights_site",
    path: "spec.serving.models[0].pool",
    lineOf: "        pool: h100-serve",
  },
  {
    name: "data class placed at an undeclared site",
    edit: (y) =>
      once(
        y,
        "model-weights:    { storageClass: resident-block, size: 2Ti }",
        "model-weights:    { storageClass: resident-block, size: 2Ti, sites: { cnx9: { storageClass: resident-block } } }",
      ),
    code: "ref.site",
    path: "spec.storage.dataClasses.model-weights.sites.cnx9",
    lineOf: "cnx9",
  },
  {
    name: "API server address that is not a CIDR",
    edit: (y) => once(y, "cidrs: [203.0.113.10/32]", "cidrs: [203.0.113.300/32]"),
    code: "cidr.invalid",
    path: "spec.cluster.apiServer.cidrs[0]",
    lineOf: "203.0.113.300",
  },
  {
    name: "GPU pool in a zone its site does not have",
    edit: (y) => once(y, "name: h100-serve, site: bkk1,", "name: h100-serve, site: bkk1, zones: [cnx1-a],"),
    code: "ref.zone",
    path: "spec.gpuPools[0].zones[0]",
    lineOf: "zones: [cnx1-a],",
  },
];
