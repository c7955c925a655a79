import type { DocPath, Issue } from "@sovereign/diagnostics";
import { z } from "zod";
import { nameSchema, sha256Schema } from "./schema-base.js";

/**
 * Training fields of the profile: the interconnect of a training pool and the `spec.training`
 * block (the batch controllers' mirrored charts and images, and the recipes the country approved).
 * Added fields only; nothing here renames an existing field.
 */

/** Interconnect between a pool's nodes, read by `sovereign train plan` for the NCCL settings. */
export const interconnectSchema = z
  .strictObject({
    fabric: z
      .enum(["infiniband", "roce"])
      .describe("RDMA fabric between the pool's nodes: InfiniBand, or RDMA over Converged Ethernet (RoCE v2)."),
    hcas: z
      .array(
        z
          .string()
          .regex(
            /^[A-Za-z0-9_]+(:\d+)?$/,
            "must be a host channel adapter name, optionally with a port | fix: e.g. mlx5_0 or mlx5_0:1",
          ),
      )
      .min(1)
      .describe("RDMA adapters NCCL may use (NCCL_IB_HCA), e.g. [mlx5_0, mlx5_1]."),
    rdmaResource: z
      .string()
      .regex(
        /^[a-z0-9.-]+\/[A-Za-z0-9_.-]+$/,
        "must be an extended resource name | fix: e.g. rdma/ib or nvidia.com/hostdev",
      )
      .describe("Extended resource the cluster's RDMA device plugin advertises; every training pod requests it."),
    rdmaPerNode: z
      .number()
      .int()
      .min(1)
      .default(1)
      .describe("Units of rdmaResource one training pod requests (default 1: a shared RDMA device)."),
    gidIndex: z
      .number()
      .int()
      .min(0)
      .max(255)
      .optional()
      .describe("RoCE only: GID index NCCL uses (NCCL_IB_GID_INDEX), typically 3 for RoCE v2."),
    bootstrapInterface: z
      .string()
      .min(1)
      .optional()
      .describe("Network interface for NCCL's bootstrap and socket traffic (NCCL_SOCKET_IFNAME), e.g. eth0."),
  })
  .describe("RDMA interconnect of a training pool; omit for a pool without one (NCCL falls back to TCP sockets).");

const mirroredController = z.strictObject({
  chartDigest: z
    .string()
    .regex(
      /^sha256:[0-9a-f]{64}$/,
      "must be sha256:<64 hex> | fix: the digest of the chart as pushed to the in-country registry (`helm push` prints it)",
    )
    .describe("Digest of the chart mirrored into <spec.registry>/charts at the version the kit pins."),
  image: z.string().describe("Controller image: <spec.registry>/...@sha256:<64 hex>."),
});

export const approvedRecipeSchema = z.strictObject({
  name: nameSchema.describe("Recipe metadata.name."),
  sha256: sha256Schema.describe("sha256 of the recipe file as approved (`sha256sum recipes/<cc>.yaml`)."),
  dataSources: z
    .array(nameSchema)
    .min(1)
    .describe("Ids of the recipe's data sources the approval covers; a training workload may mount only these."),
});

export const trainingSchema = z
  .strictObject({
    kueue: mirroredController.describe("Kueue (batch admission and quotas), mirrored in-country."),
    jobset: mirroredController.describe("JobSet (distributed training jobs), mirrored in-country."),
    approvedRecipes: z
      .array(approvedRecipeSchema)
      .default([])
      .describe("Training recipes the country approved, by file digest: the training ledger the cluster enforces."),
  })
  .describe("Training on the country's training pools: controllers and the approved recipes.");

export type Interconnect = z.output<typeof interconnectSchema>;
export type TrainingSpec = z.output<typeof trainingSchema>;
export type ApprovedRecipe = z.output<typeof approvedRecipeSchema>;

/** Cross-field checks of the training fields; `checkImage` is the profile's one image-reference rule. */
export function checkTraining(
  spec: {
    registry: string;
    gpuPools: { name: string; purpose: string; interconnect?: Interconnect }[];
    training?: TrainingSpec;
  },
  checkImage: (image: string, registry: string, path: DocPath) => Issue[],
): Issue[] {
  const out: Issue[] = [];
  spec.gpuPools.forEach((p, i) => {
    if (p.interconnect && p.purpose !== "training") {
      out.push({
        code: "pool.interconnect",
        path: ["spec", "gpuPools", i, "interconnect"],
        message: `pool ${JSON.stringify(p.name)} has purpose ${p.purpose}; only training pools use an RDMA interconnect setting`,
        hint: "remove interconnect, or set purpose: training",
      });
    }
    if (p.interconnect?.gidIndex !== undefined && p.interconnect.fabric !== "roce") {
      out.push({
        code: "pool.interconnect",
        path: ["spec", "gpuPools", i, "interconnect", "gidIndex"],
        message: "gidIndex applies to RoCE only; InfiniBand addresses by LID",
        hint: "remove gidIndex, or set fabric: roce",
      });
    }
  });
  const t = spec.training;
  if (!t) return out;
  if (!spec.gpuPools.some((p) => p.purpose === "training")) {
    out.push({
      code: "training.no_pool",
      path: ["spec", "training"],
      message: "spec.training is set but no GPU pool has purpose training: nothing could run the approved recipes",
      hint: "add a pool with `purpose: training` to spec.gpuPools, or remove spec.training",
    });
  }
  out.push(...checkImage(t.kueue.image, spec.registry, ["spec", "training", "kueue", "image"]));
  out.push(...checkImage(t.jobset.image, spec.registry, ["spec", "training", "jobset", "image"]));
  const seen = new Set<string>();
  t.approvedRecipes.forEach((r, i) => {
    if (seen.has(r.sha256)) {
      out.push({
        code: "training.duplicate_recipe",
        path: ["spec", "training", "approvedRecipes", i, "sha256"],
        message: `recipe digest ${r.sha256} is approved twice`,
        hint: "keep one approval per recipe digest",
      });
    }
    seen.add(r.sha256);
  });
  return out;
}
