import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { evaluate, exportAdmission } from "@sovereign/policy";
import type { CountryProfile } from "@sovereign/profile";
import { inCountryCidrs, parseQuantity, readWriteMany, repoRoot } from "@sovereign/profile";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import {
  collectObjectsDetailed,
  collectTerraform,
  hasTraining,
  SYSTEM_NAMESPACE,
  type SynthObject,
  synthesizeCountry,
  type UnrenderedRelease,
} from "../index.js";
import { cleanup, SHIPPED, shipped, tempDir } from "./helpers.js";
import { validateObject } from "./k8s-schema.js";
import { newProfile } from "./profiles.js";
import { gpuOperatorImages } from "./upstream.js";

afterAll(cleanup);

// Synthesized objects are walked loosely; assertions, not types, check their shape.
type Json = Record<string, any>;

function files(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((n) => (statSync(join(dir, n)).isDirectory() ? files(join(dir, n)) : [join(dir, n)]));
}

/** Every `image:` string anywhere inside a value. */
function images(v: unknown, out: string[] = []): string[] {
  if (Array.isArray(v)) for (const x of v) images(x, out);
  else if (v && typeof v === "object") {
    for (const [k, x] of Object.entries(v)) {
      if (k === "image" && typeof x === "string") out.push(x);
      else images(x, out);
    }
  }
  return out;
}

const CASES: [string, () => CountryProfile][] = [
  ...SHIPPED.map((cc): [string, () => CountryProfile] => [cc, () => shipped(cc)]),
  ["ke (new profile written in the test)", newProfile],
];

/**
 * Images set in chart values: the GPU Operator's `repository`/`image`/`version` and the
 * `repository`/`tag` form of the Kueue and JobSet charts (tag `<version>@sha256:<hex>`), at any depth.
 */
function chartImages(v: unknown): string[] {
  if (!v || typeof v !== "object") return [];
  const o = v as Json;
  const here =
    typeof o.repository !== "string"
      ? []
      : typeof o.version === "string"
        ? [`${o.repository}/${o.image}@${o.version}`]
        : typeof o.tag === "string"
          ? [`${o.repository}:${o.tag}`]
          : [];
  return [...here, ...Object.values(o).flatMap(chartImages)];
}

