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

  it("GIVEN the record WHEN read THEN every entry names the upstream file it was read from", () => {
    const sources = [
      ...Object.values(VLLM_RECORD.flags),
      ...Object.values(VLLM_RECORD.endpoints),
      ...Object.values(VLLM_RECORD.metrics),
    ].map((x) => x.source);
    for (const s of sources) expect(s).toMatch(/^vllm\/[a-z0-9_/]+\.py( \(|$)/);
    expect(VLLM_RECORD.version).toMatch(/^v\d+\.\d+\.\d+$/);
  });

  it("GIVEN a repeated flag or a switch with a value WHEN parsed THEN each is refused", () => {
    expect(() => parseEngineArgs(VLLM_RECORD, ["/m", "--port", "1", "--port", "2"])).toThrow(/given twice/);
    expect(() => parseEngineArgs(VLLM_RECORD, ["/m", "--enable-log-requests=yes"])).toThrow(/takes no value/);
    expect(() => parseEngineArgs(VLLM_RECORD, ["--port", "1"])).toThrow(/model directory/);
    expect(() => parseEngineArgs(VLLM_RECORD, ["/m", "--limit-mm-per-prompt", "image=2"])).toThrow(/not JSON/);
  });
});
