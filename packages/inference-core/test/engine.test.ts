import { describe, expect, it } from "vitest";
import { type EngineInput, parseEngineArgs, VLLM_RECORD, vllmEngine } from "../src/index.js";

const base: EngineInput = {
  servedName: "m",
  weightsDir: "/cache/abc/model",
  tensorParallel: 2,
  maxModelLen: 8192,
  gpuMemoryUtilization: 0.9,
  dtype: "bfloat16",
  kvCacheDtype: "auto",
  port: 8000,
  mediaPerPrompt: {},
  logInteractions: false,
  cacheDir: "/var/cache/engine",
};

const variants: [string, Partial<EngineInput>][] = [
  ["text only", {}],
  ["image and audio", { mediaPerPrompt: { image: 4, audio: 1 } }],
  ["fp8 KV cache, float16", { kvCacheDtype: "fp8", dtype: "float16" }],
  ["interaction logging", { logInteractions: true, loggingConfigPath: "/etc/sovereign/engine/logging.json" }],
];

describe("the vLLM engine seam against its pinned-version record", () => {
  it.each(variants)("GIVEN %s WHEN launched THEN every argument parses against the record and every variable is recorded", (_n, v) => {
    const launch = vllmEngine.launch({ ...base, ...v });
    expect(launch.command).toEqual(["vllm", "serve"]);
    const parsed = parseEngineArgs(VLLM_RECORD, launch.args);
    expect(parsed.model).toBe("/cache/abc/model");
    expect(parsed.flags.get("--tensor-parallel-size")).toBe("2");
    for (const e of launch.env) expect(Object.keys(VLLM_RECORD.env), e.name).toContain(e.name);
    for (const p of Object.values(launch.probes)) expect(Object.keys(VLLM_RECORD.endpoints)).toContain(p.path);
    expect(Object.keys(VLLM_RECORD.endpoints)).toContain(launch.metrics.path);
    expect(Object.keys(VLLM_RECORD.metrics)).toEqual(expect.arrayContaining([launch.metrics.queue, launch.metrics.running]));
  });

  it("GIVEN image and audio limits WHEN launched THEN they go as one JSON object keyed by modality", () => {
    const args = vllmEngine.launch({ ...base, mediaPerPrompt: { image: 4, audio: 1 } }).args;
    expect(JSON.parse(args[args.indexOf("--limit-mm-per-prompt") + 1]!)).toEqual({ image: 4, audio: 1 });
  });

  it("GIVEN interaction logging WHEN launched THEN requests and outputs are logged through the mounted logging config", () => {
    const l = vllmEngine.launch({ ...base, logInteractions: true, loggingConfigPath: "/etc/x.json" });
    expect(l.args).toEqual(expect.arrayContaining(["--enable-log-requests", "--enable-log-outputs"]));
    expect(l.env).toContainEqual({ name: "VLLM_LOGGING_CONFIG_PATH", value: "/etc/x.json" });
    const off = vllmEngine.launch(base);
    expect(off.args).not.toContain("--enable-log-requests");
  });

  it("GIVEN the record WHEN read THEN every entry names its upstream file, the pinned commit and what was read", () => {
    expect(VLLM_RECORD.version).toMatch(/^v\d+\.\d+\.\d+$/);
    expect(VLLM_RECORD.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(VLLM_RECORD.commitTiedBy.length).toBeGreaterThanOrEqual(2);
    for (const t of VLLM_RECORD.commitTiedBy) expect(t).toContain(VLLM_RECORD.commit);
    const entries = [
      ...Object.entries(VLLM_RECORD.flags),
      ...Object.entries(VLLM_RECORD.endpoints),
      ...Object.entries(VLLM_RECORD.env),
      ...Object.entries(VLLM_RECORD.metrics),
    ];
    expect(entries.length).toBeGreaterThan(20);
    for (const [name, e] of entries) {
      expect(e.file, name).toMatch(/^(vllm\/[a-z0-9_/]+\.py|huggingface_hub src\/huggingface_hub\/[a-z_]+\.py)$/);
      // Nothing claims more than was read: an entry is unread exactly when it cites no evidence.
      expect(e.evidence.length === 0, name).toBe(e.readAt === "unread");
      for (const id of e.evidence) expect(Object.keys(VLLM_RECORD.evidence), `${name} cites ${id}`).toContain(id);
      // "pin" means read at a tag of the component that owns the file.
      if (e.readAt === "pin") for (const id of e.evidence) expect(VLLM_RECORD.evidence[id]!.ref, name).toMatch(/@[0-9a-f]{40}:/);
    }
    for (const [id, ev] of Object.entries(VLLM_RECORD.evidence)) {
      expect(ev.ref, id).toMatch(/^(https:\/\/|public code index)/);
      const commit = /@([0-9a-f]+):/.exec(ev.ref)?.[1];
      if (commit !== undefined) expect(commit, id).toMatch(/^[0-9a-f]{40}$/);
    }
  });

  it("GIVEN the record WHEN its evidence is counted THEN every cited source is used and none is dangling", () => {
    const cited = new Set(
      [...Object.values(VLLM_RECORD.flags), ...Object.values(VLLM_RECORD.endpoints), ...Object.values(VLLM_RECORD.env), ...Object.values(VLLM_RECORD.metrics)].flatMap(
        (e) => e.evidence,
      ),
    );
    expect([...cited].sort()).toEqual(Object.keys(VLLM_RECORD.evidence).sort());
  });

  it("GIVEN a repeated flag or a switch with a value WHEN parsed THEN each is refused", () => {
    expect(() => parseEngineArgs(VLLM_RECORD, ["/m", "--port", "1", "--port", "2"])).toThrow(/given twice/);
    expect(() => parseEngineArgs(VLLM_RECORD, ["/m", "--enable-log-requests=yes"])).toThrow(/takes no value/);
    expect(() => parseEngineArgs(VLLM_RECORD, ["--port", "1"])).toThrow(/model directory/);
    expect(() => parseEngineArgs(VLLM_RECORD, ["/m", "--limit-mm-per-prompt", "image=2"])).toThrow(/not JSON/);
  });
});
