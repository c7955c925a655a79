import { chmodSync, existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { TerraformElement } from "@sovereign/constructs";
import { TEMP_PREFIX } from "@sovereign/diagnostics";
import { repoRoot } from "@sovereign/profile";
import { helmBinary } from "@sovereign/tools";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { Renderings, synthesizeCountry } from "../index.js";
import { cleanup, shipped, tempDir } from "./helpers.js";

afterAll(cleanup);

const CHART = join(repoRoot(), "charts", "inference-core");
const saved = { cache: process.env.SOVEREIGN_RENDER_CACHE, helm: process.env.SOVEREIGN_HELM, tmp: process.env.TMPDIR };
let tmp = "";
beforeEach(() => {
  process.env.SOVEREIGN_RENDER_CACHE = "off";
  // Each test's temp directories land in a folder of its own, so "nothing left" can be checked.
  tmp = tempDir("sovereign-render-tmp-");
  process.env.TMPDIR = tmp;
});
afterEach(() => {
  for (const [k, v] of [["SOVEREIGN_RENDER_CACHE", saved.cache], ["SOVEREIGN_HELM", saved.helm], ["TMPDIR", saved.tmp]] as const) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

/** The values and namespace of th's first serving release, as its synth writes them. */
let served: { namespace?: string; values?: string[] } = {};
beforeAll(async () => {
  const out = join(tempDir(), "th");
  await synthesizeCountry(shipped("th"), out, { residencyCheck: false });
  const json = JSON.parse(readFileSync(join(out, "stacks", "th-serving", "cdk.tf.json"), "utf8")) as {
    resource: { helm_release: Record<string, { namespace?: string; values?: string[] }> };
  };
  served = Object.values(json.resource.helm_release)[0]!;
});

/** A release of the repository's inference-core chart with th's serving values, the given name and namespace. */
function release(name: string, namespace = served.namespace) {
  return { name, namespace, values: served.values };
}

/** A helm that records each call (`<pid> <release>`) in `log`, then runs the real helm; `hang`: it sleeps instead. */
function fakeHelm(log: string, hang = false): string {
  const path = join(tempDir(), "helm");
  const real = helmBinary({ ...process.env, SOVEREIGN_HELM: "" });
  writeFileSync(path, `#!/bin/sh\necho "$$ $2" >> '${log}'\n${hang ? "exec sleep 60" : `exec '${real}' "$@"`}\n`);
  chmodSync(path, 0o755);
  return path;
}

function calls(log: string): { pid: number; release: string }[] {
  if (!existsSync(log)) return [];
  return readFileSync(log, "utf8")
    .trim()
    .split("\n")
    .map((l) => ({ pid: Number(l.split(" ")[0]), release: l.split(" ")[1]! }));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("renderings started early", () => {
  it("GIVEN a release rendered early WHEN the same release is collected THEN helm ran once and the objects are those of a plain rendering", async () => {
    const log = join(tempDir(), "calls");
    process.env.SOVEREIGN_HELM = fakeHelm(log);
    const early = new Renderings();
    early.prefetch(CHART, release("a"));
    const objects = await early.render(CHART, release("a"));
    await early.close();
    expect(calls(log).map((c) => c.release)).toEqual(["a"]);
    expect(early.usedHeld).toBe(1);

    const plain = new Renderings();
    expect(await plain.render(CHART, release("a"))).toEqual(objects);
    await plain.close();
    expect(plain.usedHeld).toBe(0);
    expect(objects.length).toBeGreaterThan(0);
  });

  it("GIVEN a release rendered early WHEN the synthesized release differs (its key does not match) THEN it is rendered again and the objects are the synthesized release's", async () => {
    const log = join(tempDir(), "calls");
    process.env.SOVEREIGN_HELM = fakeHelm(log);
    const r = new Renderings();
    r.prefetch(CHART, release("early", "early-ns"));
    const objects = await r.render(CHART, release("late"));
    await r.close();
    expect(calls(log).map((c) => c.release)).toEqual(["early", "late"]);
    expect(r.usedHeld).toBe(0);
    // The chart puts its objects in the release's namespace: the early rendering's would be in early-ns.
    const namespaces = new Set(objects.map((o) => (o.metadata as { namespace?: string } | undefined)?.namespace));
    expect(namespaces).toEqual(new Set([served.namespace]));
  });

  it("GIVEN helm still rendering early WHEN the renderings are closed THEN the helm process is gone and no temp directory is left", async () => {
    const log = join(tempDir(), "calls");
    process.env.SOVEREIGN_HELM = fakeHelm(log, true);
    const r = new Renderings();
    r.prefetch(CHART, release("slow"));
    // The fake helm writes its pid first thing; wait for that line (no timing assumption).
    while (calls(log).length === 0) await new Promise((done) => setTimeout(done, 20));
    const pid = calls(log)[0]!.pid;
    expect(alive(pid)).toBe(true);
    expect(readdirSync(tmp).some((n) => n.startsWith(TEMP_PREFIX) && n.includes("-render-"))).toBe(true);
    await r.close();
    expect(alive(pid)).toBe(false);
    expect(readdirSync(tmp).filter((n) => n.startsWith(TEMP_PREFIX))).toEqual([]);
    await expect(r.render(CHART, release("after"))).rejects.toThrow(/rendering cancelled/);
  });

  it("GIVEN a synth whose helm hangs WHEN cdktf synthesis fails after the releases were started THEN the synth rejects, helm is killed, and neither output nor temp directory is left", async () => {
    const log = join(tempDir(), "calls");
    process.env.SOVEREIGN_HELM = fakeHelm(log, true);
    const out = join(tempDir(), "out");
    /** An element that fails when cdktf synthesizes it: construction (and so the early start) succeeds. */
    class FailsAtSynth extends TerraformElement {
      override toTerraform(): never {
        throw new Error("fails at synth");
      }
    }
    const renderings = new Renderings();
    await expect(
      synthesizeCountry(shipped("th"), out, {
        renderings,
        customize: (stacks) => new FailsAtSynth(stacks.serving, "fails-at-synth"),
      }),
    ).rejects.toThrow(/fails at synth/);
    // Both serving releases were started before cdktf synthesized, and neither process is left.
    expect(renderings.pids.length).toBeGreaterThanOrEqual(2);
    for (const pid of renderings.pids) expect(alive(pid), `helm ${pid}`).toBe(false);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(tmp).filter((n) => n.startsWith(TEMP_PREFIX))).toEqual([]);
  });

  it("GIVEN th with the render cache off WHEN synthesized THEN every local release is rendered once, all of them early", async () => {
    const renderings = new Renderings();
    const result = await synthesizeCountry(shipped("th"), join(tempDir(), "out"), { renderings });
    const releases = new Set(result.residency!.objects.filter((o) => o.source === "helm").map((o) => `${o.stack} ${o.address}`));
    expect(releases.size).toBeGreaterThan(0);
    expect(renderings.started).toBe(releases.size);
    expect(renderings.usedHeld).toBe(releases.size);
  });
});
