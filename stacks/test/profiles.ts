import { parseProfile } from "@sovereign/profile";

const d = (n: number) => n.toString(16).padStart(2, "0").repeat(32);

/**
 * A country the kit does not ship, written here so the stacks are proven on a profile nobody
 * tuned them for: a demo (local state, allowed only for demos by residency-core), two sites, a MIG pool with a power cap, no gateway.
 */
export const NEW_PROFILE_YAML = `
apiVersion: sovereign.ai/v1alpha1
kind: CountryProfile
metadata: { name: ke, labels: { sovereign.ai/demo: "true" } }
spec:
  country: KE
  displayName: Republic of Kenya
  frameworks: [KE-DPA]
  registry: registry.nbo1.sovereign.example/kit
  kms: { endpoint: https://kms.nbo1.sovereign.example, keyRef: ke-root }
  stateBackend: { type: local }
  sites:
    - { name: nbo1, region: ke-nairobi, zones: [nbo1-a, nbo1-b], egressCidrs: [192.0.2.0/26], domains: [nbo1.sovereign.example] }
    - { name: mba1, region: ke-coast, zones: [mba1-a], egressCidrs: [192.0.2.64/26], domains: [mba1.sovereign.example] }
  gpuPools:
    - { name: a100-mig, site: nbo1, gpu: A100-SXM4-80GB, nodes: 2, gpusPerNode: 8, sharing: { strategy: mig, migProfile: all-1g.10gb }, purpose: inference, powerLimitWatts: 300 }
    - { name: train, site: mba1, gpu: H100-SXM5-80GB, nodes: 1, gpusPerNode: 8, sharing: { strategy: none }, purpose: training }
  gpuOperator:
    chartVersion: v25.3.0
    images:
      operator: registry.nbo1.sovereign.example/kit/nvidia/gpu-operator@sha256:${d(1)}
      driver: registry.nbo1.sovereign.example/kit/nvidia/driver@sha256:${d(2)}
      dcgmExporter: registry.nbo1.sovereign.example/kit/nvidia/dcgm-exporter@sha256:${d(3)}
      driverManager: registry.nbo1.sovereign.example/kit/nvidia/k8s-driver-manager@sha256:${d(6)}
      toolkit: registry.nbo1.sovereign.example/kit/nvidia/container-toolkit@sha256:${d(7)}
      devicePlugin: registry.nbo1.sovereign.example/kit/nvidia/k8s-device-plugin@sha256:${d(8)}
      gpuFeatureDiscovery: registry.nbo1.sovereign.example/kit/nvidia/gpu-feature-discovery@sha256:${d(9)}
      validator: registry.nbo1.sovereign.example/kit/nvidia/gpu-operator-validator@sha256:${d(10)}
      nodeFeatureDiscovery: registry.nbo1.sovereign.example/kit/nfd/node-feature-discovery@sha256:${d(11)}
      migManager: registry.nbo1.sovereign.example/kit/nvidia/k8s-mig-manager@sha256:${d(12)}
  storage:
    classes:
      - { name: nbo1-block, site: nbo1, provisioner: rbd.csi.ceph.com, encrypted: true, ceph: { clusterID: nbo1-ceph, pool: kit-rbd, secretName: csi-rbd, secretNamespace: ceph-csi, kmsID: ke-root } }
      - { name: mba1-block, site: mba1, provisioner: csi.vendor.example, encrypted: true, parameters: { pool: fast, csi.storage.k8s.io/provisioner-secret-name: csi-creds } }
      - { name: nbo1-shared, site: nbo1, provisioner: cephfs.csi.ceph.com, encrypted: true, ceph: { clusterID: nbo1-ceph, fsName: kit-fs, secretName: csi-cephfs, secretNamespace: ceph-csi, kmsID: ke-root } }
    dataClasses:
      model-weights: { storageClass: nbo1-block, size: 1Ti }
      interaction-logs: { storageClass: nbo1-shared, size: 100Gi, retentionDays: 14 }
      training-data: { storageClass: mba1-block, size: 5Ti }
      backups: { storageClass: mba1-block, size: 8Ti, retentionDays: 180 }
  serving:
    models:
      - name: small-chat
        image: registry.nbo1.sovereign.example/kit/inference-core@sha256:${d(4)}
        weights: { uri: s3://weights.nbo1.sovereign.example/small-chat, sha256: "${d(5)}" }
        architecture: { hiddenSize: 2048, layers: 24, heads: 16, kvHeads: 4, intermediateSize: 5632, vocabSize: 32000, maxContext: 8192 }
        pool: a100-mig
        tensorParallel: 1
        replicas: { min: 2, max: 4 }
        modalities: [text]
  residency: { logRetentionLimitDays: 30 }
  policies: [residency-core]
`;

export function newProfile() {
  return parseProfile(NEW_PROFILE_YAML, "ke.yaml");
}
