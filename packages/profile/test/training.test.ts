import { readFileSync } from "node:fs";
import { formatPath, InputError } from "@sovereign/diagnostics";
import { describe, expect, it } from "vitest";
import { shippedProfilePath } from "../src/index.js";
import { parseProfile } from "../src/load.js";
import { once } from "./malformed.cases.js";

const th = readFileSync(shippedProfilePath("th"), "utf8");
const lineOf = (text: string, needle: string) => text.slice(0, text.indexOf(needle)).split("\n").length;

function refuse(text: string): InputError {
  try {
    parseProfile(text, "th.yaml");
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
  throw new Error("profile was accepted");
}

const cases = [
  {
    name: "an RDMA interconnect on an inference pool",
    edit: (y: string) =>
      once(y, "sharing: { strategy: none }, purpose: inference }", "sharing: { strategy: none }, purpose: inference, interconnect: { fabric: roce, hcas: [mlx5_0], rdmaResource: rdma/roce } }"),
    code: "pool.interconnect",
    path: "spec.gpuPools[0].interconnect",
    lineOf: "interconnect: { fabric: roce",
  },
  {
    name: "a GID index on InfiniBand",
    edit: (y: string) => once(y, "rdmaResource: rdma/ib,", "rdmaResource: rdma/ib, gidIndex: 3,"),
    code: "pool.interconnect",
    path: "spec.gpuPools[2].interconnect.gidIndex",
    lineOf: "gidIndex: 3",
  },
  {
    name: "a Kueue image outside the in-country registry",
    edit: (y: string) => once(y, "image: registry.bkk1.sovereign.example/ai/kueue/kueue@", "image: registry.k8s.io/kueue/kueue@"),
    code: "image.registry",
    path: "spec.training.kueue.image",
    lineOf: "image: registry.k8s.io/kueue",
  },
  {
    name: "a chart digest without its algorithm",
    edit: (y: string) => once(y, "chartDigest: sha256:f676", "chartDigest: f676"),
    code: "schema.invalid_format",
    path: "spec.training.kueue.chartDigest",
    lineOf: "chartDigest: f676",
  },
  {
    name: "training configured without a training pool",
    edit: (y: string) => once(y, "sharing: { strategy: none }, purpose: training,", "sharing: { strategy: none }, purpose: inference,")
      .replace(/\n {8}interconnect: \{[^\n]*\} \}/, " }"),
    code: "training.no_pool",
    path: "spec.training",
    lineOf: "    kueue:",
  },
];

describe("training fields of the profile", () => {
  it.each(cases)("GIVEN $name WHEN loaded THEN $code at $path with its line", (c) => {
    const text = c.edit(th);
    const issue = refuse(text).issues.find((i) => i.code === c.code);
    expect(issue).toBeDefined();
    expect(formatPath(issue!.path)).toBe(c.path);
    expect(issue!.line).toBe(lineOf(text, c.lineOf));
  });

  it("GIVEN the shipped th profile WHEN loaded THEN the training pool's interconnect is defaulted and one recipe is approved", () => {
    const p = parseProfile(th, "th.yaml");
    expect(p.spec.gpuPools[2]!.interconnect).toMatchObject({ fabric: "infiniband", rdmaPerNode: 1 });
    expect(p.spec.training!.approvedRecipes.map((r) => r.name)).toEqual(["th-qwen25-7b-thai-cpt"]);
  });
});
