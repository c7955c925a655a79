import type { StateBackendSpec } from "@sovereign/profile";
import { describe, expect, it } from "vitest";
import { App, TerraformStack } from "../src/cdktf.js";
import { stateBackend } from "../src/state-backend.js";

function backendOf(spec: StateBackendSpec, name = "th-gpu"): Record<string, unknown> {
  const app = new App({ outdir: "/nonexistent", stackTraces: false });
  const stack = new TerraformStack(app, name);
  stateBackend(stack, spec, name);
  const tf = stack.toTerraform() as { terraform: { backend: Record<string, unknown> } };
  return tf.terraform.backend;
}

describe("stateBackend", () => {
  it.each<[StateBackendSpec, Record<string, unknown>]>([
    [
      { type: "kubernetes", namespace: "sovereign-state", secretSuffix: "sovereign" },
      { kubernetes: { namespace: "sovereign-state", secret_suffix: "sovereign-th-gpu" } },
    ],
    [{ type: "pg", schemaName: "tfstate" }, { pg: { schema_name: "tfstate_th_gpu" } }],
    [{ type: "local" }, { local: { path: "terraform.th-gpu.tfstate" } }],
  ])("GIVEN %j THEN each stack gets its own state and no credential", (spec, expected) => {
    expect(backendOf(spec)).toEqual(expected);
  });

  it("GIVEN s3 THEN the key is per stack, the endpoint is in-country and no key material is written", () => {
    const b = backendOf(
      {
        type: "s3",
        bucket: "tf",
        key: "kr/terraform.tfstate",
        endpoint: "https://s3.sel1.sovereign.example",
        region: "kr-capital",
      },
      "kr-storage",
    ) as {
      s3: Record<string, unknown>;
    };
    expect(b.s3).toMatchObject({
      bucket: "tf",
      key: "kr/terraform-kr-storage.tfstate",
      endpoints: { s3: "https://s3.sel1.sovereign.example" },
      use_path_style: true,
    });
    expect(Object.keys(b.s3).filter((k) => /access_key|secret|token/.test(k))).toEqual([]);
  });
});
