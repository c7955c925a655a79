import { appendFileSync, cpSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "@sovereign/profile";
import { helmBinary } from "@sovereign/tools";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { collectObjects, synthesizeCountry } from "../index.js";
import { readRendering, renderCacheDir, renderKey, writeRendering } from "../render-cache.js";
import { cleanup, shipped, tempDir } from "./helpers.js";

afterAll(cleanup);
const saved = process.env.SOVEREIGN_RENDER_CACHE;
afterEach(() => {
  if (saved === undefined) delete process.env.SOVEREIGN_RENDER_CACHE;
  else process.env.SOVEREIGN_RENDER_CACHE = saved;
});

describe("helm render cache", () => {
  it("GIVEN an empty cache WHEN th's objects are collected twice THEN the second time gives the same objects from one entry per rendered release", async () => {
    const cache = join(tempDir(), "cache");
    process.env.SOVEREIGN_RENDER_CACHE = cache;
    const out = join(tempDir(), "out");
    await synthesizeCountry(shipped("th"), out);
    const first = await collectObjects(out);
    const releases = new Set(first.filter((o) => o.source === "helm").map((o) => `${o.stack} ${o.address}`));
    expect(releases.size).toBeGreaterThan(0);
    expect(readdirSync(cache).filter((f) => f.endsWith(".json"))).toHaveLength(releases.size);
    const second = await collectObjects(out);
    expect(second).toEqual(first);
  });

  it("GIVEN a chart WHEN any of its files or the release's values change THEN the key changes", () => {
    const chart = join(tempDir(), "chart");
    cpSync(join(repoRoot(), "charts", "inference-core"), chart, { recursive: true });
    const helm = helmBinary();
    const args = ["r", "ns", ["a: 1"], []];
    const before = renderKey(helm, chart, args);
    expect(renderKey(helm, chart, args)).toBe(before);
    expect(renderKey(helm, chart, ["r", "ns", ["a: 2"], []])).not.toBe(before);
    appendFileSync(join(chart, "values.yaml"), "\n# edited\n");
    expect(renderKey(helm, chart, args)).not.toBe(before);
  });

  it("GIVEN SOVEREIGN_RENDER_CACHE=off THEN there is no cache; a damaged entry is a miss", () => {
    expect(renderCacheDir({ SOVEREIGN_RENDER_CACHE: "off" })).toBeUndefined();
    expect(renderCacheDir({})).toBe(join(repoRoot(), ".tools", "render-cache"));
    const dir = tempDir();
    writeRendering(dir, "k", [{ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "x" } }]);
    expect(readRendering(dir, "k")).toEqual([{ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "x" } }]);
    writeFileSync(join(dir, "k.json"), "{ damaged");
    expect(readRendering(dir, "k")).toBeUndefined();
  });
});
