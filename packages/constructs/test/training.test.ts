import { App, TerraformStack } from "@sovereign/constructs";
import { InputError } from "@sovereign/diagnostics";
import type { GpuPool } from "@sovereign/profile";
import { describe, expect, it } from "vitest";
import { BatchControllers, clusterQueue, imageValues, KUEUE_NAMESPACE, TrainingQueues } from "../src/index.js";

const stack = () => new TerraformStack(new App({ outdir: "/nonexistent", stackTraces: false }), "t");
const issuesOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    if (e instanceof InputError) return e.issues;
    throw e;
  }
  throw new Error("expected an InputError");
};

const REG = "registry.x1.sovereign.example/ai";
const img = (n: string) => `${REG}/${n}@sha256:${"b".repeat(64)}`;
const pool = (over: Partial<GpuPool>): GpuPool => ({
  name: "train-a",
  site: "x1",
  gpu: "H100-SXM5-80GB",
  nodes: 2,
  gpusPerNode: 8,
  sharing: { strategy: "none" },
  purpose: "training",
  ...over,
});

describe("TrainingQueues", () => {
  it("GIVEN two training pools, one with RDMA WHEN queued THEN one flavor each and the ClusterQueue quota is each pool's GPUs (RDMA 0 where absent)", () => {
    const cq = clusterQueue({
      name: "x-training",
      pools: [
        pool({ interconnect: { fabric: "infiniband", hcas: ["mlx5_0"], rdmaResource: "rdma/ib", rdmaPerNode: 1 } }),
        pool({ name: "train-b", nodes: 3, gpusPerNode: 4 }),
      ],
      namespaces: ["t1"],
    }).spec as { resourceGroups: { coveredResources: string[]; flavors: { name: string; resources: { name: string; nominalQuota: unknown }[] }[] }[] };
    const rg = cq.resourceGroups[0]!;
    expect(rg.coveredResources).toEqual(["cpu", "memory", "nvidia.com/gpu", "rdma/ib"]);
    const quota = (f: number, r: string) => rg.flavors[f]!.resources.find((x) => x.name === r)!.nominalQuota;
    expect([quota(0, "nvidia.com/gpu"), quota(1, "nvidia.com/gpu")]).toEqual([16, 12]);
    expect([quota(0, "rdma/ib"), quota(1, "rdma/ib")]).toEqual([2, 0]);
    expect([quota(0, "cpu"), quota(1, "memory")]).toEqual(["192", "4608Gi"]);
  });

  it("GIVEN an inference pool and a bad namespace WHEN constructed THEN both problems at once", () => {
    const issues = issuesOf(
      () => new TrainingQueues(stack(), "q", { name: "x-training", pools: [pool({ purpose: "inference" })], namespaces: ["Bad_NS"] }),
    );
    expect(issues.map((i) => i.path)).toEqual([["pools"], ["namespaces", 0]]);
  });
});

describe("BatchControllers", () => {
  it("GIVEN an image from a foreign registry and a bare chart digest WHEN constructed THEN both refused with the fix", () => {
    const issues = issuesOf(
      () =>
        new BatchControllers(stack(), "b", {
          registry: REG,
          kueue: { chartDigest: "c".repeat(64), image: img("kueue") },
          jobset: { chartDigest: `sha256:${"c".repeat(64)}`, image: `registry.k8s.io/jobset@sha256:${"b".repeat(64)}` },
          country: "xx",
          site: "x1",
          egressCidrs: ["192.0.2.0/24"],
        }),
    );
    expect(issues.map((i) => i.path)).toEqual([["kueue", "chartDigest"], ["jobset", "image"]]);
  });

  it("GIVEN an in-country image WHEN split into chart values THEN the tag carries version and digest", () => {
    expect(imageValues(img("kueue/kueue"), "v0.19.2")).toEqual({
      repository: `${REG}/kueue/kueue`,
      tag: `v0.19.2@sha256:${"b".repeat(64)}`,
    });
    expect(KUEUE_NAMESPACE).toBe("kueue-system");
  });
});
