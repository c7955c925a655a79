import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot } from "@sovereign/profile";
import { afterAll, describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { type CommandContext, main } from "../src/index.js";

function run(argv: string[], env: NodeJS.ProcessEnv = process.env) {
  const out: string[] = [];
  const err: string[] = [];
  const ctx: CommandContext = { stdout: (s) => out.push(s), stderr: (s) => err.push(s), cwd: repoRoot(), env, isTTY: false };
  return main(argv, ctx).then((code) => ({ code, stdout: out.join(""), stderr: err.join("") }));
}

const tmp = mkdtempSync(join(tmpdir(), "sovereign-train-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const recipe = (cc: string) => readFileSync(join(repoRoot(), "recipes", `${cc}.yaml`), "utf8");

describe("sovereign train", () => {
  it("GIVEN recipes/th.yaml WHEN planned THEN exit 0, YAML on stdout with the JobSet and two evaluation Jobs, the country taken from the recipe", async () => {
    const r = await run(["train", "plan", "--recipe", "recipes/th.yaml"]);
    expect(r.code).toBe(0);
    const kinds = parseAllDocuments(r.stdout).map((d) => (d.toJS() as { kind: string }).kind);
    expect(kinds).toEqual(["ConfigMap", "ConfigMap", "JobSet", "Job", "Job"]);
    expect(r.stderr).toContain("8 nodes × 8 GPUs on h100-train; 2 evaluation job(s); residency: 0 errors");
  });

  it("GIVEN a recipe with too few data-parallel ranks WHEN planned THEN exit 2 naming file, line and the fix; nothing on stdout", async () => {
    const file = join(tmp, "bad-parallelism.yaml");
    writeFileSync(file, recipe("th").replace("data: 32 }", "data: 16 }"));
    const r = await run(["train", "plan", "--recipe", file, "--country", "th"]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/bad-parallelism\.yaml:\d+:\d+: error recipe\.parallelism at spec\.parallelism/);
    expect(r.stderr).toContain("choose data = 32");
  });

  it("GIVEN the sa recipe planned against the th profile WHEN planned THEN exit 2 (country, registry and pool do not fit)", async () => {
    const r = await run(["train", "plan", "--recipe", "recipes/sa.yaml", "--country", "th"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("recipe.country");
  });

  it("GIVEN submit --via terraform WHEN run THEN the JobSet is waited on until it is Completed or Failed and each evaluation is a job_v1 after it", async () => {
    const out = join(tmp, "tf");
    const r = await run(["train", "submit", "--recipe", "recipes/sa.yaml", "--out", out, "--format", "json"]);
    expect(r.code).toBe(0);
    const { stack } = JSON.parse(r.stdout) as { stack: string };
    const tf = JSON.parse(readFileSync(join(stack, "cdk.tf.json"), "utf8")) as {
      resource: {
        kubernetes_manifest: Record<string, { manifest: { kind: string }; wait?: unknown }>;
        kubernetes_job_v1: Record<string, { wait_for_completion: boolean; depends_on?: string[] }>;
      };
      terraform: { backend?: unknown };
    };
    const [jsKey, js] = Object.entries(tf.resource.kubernetes_manifest).find(([, v]) => v.manifest.kind === "JobSet")!;
    expect(js.wait).toEqual({ fields: { "status.terminalState": "^(Completed|Failed)$" } });
    const evals = Object.values(tf.resource.kubernetes_job_v1);
    expect(evals).toHaveLength(2);
    for (const e of evals) {
      expect(e.wait_for_completion).toBe(true);
      expect(e.depends_on).toContain(`kubernetes_manifest.${jsKey}`);
    }
    expect(tf.terraform.backend).toBeDefined();
  });

  it("GIVEN submit --via kubectl and no reachable cluster WHEN run THEN the manifests are written and kubectl's failure is reported, exit 1", async () => {
    const out = join(tmp, "kubectl");
    const kubeconfig = join(tmp, "kubeconfig");
    writeFileSync(
      kubeconfig,
      "apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: 'https://127.0.0.1:1'}}]\ncontexts: [{name: c, context: {cluster: c, user: u}}]\ncurrent-context: c\nusers: [{name: u, user: {}}]\n",
    );
    const r = await run(["train", "submit", "--via", "kubectl", "--recipe", "recipes/th.yaml", "--out", out], {
      ...process.env,
      KUBECONFIG: kubeconfig,
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("$ kubectl apply --server-side -f");
    expect(r.stderr).toContain("kubectl apply failed");
    const docs = parseAllDocuments(readFileSync(join(out, "training.yaml"), "utf8")).map((d) => d.toJS() as { kind: string });
    expect(docs.map((d) => d.kind)).toEqual(["ConfigMap", "ConfigMap", "JobSet"]);
  });

  it("GIVEN no action WHEN run THEN usage error, exit 2", async () => {
    const r = await run(["train", "--recipe", "recipes/th.yaml"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("expected plan or submit");
  });
});
