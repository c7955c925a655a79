/** Timings of one benchmark case (kernel at one shape), normalised to nanoseconds. */
export interface KernelSamples {
  /** Kernel name, the first segment of `<kernel>/<shape>`, e.g. `gemm_qkv`. */
  kernel: string;
  /** Shape key, a comma-separated `k=v` list, e.g. `m=1,n=1536,k=5120` (may be empty). */
  shape: string;
  /** Always nanoseconds: every parser converts. */
  unit: "ns";
  /** One value per repetition (wall-clock time per iteration of that repetition). */
  samples: number[];
  /** Errors the benchmark reported for this case; a case with errors is never PASS. */
  errors?: string[];
  /** Remarks from parsing, e.g. that only a mean was available. */
  notes?: string[];
}

/** The key both sides are matched on: `<kernel>/<shape>`. */
export function caseKey(s: { kernel: string; shape: string }): string {
  return s.shape === "" ? s.kernel : `${s.kernel}/${s.shape}`;
}

/**
 * Concatenates the samples of equal cases, keeping first-seen order. Repeated `--baseline` or
 * `--candidate` files (interleaved A/B rounds) become one sample list per case this way.
 */
export function mergeSamples(...lists: readonly KernelSamples[][]): KernelSamples[] {
  const byKey = new Map<string, KernelSamples>();
  for (const list of lists) {
    for (const s of list) {
      const key = caseKey(s);
      const prev = byKey.get(key);
      if (!prev) {
        byKey.set(key, {
          ...s,
          samples: [...s.samples],
          ...(s.errors ? { errors: [...s.errors] } : {}),
          ...(s.notes ? { notes: [...s.notes] } : {}),
        });
        continue;
      }
      prev.samples.push(...s.samples);
      if (s.errors?.length) prev.errors = [...(prev.errors ?? []), ...s.errors];
      for (const note of s.notes ?? []) {
        if (!prev.notes?.includes(note)) prev.notes = [...(prev.notes ?? []), note];
      }
    }
  }
  return [...byKey.values()];
}

/** Runtime options Google Benchmark appends to a name; they do not change what is measured. */
const RUN_OPTION =
  /^(repeats|iterations|min_time|min_warmup_time):.+$|^(real_time|manual_time|process_time)$/;

/**
 * Splits a benchmark name into kernel and shape. The naming scheme is `<kernel>/<shape>` with the
 * shape a comma-separated `k=v` list (`gemm_qkv/m=1,n=1536,k=5120`). Segments Google Benchmark
 * appends for run options (`/repeats:20`, `/min_time:0.5`, `/real_time`, …) are dropped; any
 * other segment (e.g. `threads:4`) stays part of the shape, so differently run cases never mix.
 */
export function splitBenchmarkName(name: string): { kernel: string; shape: string } {
  const parts = name.split("/");
  const kernel = parts[0]!.trim();
  const rest = parts.slice(1).filter((p) => !RUN_OPTION.test(p));
  return { kernel, shape: rest.join("/") };
}
