import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { InputError } from "@sovereign/diagnostics";
import { describe, expect, it } from "vitest";
import { loadManifests } from "../src/index.js";
import { scratchDirs } from "../../../test/scratch.js";

/** A fresh temp directory, removed once this file's tests have run. */
const scratch = scratchDirs();

// Issue 9, item 8: integrators' manifests are read as kubectl and the API server read them.
const dir = scratch("sovereign-manifests-");
function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

const images = (o: unknown) => {
  const spec = (o as { spec: { template: { spec: { initContainers?: { image: string }[]; containers: { image: string }[] } } } }).spec.template.spec;
  return [...(spec.initContainers ?? []), ...spec.containers].map((c) => c.image);
};

describe("merge keys", () => {
  it("GIVEN a pod spec that pulls initContainers in through `<<` WHEN loaded THEN the merged initContainer is there, as kubectl sends it", () => {
    const p = file(
      "merge.yaml",
      `apiVersion: apps/v1
kind: Deployment
metadata: { name: web }
spec:
  template:
    spec:
      <<: &extra
        initContainers:
          - { name: fetch, image: docker.io/evil/fetch:latest }
      containers:
        - { name: web, image: registry.bkk1.sovereign.example/ai/web@sha256:${"a".repeat(64)} }
`,
    );
    const [o] = loadManifests([p]);
    expect(images(o!.object)).toContain("docker.io/evil/fetch:latest");
    expect(Object.keys((o!.object as unknown as { spec: { template: { spec: object } } }).spec.template.spec)).not.toContain("<<");
  });

  it("GIVEN a key set both explicitly and through `<<` WHEN loaded THEN the explicit value wins, in either order (YAML 1.1 merge, as go-yaml)", () => {
    for (const [order, body] of [
      ["before", "    <<: *l\n    tier: explicit\n"],
      ["after", "    tier: explicit\n    <<: *l\n"],
    ] as const) {
      const p = file(
        `order-${order}.yaml`,
        `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  labels: &l { tier: merged, team: a }\n  annotations:\n${body}`,
      );
      const [o] = loadManifests([p]);
      expect(o!.object.metadata?.annotations, order).toEqual({ tier: "explicit", team: "a" });
    }
  });

  it("GIVEN `<<` with a scalar value WHEN loaded THEN exit-2 error yaml.merge naming the file (kubectl refuses it too)", () => {
    const p = file("bad-merge.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  <<: 5\n");
    expect(() => loadManifests([p])).toThrow(InputError);
    try {
      loadManifests([p]);
    } catch (e) {
      expect((e as InputError).issues[0]).toMatchObject({ code: "yaml.merge", file: p });
    }
  });
});

describe("lists", () => {
  it("GIVEN a DeploymentList (and a List inside a List) WHEN loaded THEN every item is checked as its own object", () => {
    const dep = (n: string, image: string) => `{ apiVersion: apps/v1, kind: Deployment, metadata: { name: ${n} }, spec: { template: { spec: { containers: [ { name: c, image: ${image} } ] } } } }`;
    const p = file(
      "list.yaml",
      `apiVersion: apps/v1\nkind: DeploymentList\nitems:\n  - ${dep("a", "docker.io/x/a:1")}\n  - apiVersion: v1\n    kind: List\n    items:\n      - ${dep("b", "docker.io/x/b:1")}\n`,
    );
    const objs = loadManifests([p]);
    expect(objs.map((o) => `${o.object.kind}/${o.object.metadata?.name}`)).toEqual(["Deployment/a", "Deployment/b"]);
    expect(objs.map((o) => o.address)).toEqual([`${p}#0.0`, `${p}#0.1.0`]);
  });

  it("GIVEN list items that are not objects, or metadata that is a string WHEN loaded THEN located exit-2 issues, no crash", () => {
    const p = file("junk.yaml", "apiVersion: v1\nkind: List\nitems: [1, \"x\", null, {apiVersion: v1, kind: Pod, metadata: oops}]\n");
    try {
      loadManifests([p]);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(InputError);
      expect((e as InputError).issues.map((i) => i.code)).toEqual(Array(4).fill("manifest.not_object"));
    }
  });
});
