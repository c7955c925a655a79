import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { tarHeader } from "@sovereign/bundle";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixtureArgs, runCli } from "./cli-harness.js";

// Issue 9, items 8 and 9: manifests as the cluster sees them; names and messages printed safely;
// odd bundles end in exit 1 or 2, never 70.
const work = mkdtempSync(join(tmpdir(), "sovereign-terminal-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const ESC = "\x1b";

beforeAll(async () => {
  expect((await runCli(["bundle", "keygen", "--out", "keys"], work)).code).toBe(0);
  const r = await runCli(["bundle", "pack", "--country", "th", "--key", "keys/bundle.key", "--out", "b", ...fixtureArgs], work);
  expect(r.code, r.err).toBe(0);
});

describe("policy check reads manifests as kubectl does (item 8)", () => {
  it("GIVEN a Deployment whose foreign-registry initContainer is pulled in by a `<<` merge key WHEN checked offline THEN it fails (exit 1) naming the image", async () => {
    writeFileSync(
      join(work, "merge.yaml"),
      `apiVersion: apps/v1
kind: Deployment
metadata: { name: web, namespace: sovereign-serving }
spec:
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec:
      <<: { initContainers: [ { name: fetch, image: "docker.io/evil/fetch:latest" } ] }
      containers: [ { name: web, image: "registry.bkk1.sovereign.example/ai/web@sha256:${"a".repeat(64)}" } ]
`,
    );
    const r = await runCli(["policy", "check", "--country", "th", "--manifest", "merge.yaml", "--manifest-only"], work);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/docker\.io\/evil\/fetch/);
  });

  it("GIVEN the same Deployment inside a DeploymentList WHEN checked offline THEN it fails (exit 1): the list is expanded", async () => {
    writeFileSync(
      join(work, "list.yaml"),
      JSON.stringify({
        apiVersion: "apps/v1",
        kind: "DeploymentList",
        items: [
          {
            apiVersion: "apps/v1",
            kind: "Deployment",
            metadata: { name: "web", namespace: "sovereign-serving" },
            spec: { template: { spec: { containers: [{ name: "web", image: "docker.io/evil/web:latest" }] } } },
          },
        ],
      }),
    );
    const r = await runCli(["policy", "check", "--country", "th", "--manifest", "list.yaml", "--manifest-only"], work);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/docker\.io\/evil\/web/);
  });
});

describe("terminal safety and odd bundles (item 9)", () => {
  it("GIVEN an archive member named with escape sequences that draw a fake OK line WHEN verified THEN the name is printed escaped and no escape byte reaches the terminal", async () => {
    const name = `x${ESC}[2K\rOK b.tar: signature valid${ESC}[8m`;
    const data = Buffer.from("x");
    const tar = Buffer.concat([tarHeader(name, data.length, "file", 0), data, Buffer.alloc(511), Buffer.alloc(10240)]);
    writeFileSync(join(work, "evil.tar"), tar);
    const r = await runCli(["bundle", "verify", "evil.tar", "--key", "keys/bundle.pub"], work);
    expect(r.code).toBe(1);
    expect(r.out + r.err).not.toContain(ESC);
    expect(r.out + r.err).not.toContain("\r");
    expect(r.err).toContain("\\x1b[2K\\x0dOK b.tar");
  });

  it.each([
    ["a manifests list that is a string", { manifests: "x" }],
    ["a descriptor whose digest is a number", { manifests: [{ mediaType: "application/vnd.oci.image.manifest.v1+json", digest: 5, size: "big" }] }],
    ["a non-manifest entry", { manifests: [{ mediaType: "application/vnd.oci.image.index.v1+json", digest: `sha256:${"0".repeat(64)}`, size: 2 }] }],
    ["null", null],
  ])("GIVEN index.json with %s WHEN inspected and extracted THEN exit 1 with the problem named, never an internal error", async (_what, index) => {
    const d = join(work, `odd-${Math.random().toString(36).slice(2)}`);
    await runCli(["bundle", "pack", "--country", "th", "--key", "keys/bundle.key", "--out", d, ...fixtureArgs], work);
    writeFileSync(join(d, "index.json"), JSON.stringify(index));
    const i = await runCli(["bundle", "inspect", d], work);
    expect(i.code).toBe(1);
    expect(i.err).toMatch(/problem index\.json/);
    const x = await runCli(["bundle", "extract", d, "--key", "keys/bundle.pub", "--out", `${d}-out`], work);
    expect(x.code).toBe(1);
    expect(i.err + x.err).not.toMatch(/internal error/);
  });

  it("GIVEN the untouched bundle (control) WHEN inspected THEN exit 0 with the country shown", async () => {
    const idx = JSON.parse(readFileSync(join(work, "b", "index.json"), "utf8"));
    expect(idx.manifests).toHaveLength(1);
    const r = await runCli(["bundle", "inspect", "b"], work);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/country: Kingdom of Thailand \(th\)/);
  });
});
