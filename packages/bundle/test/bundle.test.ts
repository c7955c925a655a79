import { execFileSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { Spec, Validation } from "@cyclonedx/cyclonedx-library";
import { helmBinary } from "@sovereign/tools";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ANNOTATION, inspectBundle, MEDIA, packageCharts, verifyBundle } from "../src/index.js";
import { EPOCH, FIXTURES, keyPair, packFixture, removeTmpDirs, tmpDir, verifyKey } from "./helpers.js";
afterAll(removeTmpDirs);

type Layer = { mediaType: string; digest: string; size: number; annotations: Record<string, string> };

function readLayers(dir: string): Layer[] {
  const index = JSON.parse(readFileSync(join(dir, "index.json"), "utf8"));
  const m = JSON.parse(readFileSync(join(dir, "blobs/sha256", index.manifests[0].digest.slice(7)), "utf8"));
  return m.layers;
}

function layerText(dir: string, title: string): string {
  const l = readLayers(dir).find((x) => x.annotations[ANNOTATION.title] === title);
  if (!l) throw new Error(`no layer ${title}`);
  return gunzipSync(readFileSync(join(dir, "blobs/sha256", l.digest.slice(7)))).toString("utf8");
}

describe("bundle pack → verify round trip", () => {
  const keys = keyPair();
  let dir: string;
  let weights: string;
  let weightsSha: string;

  beforeAll(async () => {
    const t = tmpDir();
    weights = join(t, "model.safetensors");
    const data = randomBytes(3 * 1024 * 1024 + 17);
    writeFileSync(weights, data);
    weightsSha = createHash("sha256").update(data).digest("hex");
    dir = join(t, "th-bundle");
    await packFixture(dir, keys, { weights: [weights] });
  });

  it("GIVEN a packed directory WHEN verified with the signer's public key THEN it passes with every file re-hashed", async () => {
    const r = await verifyBundle(dir, verifyKey(keys.pub));
    expect(r.problems).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.files).toBe(readdirSync(join(dir, "blobs/sha256")).length + 5);
  });

  it("GIVEN a packed directory WHEN read as an OCI layout THEN oci-layout, index.json and blobs follow image-layout 1.0", () => {
    expect(JSON.parse(readFileSync(join(dir, "oci-layout"), "utf8"))).toEqual({
      imageLayoutVersion: "1.0.0",
    });
    const index = JSON.parse(readFileSync(join(dir, "index.json"), "utf8"));
    expect(index.mediaType).toBe(MEDIA.index);
    expect(index.manifests[0].annotations[ANNOTATION.refName]).toBe("th-operations");
    for (const f of readdirSync(join(dir, "blobs/sha256"))) {
      const h = createHash("sha256")
        .update(readFileSync(join(dir, "blobs/sha256", f)))
        .digest("hex");
      expect(h).toBe(f);
    }
  });

  it("GIVEN weights given by path WHEN packed THEN they are one raw blob whose digest is the file's sha256", () => {
    const l = readLayers(dir).find((x) => x.annotations[ANNOTATION.title] === "weights/model.safetensors")!;
    expect(l.mediaType).toBe(MEDIA.weights);
    expect(l.digest).toBe(`sha256:${weightsSha}`);
    expect(readFileSync(join(dir, "blobs/sha256", weightsSha)).equals(readFileSync(weights))).toBe(true);
  });

  it("GIVEN text content WHEN packed THEN it is gzip with no name and mtime 0, and the annotation pins the plain digest", () => {
    const l = readLayers(dir).find((x) => x.annotations[ANNOTATION.title] === "runbooks/install.md")!;
    const blob = readFileSync(join(dir, "blobs/sha256", l.digest.slice(7)));
    expect(blob.subarray(0, 4).equals(Buffer.from([0x1f, 0x8b, 0x08, 0x00]))).toBe(true);
    expect(blob.readUInt32LE(4)).toBe(0);
    const plain = gunzipSync(blob);
    expect(l.annotations[ANNOTATION.contentDigest]).toBe(
      `sha256:${createHash("sha256").update(plain).digest("hex")}`,
    );
  });

  it("GIVEN the th profile WHEN runbooks are generated THEN they name the country's stacks, registry and sites", () => {
    const install = layerText(dir, "runbooks/install.md");
    for (const s of [
      "th-platform",
      "th-storage",
      "th-gpu",
      "th-serving",
      "registry.bkk1.sovereign.example/ai",
      "bkk1-a",
    ]) {
      expect(install).toContain(s);
    }
    const names = readLayers(dir)
      .map((l) => l.annotations[ANNOTATION.title])
      .filter((t) => t?.startsWith("runbooks/"));
    expect(names).toEqual([
      "runbooks/incident.md",
      "runbooks/install.md",
      "runbooks/key-rotation.md",
      "runbooks/rollback.md",
      "runbooks/upgrade.md",
    ]);
    expect(layerText(dir, "runbooks/key-rotation.md")).toContain("th-ai-root");
  });

  it("GIVEN the stacks and profile WHEN the image list is built THEN it holds every digest-pinned image from profile, recipe, synth and nothing unpinned", () => {
    const list = layerText(dir, "images/images.txt").trim().split("\n");
    expect(list).toContain(
      "registry.bkk1.sovereign.example/ai/tools/busybox@sha256:1111111111111111111111111111111111111111111111111111111111111111",
    );
    expect(list.some((x) => x.startsWith("registry.bkk1.sovereign.example/ai/trainer@sha256:"))).toBe(true);
    expect(list.some((x) => x.startsWith("registry.bkk1.sovereign.example/ai/inference-core@sha256:"))).toBe(
      true,
    );
    expect(list.every((x) => /@sha256:[0-9a-f]{64}$/.test(x))).toBe(true);
    expect([...list].sort()).toEqual(list);
  });

  it("GIVEN stacks requiring providers WHEN packed THEN providers.json pins them and MIRROR.md gives `terraform providers mirror`", () => {
    const providers = JSON.parse(layerText(dir, "terraform/providers.json"));
    expect(providers).toEqual([
      { name: "helm", source: "hashicorp/helm", version: "3.0.2", stacks: ["th-gpu"] },
      {
        name: "kubernetes",
        source: "hashicorp/kubernetes",
        version: "2.38.0",
        stacks: ["th-gpu", "th-platform"],
      },
    ]);
    const md = layerText(dir, "terraform/MIRROR.md");
    expect(md).toContain("terraform providers mirror");
    expect(md).toContain('helm = { source = "hashicorp/helm", version = "3.0.2" }');
  });

  it("GIVEN the GPU pools WHEN dashboards and alerts are generated THEN they use DCGM metrics and the profile's GPU count", () => {
    const gpu = JSON.parse(layerText(dir, "observability/dashboards/gpu.json"));
    const exprs = gpu.panels.map((p: { targets: { expr: string }[] }) => p.targets[0]!.expr).join("\n");
    expect(exprs).toContain("DCGM_FI_DEV_GPU_UTIL");
    expect(exprs).toContain("DCGM_FI_DEV_XID_ERRORS");
    const rules = layerText(dir, "observability/alerts/gpu.rules.yaml");
    expect(rules).toContain("count(DCGM_FI_DEV_GPU_UTIL) < 104"); // 4×8 + 2×4 + 8×8
    expect(layerText(dir, "observability/alerts/serving.rules.yaml")).toContain(
      'deployment="r1-distill-qwen-14b"',
    );
  });

  it("GIVEN the SBOM WHEN validated with the CycloneDX 1.6 strict JSON schema THEN it is valid and lists npm, container and ML model components", async () => {
    const text = layerText(dir, "sbom/bom.cdx.json");
    const err = await new Validation.JsonStrictValidator(Spec.Version.v1dot6).validate(text);
    expect(err).toBeNull();
    const bom = JSON.parse(text);
    expect(bom.specVersion).toBe("1.6");
    const types = new Set(bom.components.map((c: { type: string }) => c.type));
    for (const t of ["library", "container", "machine-learning-model", "data"])
      expect(types.has(t)).toBe(true);
    expect(
      bom.components.some(
        (c: { name: string; group?: string }) => c.group === "@cyclonedx" && c.name === "cyclonedx-library",
      ),
    ).toBe(true);
    const w = bom.components.find((c: { name: string }) => c.name === "weights/model.safetensors");
    expect(w.hashes[0].content).toBe(weightsSha);
    const news = bom.components.find((c: { name: string }) => c.name === "th-news-licensed");
    expect(news.properties).toContainEqual({ name: "sovereign:legal-basis", value: "licence-agreement" });
    expect(bom.metadata.timestamp).toBe(new Date(EPOCH * 1000).toISOString());
  });

  it("GIVEN a bundle WHEN inspected THEN layers and recipe provenance (licence, legal basis) are listed", async () => {
    const r = await inspectBundle(dir);
    expect(r.problems).toEqual([]);
    expect(r.layers.map((l) => l.title)).toContain("charts/demo-0.2.0.tgz");
    const recipe = r.config?.recipe as { sources: { id: string; legalBasis: { type: string } }[] };
    expect(recipe.sources.map((s) => s.legalBasis.type)).toEqual([
      "statutory",
      "open-licence",
      "licence-agreement",
      "consent",
      "open-licence",
    ]);
  });

  it("GIVEN a text file with a private key in the synth output WHEN packing THEN it is refused and nothing is written", async () => {
    const t = tmpDir();
    const synth = join(t, "synth");
    execFileSync("cp", ["-r", join(FIXTURES, "synth"), synth]);
    writeFileSync(
      join(synth, "leak.pem"),
      "-----BEGIN EC PRIVATE KEY-----\nMHc=\n-----END EC PRIVATE KEY-----\n",
    );
    await expect(packFixture(join(t, "out"), keys, { synthDir: synth })).rejects.toThrow(/private key/);
    expect(existsSync(join(t, "out"))).toBe(false);
  });
});

