/**
 * The stacks set nothing upstream does not take: every GPU Operator chart value, ceph-csi
 * parameter and Terraform provider argument the synthesized stacks use is in the upstream record
 * of the pinned version (`upstream/*.json`, read from that version's source), and what the chart
 * and the operator build from the kit's values is what the kit means (issue 10, items 2, 3, 6, 8).
 */
import { join } from "node:path";
import { GPU_POOL_LABEL, jobFromV1Body, operandTolerations, poolTaints } from "@sovereign/constructs";
import type { CountryProfile } from "@sovereign/profile";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { collectTerraform, synthesizeCountry } from "../index.js";
import { cleanup, SHIPPED, shipped, tempDir } from "./helpers.js";
import { newProfile } from "./profiles.js";
import { GPU_OPERATOR_RECORD, gpuOperatorImages, upstreamRecord, valuePaths } from "./upstream.js";

type Json = Record<string, any>;
const gpuRecord = upstreamRecord(GPU_OPERATOR_RECORD);
const k8sRecord = upstreamRecord("terraform-provider-kubernetes-v2.38.0.json");
const helmRecord = upstreamRecord("terraform-provider-helm-v3.1.1.json");
const cephRecord = upstreamRecord("ceph-csi-v3.12.2.json");

/** Key paths of a Terraform JSON body, list indices dropped, string maps as one leaf. */
function keyPaths(v: unknown, prefix = ""): string[] {
  if (Array.isArray(v)) return [...new Set(v.flatMap((x) => keyPaths(x, prefix)))];
  if (v === null || typeof v !== "object" || /(labels|annotations|requests|limits)$/.test(prefix))
    return prefix ? [prefix] : [];
  return Object.entries(v).flatMap(([k, x]) => (k === "//" ? [] : keyPaths(x, prefix ? `${prefix}.${k}` : k)));
}

/**
 * Kubernetes toleration semantics (https://kubernetes.io/docs/concepts/scheduling-eviction/taint-and-toleration/):
 * keys match (an empty key with Exists matches all), Exists matches any value, Equal needs the
 * same value, and an empty effect matches every effect.
 */
function tolerates(t: Json, taint: { key: string; value: string; effect: string }): boolean {
  const keyOk = t.key === taint.key || (!t.key && t.operator === "Exists");
  const valueOk = t.operator === "Exists" || (t.value ?? "") === taint.value;
  const effectOk = !t.effect || t.effect === taint.effect;
  return keyOk && valueOk && effectOk;
}

const CASES: [string, () => CountryProfile][] = [
  ...SHIPPED.map((cc): [string, () => CountryProfile] => [cc, () => shipped(cc)]),
  ["ke (new profile written in the test)", newProfile],
];

afterAll(cleanup);