describe.each(CASES)("stacks of %s", (_label, load) => {
  let profile: CountryProfile;
  let out: string;
  let objects: SynthObject[];
  let unrendered: UnrenderedRelease[];
  let terraform: { stack: string; json: Json }[];
  const kinds = (kind: string) => objects.filter((o) => o.object.kind === kind).map((o) => o.object as Json);

  beforeAll(async () => {
    profile = load();
    out = join(tempDir(), "cdktf.out");
    await synthesizeCountry(profile, out);
    ({ objects, unrendered } = await collectObjectsDetailed(out));
    terraform = (await collectTerraform(out)) as { stack: string; json: Json }[];
  });

  it("GIVEN the profile WHEN synthesized THEN every stack exists and has resources or outputs", () => {
    const cc = profile.metadata.name;
    const training = hasTraining(profile) ? [`${cc}-crds`, `${cc}-training`] : [];
    expect(terraform.map((t) => t.stack).sort()).toEqual(
      [`${cc}-gpu`, `${cc}-platform`, `${cc}-serving`, `${cc}-storage`, ...training].sort(),
    );
    for (const t of terraform.filter((x) => !x.stack.endsWith("-serving")))
      expect(Object.keys(t.json.resource as Json).length).toBeGreaterThan(0);
  });

  it("GIVEN the synth WHEN images are listed THEN each starts with <registry>/ and is pinned by digest", () => {
    const registry = profile.spec.registry;
    const all = objects.flatMap((o) => images(o.object));
    // GPU Operator images live in the helm values (remote chart): rebuild each reference as the
    // chart and the operator join it (upstream record).
    for (const t of terraform) {
      const releases = ((t.json.resource as Json | undefined)?.helm_release ?? {}) as Record<
        string,
        { chart?: string; values?: string[] }
      >;
      for (const r of Object.values(releases)) {
        for (const v of r.values ?? [])
          all.push(
            ...(r.chart === "gpu-operator"
              ? gpuOperatorImages(parseYaml(v)).map((i) => i.image)
              : chartImages(parseYaml(v))),
          );
      }
    }
    expect(all.length).toBeGreaterThan(0);
    for (const image of all) {
      expect(image.startsWith(`${registry}/`), image).toBe(true);
      expect(image, image).toMatch(/@sha256:[0-9a-f]{64}$/);
    }
  });

  it("GIVEN every StorageClass THEN its zones are a subset of its site's zones, binding waits, data is retained and encrypted with the profile's KMS", () => {
    const classes = kinds("StorageClass");
    expect(classes.map((c) => c.metadata.name).sort()).toEqual(
      profile.spec.storage.classes.map((c) => c.name).sort(),
    );
    for (const sc of classes) {
      const site = profile.spec.sites.find(
        (s) => s.name === (sc.metadata.labels as Json)["sovereign.ai/site"],
      )!;
      const zones = (
        sc.allowedTopologies as { matchLabelExpressions: { key: string; values: string[] }[] }[]
      ).flatMap((t) =>
        t.matchLabelExpressions
          .filter((e) => e.key === "topology.kubernetes.io/zone")
          .flatMap((e) => e.values),
      );
      expect(zones.length).toBeGreaterThan(0);
      for (const z of zones) expect(site.zones).toContain(z);
      expect(sc.volumeBindingMode).toBe("WaitForFirstConsumer");
      expect(sc.reclaimPolicy).toBe("Retain");
      expect((sc.parameters as Json).encrypted).toBe("true");
      expect(Object.values(sc.parameters as Json)).toContain(profile.spec.kms.keyRef);
    }
  });

  it("GIVEN every namespace THEN ingress and egress are denied by default and egress reaches only profile CIDRs, cluster DNS and the same namespace", () => {
    // Site networks everywhere; the API server and NodeLocal DNS addresses the profile declares.
    const cidrs = new Set(inCountryCidrs(profile.spec));
    const namespaces = kinds("Namespace").map((n) => n.metadata.name as string);
    expect(namespaces.length).toBeGreaterThanOrEqual(4);
    const policies = kinds("NetworkPolicy");
    for (const ns of namespaces) {
      const mine = policies.filter((p) => p.metadata.namespace === ns) as (Json & { spec: Json })[];
      const denyAll = mine.find(
        (p) =>
          JSON.stringify(p.spec.podSelector) === "{}" &&
          !p.spec.egress &&
          !p.spec.ingress &&
          (p.spec.policyTypes as string[]).includes("Egress"),
      );
      expect(denyAll, `default-deny in ${ns}`).toBeDefined();
      expect((denyAll!.spec.policyTypes as string[]).sort()).toEqual(["Egress", "Ingress"]);
      const egressRules = mine.flatMap(
        (p) => (p.spec.egress ?? []) as { to?: Json[]; ports?: { port: number }[] }[],
      );
      let reachesCountry = false;
      for (const rule of egressRules) {
        expect(rule.to, `egress rule without 'to' in ${ns} allows everything`).toBeDefined();
        for (const peer of rule.to!) {
          if (peer.ipBlock) {
            expect(cidrs.has((peer.ipBlock as Json).cidr as string), JSON.stringify(peer)).toBe(true);
            reachesCountry = true;
          } else if (peer.namespaceSelector) {
            expect(peer.namespaceSelector).toEqual({
              matchLabels: { "kubernetes.io/metadata.name": "kube-system" },
            });
            expect(rule.ports?.map((p) => p.port)).toEqual([53, 53]);
          } else {
            expect(peer).toEqual({ podSelector: {} });
          }
        }
      }
      expect(reachesCountry, `in-country egress in ${ns}`).toBe(true);
    }
  });

  it("GIVEN the tenant namespaces THEN each has restricted Pod Security, residency labels and a GPU quota; serving's fits every model", () => {
    const tenants = kinds("Namespace").filter(
      (n) =>
        n.metadata.labels["pod-security.kubernetes.io/enforce"] === "restricted" &&
        n.metadata.labels["sovereign.ai/data-class"] !== "none",
    );
    expect(tenants.map((t) => t.metadata.name).sort()).toEqual([
      "sovereign-backup",
      "sovereign-serving",
      "sovereign-training",
    ]);
    const siteNames = profile.spec.sites.map((s) => s.name);
    for (const t of tenants) {
      const labels = t.metadata.labels as Json;
      expect(siteNames).toContain(labels["sovereign.ai/site"]);
      expect(labels["sovereign.ai/data-class"]).toBeTruthy();
      const quota = kinds("ResourceQuota").find((q) => q.metadata.namespace === t.metadata.name) as Json & {
        spec: { hard: Json };
      };
      expect(quota.spec.hard["requests.nvidia.com/gpu"]).toMatch(/^\d+$/);
      expect(kinds("LimitRange").some((l) => l.metadata.namespace === t.metadata.name)).toBe(true);
    }
    const serving = kinds("ResourceQuota").find(
      (q) => q.metadata.namespace === "sovereign-serving",
    ) as Json & { spec: { hard: Json } };
    const need = profile.spec.serving.models.reduce((n, m) => n + m.tensorParallel * m.replicas.min, 0);
    expect(Number(serving.spec.hard["requests.nvidia.com/gpu"])).toBeGreaterThanOrEqual(need);
  });

  it("GIVEN the data classes THEN each has a claim on its class; every retention period has a purge job", () => {
    const claims = kinds("PersistentVolumeClaim").filter(
      (c) => (c.metadata.labels as Json)?.["sovereign.ai/data-class"],
    );
    for (const [dc, spec] of Object.entries(profile.spec.storage.dataClasses)) {
      const claim = claims.find((c) => c.metadata.name === dc) as Json & { spec: Json };
      expect(claim, dc).toBeDefined();
      expect(claim.spec.storageClassName).toBe(spec!.storageClass);
      expect(parseQuantity(((claim.spec.resources as Json).requests as Json).storage as string)).toBe(
        parseQuantity(spec!.size),
      );
      const purge = kinds("CronJob").find(
        (j) => (j.metadata.labels as Json)["sovereign.ai/data-class"] === dc,
      );
      if (spec!.retentionDays === undefined) expect(purge).toBeUndefined();
      else expect(JSON.stringify(purge)).toContain(`-mtime +${spec!.retentionDays - 1}`);
    }
  });

  it("GIVEN the interaction-logs claims THEN each is ReadWriteMany exactly when its class is a shared file system, and every other data class claim is ReadWriteOnce", () => {
    const claims = kinds("PersistentVolumeClaim").filter((c) => (c.metadata.labels as Json)?.["sovereign.ai/data-class"]) as (Json & {
      spec: { accessModes: string[]; storageClassName: string };
    })[];
    expect(claims.length).toBeGreaterThan(0);
    for (const c of claims) {
      const cls = profile.spec.storage.classes.find((x) => x.name === c.spec.storageClassName)!;
      const logs = (c.metadata.labels as Json)["sovereign.ai/data-class"] === "interaction-logs";
      expect({ claim: c.metadata.name, modes: c.spec.accessModes }).toEqual({
        claim: c.metadata.name,
        modes: [logs && readWriteMany(cls) ? "ReadWriteMany" : "ReadWriteOnce"],
      });
    }
  });

  it("GIVEN the GPU pools THEN each has node-pool config, a device-plugin config matching its sharing, and the nvidia RuntimeClass exists", () => {
    const cm = kinds("ConfigMap").find((c) => c.metadata.name === "device-plugin-config") as Json & {
      data: Record<string, string>;
    };
    for (const pool of profile.spec.gpuPools) {
      expect(kinds("ConfigMap").some((c) => c.metadata.name === `gpu-pool-${pool.name}`)).toBe(true);
      const cfg = JSON.parse(cm.data[pool.name]!);
      if (pool.sharing.strategy === "time-slicing")
        expect(cfg.sharing.timeSlicing.resources[0].replicas).toBe(pool.sharing.replicas);
      if (pool.sharing.strategy === "mig") expect(cfg.flags.migStrategy).toBe("single");
      const cap = kinds("DaemonSet").find((d) => d.metadata.name === `gpu-power-cap-${pool.name}`);
      if (pool.powerLimitWatts)
        expect(JSON.stringify(cap)).toContain(`nvidia-smi -pl ${pool.powerLimitWatts}`);
      else expect(cap).toBeUndefined();
    }
    // The operator creates and owns the nvidia RuntimeClass; the kit must not fight it.
    expect(kinds("RuntimeClass")).toEqual([]);
    // Only the remote charts (GPU Operator; Kueue and JobSet with training) are left unrendered;
    // local charts are rendered by helm.
    const remote = `oci://${profile.spec.registry}/charts`;
    expect(unrendered.map((u) => u.chart).sort()).toEqual(
      [
        `${remote}/gpu-operator@${profile.spec.gpuOperator!.chartVersion}`,
        ...(hasTraining(profile) ? [`${remote}/jobset@0.12.0`, `${remote}/kueue@0.19.2`] : []),
      ].sort(),
    );
  });

  it("GIVEN every model THEN its rendered Deployment requests exactly tensorParallel GPUs on its pool", () => {
    const deployments = objects
      .filter((o) => o.source === "helm" && o.object.kind === "Deployment")
      .map((o) => o.object as Json);
    expect(deployments.length).toBe(profile.spec.serving.models.length);
    for (const m of profile.spec.serving.models) {
      const d = deployments.find((x) => JSON.stringify(x.metadata.labels ?? {}).includes(m.name));
      expect(d, m.name).toBeDefined();
      const gpus = (d!.spec.template.spec.containers as Json[]).map((c) =>
        Number(c.resources?.limits?.["nvidia.com/gpu"] ?? 0),
      );
      expect(gpus.reduce((a, b) => a + b, 0)).toBe(m.tensorParallel);
      expect(JSON.stringify(d!.spec.template.spec.affinity)).toContain(m.pool);
    }
  });

  it("GIVEN the profile's policy packs THEN the platform stack deploys their admission policies, bindings and params", () => {
    const expected = exportAdmission(profile, { paramsNamespace: SYSTEM_NAMESPACE });
    const platform = objects
      .filter((o) => o.stack === `${profile.metadata.name}-platform`)
      .map((o) => o.object);
    for (const e of expected) {
      expect(
        platform.some((o) => o.kind === e.kind && o.metadata.name === e.metadata.name),
        `${e.kind} ${e.metadata.name}`,
      ).toBe(true);
    }
    expect(expected.some((e) => e.kind === "ValidatingAdmissionPolicyBinding")).toBe(true);
    expect(kinds("Namespace").map((n) => n.metadata.name)).toContain(SYSTEM_NAMESPACE);
  });

  it("GIVEN the profile's real residency packs THEN the platform, gpu and storage stacks have no error finding", () => {
    const findings = evaluate({ profile, objects, terraform });
    const mine = findings.filter((f) => f.severity === "error" && !f.stack?.endsWith("-serving"));
    expect(mine.map((f) => `${f.ruleId} ${f.objectRef.kind}/${f.objectRef.name}: ${f.message}`)).toEqual([]);
    const serving = findings.filter((f) => f.severity === "error" && f.stack?.endsWith("-serving"));
    if (serving.length > 0) {
      console.log(
        `${profile.metadata.name}-serving (ModelService objects) findings: ${serving.map((f) => `${f.ruleId}@${f.objectRef.name}`).join(", ")}`,
      );
    }
  });

  it("GIVEN any pod template naming a PriorityClass or RuntimeClass THEN the synth creates that class", () => {
    const named = (key: string, v: unknown, out: Set<string> = new Set()): Set<string> => {
      if (Array.isArray(v)) for (const x of v) named(key, x, out);
      else if (v && typeof v === "object")
        for (const [k, x] of Object.entries(v)) {
          if (k === key && typeof x === "string") out.add(x);
          else named(key, x, out);
        }
      return out;
    };
    const all = objects.map((o) => o.object);
    const priorities = new Set(kinds("PriorityClass").map((p) => p.metadata.name));
    // RuntimeClasses the kit creates, plus the one the GPU Operator creates (operator.runtimeClass).
    const runtimes = new Set(kinds("RuntimeClass").map((p) => p.metadata.name));
    for (const t of terraform)
      for (const r of Object.values(((t.json.resource as Json | undefined)?.helm_release ?? {}) as Json))
        if ((r as Json).chart === "gpu-operator")
          runtimes.add(parseYaml((r as Json).values[0]).operator.runtimeClass);
    expect(named("priorityClassName", all).size).toBeGreaterThan(0);
    for (const n of named("priorityClassName", all)) expect(priorities.has(n), n).toBe(true);
    for (const n of named("runtimeClassName", all)) expect(runtimes.has(n), n).toBe(true);
  });

  it("GIVEN every stack THEN its Terraform backend is the profile's type and holds no credential", () => {
    for (const t of terraform) {
      const backend = (t.json.terraform as Json).backend as Json;
      expect(Object.keys(backend)).toEqual([profile.spec.stateBackend.type]);
      const cfg = JSON.stringify(backend);
      for (const forbidden of ["conn_str", "access_key", "secret_key", "token", "password"])
        expect(cfg).not.toContain(forbidden);
    }
  });

  it("GIVEN the synth THEN no file holds a secret value, an absolute path or a timestamp", () => {
    for (const f of files(out)) {
      const text = readFileSync(f, "utf8");
      const name = relative(out, f);
      expect(text, name).not.toMatch(/-----BEGIN [A-Z ]*PRIVATE KEY-----/);
      expect(text, name).not.toMatch(/"(password|secret_key|access_key|conn_str|token)"\s*:/i);
      expect(text, name).not.toContain(out);
      expect(text, name).not.toContain(repoRoot());
      expect(text, name).not.toMatch(/\b20\d\d-\d\d-\d\dT\d\d:\d\d/);
    }
    expect(kinds("Secret")).toEqual([]);
  });

  it("GIVEN every Kubernetes object THEN it validates against the Kubernetes OpenAPI schema (kinds without a schema are listed)", async () => {
    const results = await Promise.all(objects.map((o) => validateObject(o.object)));
    const invalid = results.filter((r) => r.error);
    expect(invalid).toEqual([]);
    const uncovered = results.filter((r) => !r.covered).map((r) => r.ref);
    if (uncovered.length > 0)
      console.log(`not covered by kubernetes-models / gateway-api schemas: ${uncovered.join(", ")}`);
    expect(results.filter((r) => r.covered).length).toBeGreaterThan(objects.length / 2);
  });
});

