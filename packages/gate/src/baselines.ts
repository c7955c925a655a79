import { existsSync } from "node:fs";
import { type DocPath, InputError, type InputPath, type Issue, readInputFile, writeFileAtomic } from "@sovereign/diagnostics";
import { caseKey, type KernelSamples } from "./samples.js";

export const BASELINES_API_VERSION = "sovereign.ai/v1alpha1";
export const BASELINES_KIND = "KernelBaselines";

/** Recorded timings of one kernel at one shape on one GPU model. */
export interface BaselineEntry {
  /** GPU model as the driver reports it, e.g. `NVIDIA H100 80GB HBM3` (matched case-insensitively). */
  gpu: string;
  kernel: string;
  /** Shape key in the `<kernel>/<shape>` naming scheme, e.g. `m=1,n=1536,k=5120`. */
  shape: string;
  unit: "ns";
  /** At least one positive time per repetition. */
  samples: number[];
  /** When the samples were measured (RFC 3339). */
  recordedAt: string;
  /** The image (by digest) that produced them. */
  image: string;
}

/** The versioned baselines file: `{ apiVersion, kind, entries }`. */
export interface KernelBaselines {
  apiVersion: typeof BASELINES_API_VERSION;
  kind: typeof BASELINES_KIND;
  entries: BaselineEntry[];
}

/** GPU names compare case-insensitively with runs of whitespace collapsed. */
export function normalizeGpu(gpu: string): string {
  return gpu.trim().replace(/\s+/g, " ").toLowerCase();
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const ENTRY_KEYS = ["gpu", "kernel", "shape", "unit", "samples", "recordedAt", "image"];

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Validates a parsed baselines document and returns it typed. Reports every problem at once,
 * each with its JSON path; also rejects two entries for the same GPU, kernel and shape.
 */
export function parseBaselines(json: unknown, file?: string): KernelBaselines {
  const issues: Issue[] = [];
  const issue = (path: DocPath, code: string, message: string, hint?: string) =>
    issues.push({ code, path, message, ...(hint ? { hint } : {}), ...(file ? { file } : {}) });
  if (!isObject(json)) {
    issue([], "baselines.root", "expected a KernelBaselines object");
    throw new InputError(issues);
  }
  for (const k of Object.keys(json)) {
    if (!["apiVersion", "kind", "entries"].includes(k))
      issue([k], "baselines.unknown_key", `unknown field ${JSON.stringify(k)}`);
  }
  if (json.apiVersion !== BASELINES_API_VERSION) {
    issue(
      ["apiVersion"],
      "baselines.apiVersion",
      `unsupported apiVersion ${JSON.stringify(json.apiVersion)}`,
      `use "${BASELINES_API_VERSION}"`,
    );
  }
  if (json.kind !== BASELINES_KIND) {
    issue(["kind"], "baselines.kind", `expected kind "${BASELINES_KIND}", got ${JSON.stringify(json.kind)}`);
  }
  if (!Array.isArray(json.entries)) {
    issue(["entries"], "baselines.entries", "expected an array of entries");
    throw new InputError(issues);
  }
  const seen = new Map<string, number>();
  json.entries.forEach((e: unknown, i: number) => {
    const at = (k: string): DocPath => ["entries", i, k];
    if (!isObject(e)) {
      issue(["entries", i], "baselines.entry", "expected an object");
      return;
    }
    for (const k of Object.keys(e))
      if (!ENTRY_KEYS.includes(k))
        issue(at(k), "baselines.unknown_key", `unknown field ${JSON.stringify(k)}`);
    for (const k of ["gpu", "kernel", "image"]) {
      if (typeof e[k] !== "string" || (e[k] as string).trim() === "")
        issue(at(k), `baselines.${k}`, `expected a non-empty string, got ${JSON.stringify(e[k])}`);
    }
    if (typeof e.shape !== "string")
      issue(at("shape"), "baselines.shape", `expected a string, got ${JSON.stringify(e.shape)}`);
    if (e.unit !== "ns")
      issue(
        at("unit"),
        "baselines.unit",
        `expected "ns", got ${JSON.stringify(e.unit)}`,
        "baselines store nanoseconds",
      );
    if (typeof e.recordedAt !== "string" || !RFC3339.test(e.recordedAt)) {
      issue(
        at("recordedAt"),
        "baselines.recordedAt",
        `expected an RFC 3339 time, got ${JSON.stringify(e.recordedAt)}`,
        'e.g. "2025-01-31T12:00:00Z"',
      );
    }
    if (!Array.isArray(e.samples) || e.samples.length === 0) {
      issue(at("samples"), "baselines.samples", "expected a non-empty array of times in ns");
    } else {
      e.samples.forEach((v: unknown, j: number) => {
        if (typeof v !== "number" || !Number.isFinite(v) || v <= 0)
          issue(
            ["entries", i, "samples", j],
            "baselines.sample",
            `expected a positive time in ns, got ${JSON.stringify(v)}`,
          );
      });
    }
    if (typeof e.gpu === "string" && typeof e.kernel === "string" && typeof e.shape === "string") {
      const key = `${normalizeGpu(e.gpu)}\u0000${caseKey({ kernel: e.kernel, shape: e.shape })}`;
      const prev = seen.get(key);
      if (prev !== undefined)
        issue(
          ["entries", i],
          "baselines.duplicate",
          `same GPU, kernel and shape as entries[${prev}]`,
          "keep one entry per GPU model, kernel and shape",
        );
      else seen.set(key, i);
    }
  });
  if (issues.length > 0) throw new InputError(issues);
  return json as unknown as KernelBaselines;
}

/** Reads and validates a baselines file. A missing file is an error naming the path. */
export function loadBaselines(
  path: string,
  displayName = path,
  o: { /** @default DEFAULT_INPUT_LIMIT */ limit?: number } = {},
): KernelBaselines {
  if (!existsSync(path)) {
    throw new InputError([
      {
        code: "file.read",
        path: [],
        file: displayName,
        message: `cannot read ${displayName}: ENOENT`,
        hint: "record one with `sovereign gate --candidate <file> --record-baseline <file> --gpu <model>`",
      },
    ]);
  }
  // Regular files only, bounded (a FIFO or device is refused at once, an oversized file unread).
  const text = readInputFile(path, { displayName, limit: o.limit, what: "baselines file" }).bytes.toString("utf8");
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new InputError([
      { code: "json.parse", path: [], file: displayName, message: `not valid JSON: ${(e as Error).message}` },
    ]);
  }
  return parseBaselines(json, displayName);
}

