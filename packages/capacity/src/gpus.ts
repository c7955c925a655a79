import type { GpuPool } from "@sovereign/profile";

/** One GPU product as the driver reports it. */
export interface GpuProduct {
  /** Name as written in `gpuPools[].gpu`. */
  name: string;
  /** Total memory the driver reports (`nvidia-smi --query-gpu=memory.total`), MiB. */
  memoryMiB: number;
  /** Memory in the product name, GB: the denominator of MIG profile names (`3g.40gb` of 80). */
  nominalGB: number;
  /** The product can be partitioned with MIG. */
  mig: boolean;
  /** Where the memory size (and MIG support) was read: a vendor page, by URL. */
  source: string;
  /**
   * Where `memoryMiB` (the driver's figure, below the nominal size) was seen, when it was; absent:
   * the figure is the kit's and is checked on the first GPU-side run (docs/serving.md).
   */
  reportedSource?: string;
}

/** NVIDIA's MIG user guide: memory size of every MIG-capable product, and the profile names per product. */
const MIG_GUIDE = "https://docs.nvidia.com/datacenter/tesla/mig-user-guide/supported-gpus.html";

/**
 * The GPU products the planner knows, by the name a profile uses. One table: the planner, the docs
 * and the tests read it from here. A GPU not listed needs `gpuPools[].gpuMemoryMiB`.
 */
export const GPU_PRODUCTS: readonly GpuProduct[] = [
  { name: "A100-SXM4-40GB", memoryMiB: 40960, nominalGB: 40, mig: true, source: MIG_GUIDE },
  { name: "A100-SXM4-80GB", memoryMiB: 81920, nominalGB: 80, mig: true, source: MIG_GUIDE },
  { name: "A100-PCIE-80GB", memoryMiB: 81920, nominalGB: 80, mig: true, source: MIG_GUIDE },
  { name: "H100-SXM5-80GB", memoryMiB: 81559, nominalGB: 80, mig: true, source: MIG_GUIDE },
  { name: "H100-PCIE-80GB", memoryMiB: 81559, nominalGB: 80, mig: true, source: MIG_GUIDE },
  // The guide lists the 94 GB H100 (NVL) among MIG products.
  { name: "H100-NVL-94GB", memoryMiB: 95830, nominalGB: 94, mig: true, source: MIG_GUIDE },
  { name: "H200-SXM-141GB", memoryMiB: 143771, nominalGB: 141, mig: true, source: MIG_GUIDE },
  // Not MIG products (absent from the guide); sizes from product listings, not an NVIDIA page.
  { name: "L4-24GB", memoryMiB: 23034, nominalGB: 24, mig: false, source: "https://www.mintlify.com/modal-labs/modal-client/api/python/gpu" },
  {
    name: "L40S-48GB",
    memoryMiB: 46068,
    nominalGB: 48,
    mig: false,
    source: "https://huggingface.co/hardware/l40s",
    // A run's recorded device memory: 48305799168 bytes = 46068 MiB.
    reportedSource: "https://huggingface.co/apjanco/es_qwen2_vl_pangea/blob/c4d49f916ba3ad5d4d429132c6191db705014e27/wandb-metadata.json",
  },
];

/** The product of a pool's GPU name (case-insensitive), if the table has it. */
export function gpuProduct(name: string): GpuProduct | undefined {
  const n = name.toUpperCase();
  return GPU_PRODUCTS.find((g) => g.name.toUpperCase() === n);
}

/** Memory one pod's GPU device holds, or why it cannot be known. */
export type DeviceMemory = { ok: true; bytes: number; device: string } | { ok: false; reason: string; hint: string };

const MIB = 1024 * 1024;
const MIG_PROFILE = /^(?:all-)?(\d+)g\.(\d+)gb$/;

/**
 * Memory of the device a pod gets from the pool: the whole GPU, or with MIG the slice named by
 * the profile (`3g.40gb` on an 80 GB product is half its memory). Time-slicing hands out whole
 * GPUs; the planner divides the utilization instead (see `effectiveUtilization`).
 */
export function deviceMemory(pool: GpuPool): DeviceMemory {
  const product = gpuProduct(pool.gpu);
  const totalMiB = pool.gpuMemoryMiB ?? product?.memoryMiB;
  if (totalMiB === undefined) {
    return {
      ok: false,
      reason: `GPU ${JSON.stringify(pool.gpu)} of pool ${pool.name} is not in the GPU table`,
      hint: `use one of ${GPU_PRODUCTS.map((g) => g.name).join(", ")}, or set gpuMemoryMiB on the pool`,
    };
  }
  if (pool.sharing.strategy !== "mig") return { ok: true, bytes: totalMiB * MIB, device: pool.gpu };
  const m = MIG_PROFILE.exec(pool.sharing.migProfile ?? "");
  const nominal = product?.nominalGB ?? Math.round((totalMiB * MIB) / 1e9);
  if (!m) {
    return {
      ok: false,
      reason: `MIG profile ${JSON.stringify(pool.sharing.migProfile ?? "")} of pool ${pool.name} does not name one slice size`,
      hint: "use a single-size profile such as all-3g.40gb (mixed layouts cannot be sized per pod)",
    };
  }
  const sliceGB = Number(m[2]);
  const bytes = Math.floor((totalMiB * sliceGB) / nominal) * MIB;
  return { ok: true, bytes, device: `${pool.gpu} MIG ${m[1]}g.${m[2]}gb` };
}
