import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { jobFromV1Body } from "@sovereign/constructs";
import { loadProfileFile, shippedProfilePath } from "@sovereign/profile";
import { synthesizeCountry } from "@sovereign/stacks";
import { afterAll, describe, expect, it } from "vitest";

/**
 * The rollout contract at the level a platform team deploys: in every shipped country's serving
 * stack, each model's release waits on a kernel-gate Job for its exact image, scheduled on the
 * model's GPU pool with the model's GPU count.
 */
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe.each(["th", "kr", "sa"])("%s-serving", (cc) => {
  it("GIVEN the shipped profile WHEN synthesized THEN every model's release depends on its own gate Job", async () => {
    const profile = loadProfileFile(shippedProfilePath(cc));
    const dir = mkdtempSync(join(tmpdir(), `serving-gate-${cc}-`));
    dirs.push(dir);
    await synthesizeCountry(profile, dir);
    const json = JSON.parse(readFileSync(join(dir, "stacks", `${cc}-serving`, "cdk.tf.json"), "utf8"));
    // Gate Jobs are kubernetes_job_v1 resources; read each back as the Job it creates.
    const manifests = Object.entries(json.resource.kubernetes_job_v1).map(([k, r]: [string, any]) => [
      k,
      { ...r, manifest: jobFromV1Body(r) },
    ]) as [string, any][];
    const releases = Object.values(json.resource.helm_release) as any[];

    expect(releases.map((r) => r.name).sort()).toEqual(profile.spec.serving.models.map((m) => m.name).sort());
    for (const model of profile.spec.serving.models) {
      const release = releases.find((r) => r.name === model.name)!;
      const jobs = manifests.filter(
        ([, r]) => r.manifest.kind === "Job" && r.manifest.metadata.name.startsWith(`${model.name}-gate-`),
      );
      expect(jobs, `${model.name}: exactly one gate Job`).toHaveLength(1);
      const [address, job] = jobs[0]!;
      // The release waits for the Job, and Terraform waits for the Job to complete.
      expect(release.depends_on).toContain(`kubernetes_job_v1.${address}`);
      expect(job.wait_for_completion).toBe(true);
      // The Job measures the candidate image on the model's pool with the model's GPUs.
      const pod = job.manifest.spec.template.spec;
      expect(job.manifest.metadata.annotations["sovereign.ai/candidate-image"]).toBe(model.image);
      expect(JSON.stringify(pod.affinity ?? pod.nodeSelector)).toContain(model.pool);
      const gpuRequests = [...(pod.initContainers ?? []), ...pod.containers]
        .map((c: any) => c.resources?.limits?.["nvidia.com/gpu"])
        .filter((g: unknown) => g !== undefined);
      expect(gpuRequests.length).toBeGreaterThan(0);
      expect(new Set(gpuRequests)).toEqual(new Set([model.tensorParallel]));
      expect(job.manifest.spec.backoffLimit).toBe(0);
    }
  });
});