describe("reproducibility", () => {
  const keys = keyPair();
  for (const ext of ["", ".tar", ".tar.zst"]) {
    it(`GIVEN the same inputs and SOURCE_DATE_EPOCH WHEN packed twice as ${ext || "a directory"} THEN the outputs are byte-identical`, async () => {
      const a = join(tmpDir(), `a${ext}`);
      const b = join(tmpDir(), `b${ext}`);
      const w = join(tmpDir(), "w.bin");
      writeFileSync(w, randomBytes(100_000));
      await packFixture(a, keys, { weights: [w] });
      await packFixture(b, keys, { weights: [w] });
      if (ext === "") {
        const files = (d: string) => readdirSync(d, { recursive: true, encoding: "utf8" }).sort();
        expect(files(a)).toEqual(files(b));
        for (const f of files(a)) {
          if (!statSync(join(a, f)).isFile()) continue;
          expect(readFileSync(join(a, f)).equals(readFileSync(join(b, f))), f).toBe(true);
        }
      } else {
        expect(readFileSync(a).equals(readFileSync(b))).toBe(true);
      }
      expect((await verifyBundle(a, verifyKey(keys.pub))).ok).toBe(true);
    });
  }

  it("GIVEN a different SOURCE_DATE_EPOCH WHEN packed THEN the bundle differs (the epoch is really used)", async () => {
    const a = join(tmpDir(), "a.tar");
    const b = join(tmpDir(), "b.tar");
    await packFixture(a, keys);
    await packFixture(b, keys, { sourceDateEpoch: EPOCH + 1 });
    expect(readFileSync(a).equals(readFileSync(b))).toBe(false);
  });

  it("GIVEN a .tar bundle WHEN listed by GNU tar THEN the signed control files come first, the rest sorted, owned by 0/0 with empty names, 0644/0755 and the fixed mtime", () => {
    return (async () => {
      const a = join(tmpDir(), "a.tar");
      await packFixture(a, keys);
      const out = execFileSync("tar", ["--numeric-owner", "--full-time", "-tvf", a], {
        encoding: "utf8",
        env: { ...process.env, TZ: "UTC" },
      });
      const lines = out.trim().split("\n");
      const names = lines.map((l) => l.split(/\s+/).at(-1)!);
      expect(names.slice(0, 3)).toEqual(["bundle.json", "bundle.json.sig", "checksums.sha256"]);
      expect([...names.slice(3)].sort()).toEqual(names.slice(3));
      for (const l of lines) {
        expect(l).toMatch(/^(-rw-r--r--|drwxr-xr-x) 0\/0 /);
        expect(l).toContain("2023-11-14 22:13:20");
      }
      const names2 = execFileSync("tar", ["--list", "--verbose", "-f", a], { encoding: "utf8" });
      expect(names2).not.toMatch(/root/);
    })();
  });

  it("GIVEN a chart WHEN packaged with the real helm twice from copies with different mtimes THEN the .tgz is byte-identical", () => {
    const a = packageCharts(join(FIXTURES, "charts"), helmBinary(), EPOCH);
    const t = tmpDir();
    execFileSync("cp", ["-r", join(FIXTURES, "charts"), join(t, "charts")]);
    execFileSync("touch", ["-d", "2031-01-01", join(t, "charts/demo/values.yaml")]);
    const b = packageCharts(join(t, "charts"), helmBinary(), EPOCH);
    expect(a[0]!.file).toBe("demo-0.2.0.tgz");
    expect(a[0]!.data.equals(b[0]!.data)).toBe(true);
  });
});