describe("reproducible synth", () => {
  it("GIVEN the same profile WHEN synthesized twice into different directories THEN every file is byte-identical", async () => {
    for (const [, load] of CASES) {
      const a = join(tempDir(), "out");
      const b = join(tempDir(), "elsewhere", "cdktf.out");
      await synthesizeCountry(load(), a);
      await synthesizeCountry(load(), b);
      const fa = files(a).map((f) => relative(a, f));
      expect(files(b).map((f) => relative(b, f))).toEqual(fa);
      for (const f of fa) expect(readFileSync(join(b, f)).equals(readFileSync(join(a, f))), f).toBe(true);
    }
  });
});

describe("credentials in the environment", () => {
  it("GIVEN PG_CONN_STR and S3 keys set WHEN pg and s3 countries synthesize THEN no credential reaches the output", async () => {
    const secrets = {
      PG_CONN_STR: "postgres://tf:pg-s3cr3t-value@pg.ruh1.sovereign.example/tfstate",
      AWS_ACCESS_KEY_ID: "AKIAEXAMPLEKEYID0001",
      AWS_SECRET_ACCESS_KEY: "s3-secret-access-key-value-0001",
    };
    const saved = Object.fromEntries(Object.keys(secrets).map((k) => [k, process.env[k]]));
    Object.assign(process.env, secrets);
    try {
      for (const cc of SHIPPED) {
        const out = join(tempDir(), "out");
        await synthesizeCountry(shipped(cc), out);
        for (const f of files(out)) {
          const text = readFileSync(f, "utf8");
          for (const v of Object.values(secrets))
            expect(text.includes(v), `${cc} ${relative(out, f)}`).toBe(false);
        }
      }
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });
});