/** The baseline samples recorded for one GPU model, ready for `decide`. */
export function lookupBaselines(file: KernelBaselines, gpu: string): KernelSamples[] {
  const want = normalizeGpu(gpu);
  return file.entries
    .filter((e) => normalizeGpu(e.gpu) === want)
    .map((e) => ({ kernel: e.kernel, shape: e.shape, unit: "ns" as const, samples: [...e.samples] }));
}

/** GPU models that have entries, for "no baseline for X; have Y, Z" messages. */
export function baselineGpus(file: KernelBaselines): string[] {
  return [...new Set(file.entries.map((e) => e.gpu))].sort();
}

/** Metadata stamped on newly recorded entries. */
export interface RecordMeta {
  gpu: string;
  image: string;
  /** @default now */
  recordedAt?: Date;
}

/**
 * Merges a run into a baselines file: for this GPU model, each recorded kernel and shape replaces
 * any older entry (a new recording supersedes, it does not pool with stale hardware state);
 * entries for other GPUs and cases stay. Cases without samples are not recorded. Entries are
 * sorted by GPU, kernel and shape so the file diffs cleanly under version control.
 */
export function recordBaselines(
  existing: KernelBaselines | undefined,
  run: readonly KernelSamples[],
  meta: RecordMeta,
): KernelBaselines {
  const recordedAt = (meta.recordedAt ?? new Date()).toISOString().replace(/\.\d{3}Z$/, "Z");
  const gpuKey = normalizeGpu(meta.gpu);
  const fresh = run.filter((s) => s.samples.length > 0 && !s.errors?.length);
  const replaced = new Set(fresh.map((s) => caseKey(s)));
  const kept = (existing?.entries ?? []).filter(
    (e) => !(normalizeGpu(e.gpu) === gpuKey && replaced.has(caseKey(e))),
  );
  const added: BaselineEntry[] = fresh.map((s) => ({
    gpu: meta.gpu,
    kernel: s.kernel,
    shape: s.shape,
    unit: "ns",
    samples: [...s.samples],
    recordedAt,
    image: meta.image,
  }));
  const entries = [...kept, ...added].sort(
    (a, b) =>
      a.gpu.localeCompare(b.gpu) || a.kernel.localeCompare(b.kernel) || a.shape.localeCompare(b.shape),
  );
  return { apiVersion: BASELINES_API_VERSION, kind: BASELINES_KIND, entries };
}

/** Writes a baselines file atomically (temp file + rename): readers never see half a file. */
export function writeBaselines(
  path: string,
  file: KernelBaselines,
  o: { /** Files the command reads, never overwritten. @default none */ inputs?: readonly InputPath[] } = {},
): void {
  parseBaselines(file, path); // never write what could not be read back
  writeFileAtomic(path, `${JSON.stringify(file, null, 2)}\n`, { inputs: o.inputs, flag: "--record-baseline" });
}

/** JSON Schema (draft 2020-12) of the baselines file; committed as kernel-baselines.schema.json. */
export function kernelBaselinesJsonSchema(): Record<string, unknown> {
  return {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    $id: "https://sovereign.example/schemas/kernel-baselines.v1alpha1.json",
    title: "KernelBaselines (sovereign.ai/v1alpha1)",
    description:
      "Recorded kernel-benchmark timings per GPU model, kernel and shape; the kernel gate's reference.",
    type: "object",
    additionalProperties: false,
    required: ["apiVersion", "kind", "entries"],
    properties: {
      apiVersion: { const: BASELINES_API_VERSION },
      kind: { const: BASELINES_KIND },
      entries: {
        type: "array",
        items: {
          type: "object",
          additionalProperties: false,
          required: ENTRY_KEYS,
          properties: {
            gpu: {
              type: "string",
              minLength: 1,
              pattern: "\\S",
              description: "GPU model as the driver reports it; matched case-insensitively.",
            },
            kernel: { type: "string", minLength: 1, pattern: "\\S" },
            shape: { type: "string", description: "Comma-separated k=v list, e.g. m=1,n=1536,k=5120." },
            unit: { const: "ns" },
            samples: { type: "array", minItems: 1, items: { type: "number", exclusiveMinimum: 0 } },
            recordedAt: { type: "string", format: "date-time" },
            image: {
              type: "string",
              minLength: 1,
              pattern: "\\S",
              description: "Image (by digest) that produced the samples.",
            },
          },
        },
      },
    },
  };
}