describe.each(CASES)("upstream facts for %s", (_label, load) => {
  let profile: CountryProfile;
  let terraform: { stack: string; json: Json }[];
  const resources = (type: string) =>
    terraform.flatMap((t) => Object.entries((t.json.resource?.[type] ?? {}) as Record<string, Json>));
  const operatorValues = () =>
    resources("helm_release")
      .filter(([, r]) => r.chart === "gpu-operator")
      .map(([, r]) => parseYaml(r.values[0]) as Json);

  beforeAll(async () => {
    profile = load();
    const out = join(tempDir(), "cdktf.out");
    await synthesizeCountry(profile, out);
    terraform = (await collectTerraform(out)) as { stack: string; json: Json }[];
  });

  it("GIVEN the GPU Operator release WHEN its values are flattened THEN every key is one the pinned chart reads", () => {
    const values = operatorValues();
    expect(values).toHaveLength(1);
    expect(profile.spec.gpuOperator!.chartVersion).toBe(gpuRecord.version);
    const paths = valuePaths(values[0], gpuRecord.values.listValued);
    expect(paths.length).toBeGreaterThan(20);
    const unknown = paths.filter((p) => !gpuRecord.values.keys.includes(p));
    expect(unknown, "chart value keys outside upstream/gpu-operator-v25.3.0.json").toEqual([]);
  });

  it("GIVEN the GPU Operator values WHEN joined as the chart and the operator join them THEN every image is a profile image, in-country and by digest", () => {
    const images = gpuOperatorImages(operatorValues()[0]!);
    const declared = new Set(Object.values(profile.spec.gpuOperator!.images));
    for (const { where, image } of images) {
      expect(declared.has(image), `${where}: ${image}`).toBe(true);
      expect(image, where).toMatch(new RegExp(`^${profile.spec.registry}/[^@:]+@sha256:[0-9a-f]{64}$`));
    }
    const where = images.map((i) => i.where);
    expect(where).toEqual(expect.arrayContaining(["DRIVER_MANAGER_IMAGE env", "node-feature-discovery"]));
  });

  it("GIVEN every GPU operand the operator or the chart runs on GPU nodes THEN its tolerations tolerate every pool's taint", () => {
    const values = operatorValues()[0]!;
    const bySource: Record<string, Json[]> = {
      "daemonsets.tolerations": values.daemonsets.tolerations,
      "node-feature-discovery.worker.tolerations": values["node-feature-discovery"].worker.tolerations,
    };
    const gpuOperands = (gpuRecord.operands as Json[]).filter((o) =>
      /daemonsets\.tolerations|worker\.tolerations/.test(o.tolerationsFrom ?? ""),
    );
    expect(gpuOperands.map((o) => o.name)).toEqual(
      expect.arrayContaining([
        "nvidia-driver-daemonset",
        "nvidia-container-toolkit-daemonset",
        "nvidia-device-plugin-daemonset",
        "nvidia-dcgm-exporter",
        "nvidia-operator-validator",
        "nvidia-mig-manager",
        "<release>-node-feature-discovery-worker",
      ]),
    );
    for (const o of gpuOperands) {
      const source = o.tolerationsFrom.includes("worker.tolerations")
        ? "node-feature-discovery.worker.tolerations"
        : "daemonsets.tolerations";
      for (const pool of profile.spec.gpuPools)
        for (const taint of poolTaints(pool))
          expect(
            bySource[source]!.some((t) => tolerates(t, taint)),
            `${o.name} on pool ${pool.name}`,
          ).toBe(true);
    }
    expect(operandTolerations().map((t) => t.key)).toContain(GPU_POOL_LABEL);
  });

  it("GIVEN every ceph-csi StorageClass THEN its parameters are ceph-csi's, the required ones are set and encryptionKMSID is the profile's KMS entry", () => {
    const classes = resources("kubernetes_manifest")
      .map(([, r]) => r.manifest)
      .filter((m) => m.kind === "StorageClass" && m.provisioner in cephRecord.storageClassParameters);
    expect(classes.length).toBeGreaterThan(0);
    for (const sc of classes) {
      const rec = cephRecord.storageClassParameters[sc.provisioner];
      const spec = profile.spec.storage.classes.find((c) => c.name === sc.metadata.name)!;
      expect(Object.keys(sc.parameters).filter((k) => !rec.keys.includes(k)), sc.metadata.name).toEqual([]);
      for (const k of rec.required) expect(sc.parameters[k], `${sc.metadata.name} ${k}`).toBeTruthy();
      if (spec.encrypted) expect(sc.parameters.encryptionKMSID).toBe(spec.ceph?.kmsID);
      expect(sc.parameters["csi.storage.k8s.io/node-stage-secret-namespace"]).toBe(spec.ceph?.secretNamespace);
    }
  });

  it("GIVEN every Terraform resource THEN its type and arguments are in the pinned providers' records", () => {
    const types = new Set(terraform.flatMap((t) => Object.keys(t.json.resource ?? {})));
    const known = new Set([...Object.keys(k8sRecord.resources), ...Object.keys(helmRecord.resources)]);
    expect([...types].filter((t) => !known.has(t))).toEqual([]);
    const meta = ["//", "depends_on", "lifecycle", "provider", "count", "for_each"];
    const args = (type: string, rec: Json) => {
      const used = new Set(resources(type).flatMap(([, r]) => Object.keys(r)));
      return [...used].filter((a) => !meta.includes(a) && !rec.resources[type].arguments.includes(a));
    };
    expect(args("kubernetes_manifest", k8sRecord)).toEqual([]);
    expect(args("kubernetes_job_v1", k8sRecord)).toEqual([]);
    expect(args("helm_release", helmRecord)).toEqual([]);
    const jobPaths = resources("kubernetes_job_v1").flatMap(([, r]) =>
      keyPaths({ metadata: r.metadata, spec: r.spec, wait_for_completion: r.wait_for_completion, timeouts: r.timeouts }),
    );
    expect(jobPaths.length).toBeGreaterThan(0);
    expect([...new Set(jobPaths)].filter((p) => !k8sRecord.resources.kubernetes_job_v1.keyPaths.includes(p))).toEqual([]);
    for (const t of terraform)
      for (const p of ["kubernetes", "helm"])
        for (const cfg of (t.json.provider?.[p] ?? []) as Json[])
          expect(Object.keys(cfg).filter((k) => k !== "//"), `${t.stack} provider ${p}`).toEqual([]);
  });

  it("GIVEN every model's gate WHEN synthesized THEN it is a kubernetes_job_v1 that waits for completion, which the pinned provider fails on the Job's Failed condition", () => {
    const jobs = resources("kubernetes_job_v1");
    expect(jobs).toHaveLength(profile.spec.serving.models.length);
    expect(k8sRecord.resources.kubernetes_job_v1.waitSemantics.onFailed).toMatch(/NonRetryableError/);
    for (const [, r] of jobs) {
      expect(r.wait_for_completion).toBe(true);
      const job = jobFromV1Body(r as { metadata: unknown; spec: unknown });
      expect(job.spec).toMatchObject({ backoffLimit: 0 });
      expect(r.timeouts.create).toMatch(/^\d+[hms]/);
    }
    // The Job is no longer a kubernetes_manifest, whose waiter cannot see Failed.
    expect(resources("kubernetes_manifest").filter(([, r]) => r.manifest.kind === "Job")).toEqual([]);
  });
});
