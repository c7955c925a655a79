import { existsSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { ExitCode, parseYamlSource, UsageError, writeFileAtomic } from "@sovereign/diagnostics";
import { ISO_3166_ALPHA2, validateProfileSource } from "@sovereign/profile";
import { type Command, parseCommandArgs } from "../context.js";
import { warnUncitedFrameworks } from "../residency.js";

const ZERO = "0".repeat(64);

/**
 * Profile template for a new country. It validates as written; every value an integrator must
 * replace carries a `# CHANGE:` comment. Placeholders use reserved names (RFC 2606 / RFC 5737).
 */
export function profileTemplate(cc: string): string {
  const CC = cc.toUpperCase();
  const name = new Intl.DisplayNames(["en"], { type: "region" }).of(CC) ?? CC;
  const site = `${cc}dc1`;
  const reg = `registry.${site}.sovereign.example/ai`;
  return `# yaml-language-server: $schema=../../packages/profile/country-profile.schema.json
# New country profile for ${name}, written by \`sovereign init ${cc}\`.
# It validates as written. Replace every value marked CHANGE before a real deployment:
# hosts use the reserved .example domain and networks the RFC 5737 documentation range.
apiVersion: sovereign.ai/v1alpha1
kind: CountryProfile
metadata:
  name: ${cc}
spec:
  country: ${CC}
  displayName: ${name}
  frameworks: [${CC}-DATA-PROTECTION] # CHANGE: the data-protection laws that apply, e.g. TH-PDPA
  registry: ${reg} # CHANGE: your in-country registry mirror
  kms:
    endpoint: https://kms.${site}.sovereign.example # CHANGE: in-country KMS
    keyRef: ${cc}-ai-root # CHANGE: root key name in that KMS
  stateBackend:
    type: kubernetes # kubernetes | pg | s3 | local (local is for demos only)
    namespace: sovereign-state
  sites:
    - name: ${site} # CHANGE: datacenter name
      region: ${cc}-central # CHANGE
      zones: [${site}-a, ${site}-b] # CHANGE: topology.kubernetes.io/zone values of the site's nodes
      egressCidrs: [192.0.2.0/24] # CHANGE: in-country networks workloads may reach
      domains: [${site}.sovereign.example] # CHANGE: in-country DNS suffixes
  gpuPools:
    - name: serve # GPU pool for inference
      site: ${site}
      gpu: H100-SXM5-80GB # CHANGE: your GPU model (keys kernel-gate baselines)
      nodes: 2 # CHANGE
      gpusPerNode: 8
      sharing: { strategy: none }
      purpose: inference
    - name: train
      site: ${site}
      gpu: H100-SXM5-80GB # CHANGE
      nodes: 4 # CHANGE
      gpusPerNode: 8
      sharing: { strategy: none }
      purpose: training
  storage:
    classes:
      - name: resident-block
        site: ${site}
        provisioner: rbd.csi.ceph.com # CHANGE: your CSI driver
        encrypted: true
        # CHANGE: ceph-csi cluster id, pool, credentials Secret and KMS config entry of your cluster
        ceph: { clusterID: ${site}-ceph, pool: sovereign-rbd, secretName: csi-rbd-secret, secretNamespace: ceph-csi-rbd, kmsID: ${site}-kms }
      # A shared file system (ReadWriteMany): every serving replica writes its interaction logs here,
      # from whichever node it runs on. A block class would attach to one node only.
      - name: resident-shared
        site: ${site}
        provisioner: cephfs.csi.ceph.com # CHANGE: your shared file-system CSI driver
        encrypted: true
        # CHANGE: ceph-csi cluster id, CephFS name, credentials Secret and KMS config entry of your cluster
        ceph: { clusterID: ${site}-ceph, fsName: sovereign-fs, secretName: csi-cephfs-secret, secretNamespace: ceph-csi-cephfs, kmsID: ${site}-kms }
    dataClasses:
      model-weights: { storageClass: resident-block, size: 1Ti }
      training-data: { storageClass: resident-block, size: 10Ti }
      interaction-logs: { storageClass: resident-shared, size: 200Gi, retentionDays: 30 } # CHANGE: legal retention
      checkpoints: { storageClass: resident-block, size: 5Ti, retentionDays: 90 }
      backups: { storageClass: resident-block, size: 10Ti, retentionDays: 365 }
  serving:
    models:
      - name: qwen25-1-5b-instruct # Qwen2.5-1.5B-Instruct, published architecture
        image: ${reg}/inference-core@sha256:${ZERO} # CHANGE: digest of your mirrored image
        weights:
          uri: s3://models/qwen25-1-5b-instruct # CHANGE: s3://<bucket>/<prefix>
          endpoint: https://s3.${site}.sovereign.example # CHANGE: your in-country S3-compatible endpoint
          sha256: "${ZERO}" # CHANGE: from \`sovereign weights manifest DIR\` (quoted: an all-digit hex would read as a number)
        architecture:
          { hiddenSize: 1536, layers: 28, heads: 12, kvHeads: 2, intermediateSize: 8960, vocabSize: 151936, maxContext: 32768, attentionBias: true, tiedEmbeddings: true }
        pool: serve
        tensorParallel: 1
        replicas: { min: 1, max: 2 }
        modalities: [text]
  residency:
    logRetentionLimitDays: 90 # CHANGE: the legal maximum
    approvedTransfers: []
  policies: [residency-core]
`;
}

export const initCommand: Command = {
  name: "init",
  summary: "write a new country profile that validates and marks what to change",
  usage: "sovereign init <cc> [--out <file>] [--force]",
  async run(ctx, argv) {
    const { values, positionals } = parseCommandArgs(
      "init",
      argv,
      { out: { type: "string" }, force: { type: "boolean", default: false }, format: { type: "string" } },
      true,
    );
    const cc = positionals[0];
    if (!cc || positionals.length > 1)
      throw new UsageError("init takes exactly one country code", "e.g. sovereign init id");
    if (!/^[a-z]{2}$/.test(cc) || !ISO_3166_ALPHA2.has(cc.toUpperCase())) {
      throw new UsageError(
        `${JSON.stringify(cc)} is not a lowercase ISO 3166-1 alpha-2 country code`,
        "e.g. `id` for Indonesia, `ke` for Kenya",
      );
    }
    const defaultDir = join(ctx.cwd, "stacks", "countries");
    const out = values.out
      ? resolve(ctx.cwd, values.out)
      : join(existsSync(defaultDir) ? defaultDir : ctx.cwd, `${cc}.yaml`);
    if (existsSync(out) && !values.force) {
      throw new UsageError(
        `${relative(ctx.cwd, out)} already exists`,
        "pass --force to overwrite or --out <file>",
      );
    }
    const text = profileTemplate(cc);
    const source = parseYamlSource(text, relative(ctx.cwd, out) || out);
    // The template must validate as written; a failure here is a bug.
    const profile = validateProfileSource(source);
    writeFileAtomic(out, text);
    warnUncitedFrameworks(ctx, profile, source);
    ctx.stdout(
      `wrote ${relative(ctx.cwd, out)}: edit the lines marked CHANGE, then run \`sovereign validate --profile ${relative(ctx.cwd, out)}\`\n`,
    );
    return ExitCode.Ok;
  },
};
