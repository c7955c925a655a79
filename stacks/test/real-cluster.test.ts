/**
 * What a real cluster needs from the synthesized stacks, one property per finding of issue 10:
 * the API server is reachable where controllers run (4), LimitRange defaulting leaves every
 * container admissible (5), each data class sits at every site its workloads run at (7), and
 * the smaller ones (9): no empty string maps, PriorityClasses used, state locked, NodeLocal DNS.
 */
import { join } from "node:path";
import { PRIORITY_GATE, PRIORITY_SERVING } from "@sovereign/constructs";
import { evaluate } from "@sovereign/policy";
import {
  type CountryProfile,
  cidrContains,
  hostCidr,
  parseCidr,
  parseQuantity,
  placements,
} from "@sovereign/profile";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { collectObjectsDetailed, collectTerraform, type SynthObject, synthesizeCountry } from "../index.js";
import { GPU_NAMESPACE } from "../gpu.js";
import { cleanup, SHIPPED, shipped, tempDir } from "./helpers.js";

type Json = Record<string, any>;
afterAll(cleanup);

/** Pod spec of a workload object, or undefined. */
function podSpec(o: Json): Json | undefined {
  if (o.kind === "Pod") return o.spec;
  if (o.kind === "CronJob") return o.spec.jobTemplate.spec.template.spec;
  return o.spec?.template?.spec;
}

/**
 * A container as admitted: the API server first defaults a missing request to the limit given
 * (https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/#requests-and-limits),
 * then the LimitRanger fills a missing limit from `default` and a missing request from
 * `defaultRequest` (https://kubernetes.io/docs/concepts/policy/limit-range/).
 */
function admitted(c: Json, range: Json | undefined): { requests: Json; limits: Json } {
  const limits: Json = { ...(c.resources?.limits ?? {}) };
  const requests: Json = { ...(c.resources?.requests ?? {}) };
  for (const [r, v] of Object.entries(limits)) if (requests[r] === undefined) requests[r] = v;
  for (const [r, v] of Object.entries(range?.default ?? {})) if (limits[r] === undefined) limits[r] = v;
  for (const [r, v] of Object.entries(range?.defaultRequest ?? {}))
    if (requests[r] === undefined) requests[r] = limits[r] ?? v;
  return { requests, limits };
}

const STRING_MAPS = new Set(["labels", "annotations", "data", "binaryData", "stringData", "matchLabels", "nodeSelector", "parameters"]);
function emptyMaps(v: unknown, path = ""): string[] {
  if (Array.isArray(v)) return v.flatMap((x, i) => emptyMaps(x, `${path}[${i}]`));
  if (v === null || typeof v !== "object") return [];
  return Object.entries(v).flatMap(([k, x]) => {
    const p = path ? `${path}.${k}` : k;
    const empty = STRING_MAPS.has(k) && x !== null && typeof x === "object" && !Array.isArray(x) && Object.keys(x).length === 0;
    return empty ? [p] : emptyMaps(x, p);
  });
}

describe.each(SHIPPED)("real-cluster properties of %s", (cc) => {
  let profile: CountryProfile;
  let objects: SynthObject[];
  let terraform: { stack: string; json: Json }[];
  const kind = (k: string) => objects.filter((o) => o.object.kind === k).map((o) => o.object as Json);

  beforeAll(async () => {
    profile = shipped(cc);
    const out = join(tempDir(), "cdktf.out");
    await synthesizeCountry(profile, out);
    objects = (await collectObjectsDetailed(out)).objects;
    terraform = (await collectTerraform(out)) as { stack: string; json: Json }[];
  });

  it("GIVEN the GPU Operator namespace WHEN its NetworkPolicies are read THEN the declared API server endpoints are reachable on their port, and the kit's own egress rule accepts that", () => {
    const api = profile.spec.cluster!.apiServer!;
    const egress = kind("NetworkPolicy")
      .filter((p) => p.metadata.namespace === GPU_NAMESPACE)
      .flatMap((p) => (p.spec.egress ?? []) as Json[]);
    for (const cidr of api.cidrs) {
      const target = parseCidr(cidr)!;
      const open = egress.some(
        (r) =>
          (r.to ?? []).some((peer: Json) => peer.ipBlock && cidrContains(parseCidr(peer.ipBlock.cidr)!, target)) &&
          (!r.ports || r.ports.some((p: Json) => p.port === api.port && (p.protocol ?? "TCP") === "TCP")),
      );
      expect(open, `${cidr}:${api.port} from ${GPU_NAMESPACE}`).toBe(true);
    }
    // The API server is not inside the sites' networks in the shipped profiles: only the new rule opens it.
    const sites = profile.spec.sites.flatMap((s) => s.egressCidrs).map((c) => parseCidr(c)!);
    expect(api.cidrs.some((c) => !sites.some((s) => cidrContains(s, parseCidr(c)!)))).toBe(true);
    const findings = evaluate({ profile, objects, terraform }).filter(
      (f) => f.severity === "error" && f.objectRef.kind === "NetworkPolicy",
    );
    expect(findings.map((f) => `${f.ruleId} ${f.objectRef.name}: ${f.message}`)).toEqual([]);
  });

  it("GIVEN every container the kit creates in a namespace with a LimitRange WHEN defaulted as the API server does THEN each request is at most its limit", () => {
    const ranges = new Map(
      kind("LimitRange").map((l) => [l.metadata.namespace, (l.spec.limits as Json[]).find((x) => x.type === "Container")]),
    );
    let checked = 0;
    for (const o of objects.map((x) => x.object as Json)) {
      const spec = podSpec(o);
      const ns = o.metadata.namespace;
      if (!spec || !ranges.has(ns)) continue;
      for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? [])] as Json[]) {
        const { requests, limits } = admitted(c, ranges.get(ns));
        for (const r of ["cpu", "memory"]) {
          if (requests[r] === undefined || limits[r] === undefined) continue;
          expect(
            parseQuantity(String(requests[r])) <= parseQuantity(String(limits[r])),
            `${o.kind} ${ns}/${o.metadata.name} container ${c.name}: ${r} request ${requests[r]} > limit ${limits[r]}`,
          ).toBe(true);
        }
        checked++;
      }
    }
    // Serving pods (fetch + server), gate Jobs (self-test, suites, gate) and purge jobs were checked.
    expect(checked).toBeGreaterThan(3 * profile.spec.serving.models.length);
  });

  it("GIVEN each data class WHEN placed at several sites THEN a claim exists at each, labelled with its true site, and every model's cache claims at its pool's site", () => {
    const claims = kind("PersistentVolumeClaim");
    const classSite = new Map(profile.spec.storage.classes.map((c) => [c.name, c.site]));
    for (const dc of Object.keys(profile.spec.storage.dataClasses) as (keyof typeof profile.spec.storage.dataClasses)[]) {
      for (const p of placements(profile.spec, dc)) {
        const claim = claims.find(
          (c) => c.metadata.labels["sovereign.ai/data-class"] === dc && c.spec.storageClassName === p.storageClass,
        );
        expect(claim, `${dc} at ${p.site}`).toBeDefined();
        expect(claim!.metadata.labels["sovereign.ai/site"]).toBe(p.site);
      }
    }
    for (const d of kind("Deployment").filter((x) => x.spec.template.spec.volumes?.some((v: Json) => v.ephemeral))) {
      const pool = profile.spec.gpuPools.find((p) => p.name === d.spec.template.metadata.labels["sovereign.ai/gpu-pool"])!;
      const tmpl = d.spec.template.spec.volumes.find((v: Json) => v.ephemeral).ephemeral.volumeClaimTemplate;
      expect(classSite.get(tmpl.spec.storageClassName), d.metadata.name).toBe(pool.site);
      expect(tmpl.metadata.labels["sovereign.ai/site"]).toBe(pool.site);
    }
  });

  it("GIVEN every kubernetes_manifest THEN no string map is empty (the provider reads {} back as null and never converges)", () => {
    const manifests = terraform.flatMap((t) =>
      Object.entries((t.json.resource?.kubernetes_manifest ?? {}) as Record<string, Json>).map(
        ([a, r]) => [`${t.stack} ${a}`, r.manifest] as const,
      ),
    );
    expect(manifests.length).toBeGreaterThan(20);
    const found = manifests.flatMap(([a, m]) => emptyMaps(m).map((p) => `${a}: ${p}`));
    expect(found).toEqual([]);
  });

  it("GIVEN the serving pods and the gate Jobs THEN they use the platform's PriorityClasses", () => {
    const classes = new Set(kind("PriorityClass").map((p) => p.metadata.name));
    const deployments = kind("Deployment").filter((d) => d.metadata.namespace === "sovereign-serving");
    const jobs = kind("Job").filter((j) => j.metadata.labels?.["sovereign.ai/role"] === "kernel-gate");
    expect(deployments).toHaveLength(profile.spec.serving.models.length);
    expect(jobs).toHaveLength(profile.spec.serving.models.length);
    for (const d of deployments) expect(d.spec.template.spec.priorityClassName).toBe(PRIORITY_SERVING);
    for (const j of jobs) expect(j.spec.template.spec.priorityClassName).toBe(PRIORITY_GATE);
    expect(classes.has(PRIORITY_SERVING) && classes.has(PRIORITY_GATE)).toBe(true);
  });

  it("GIVEN the state backend WHEN it is S3 THEN every stack locks its state with a lock file", () => {
    for (const t of terraform) {
      const backend = t.json.terraform.backend as Json;
      if (profile.spec.stateBackend.type === "s3") {
        expect(backend.s3.use_lockfile, t.stack).toBe(true);
        expect(t.json.terraform.required_version, t.stack).toBe(">= 1.11.0");
      }
      else expect(Object.keys(backend)).toEqual([profile.spec.stateBackend.type]);
    }
  });

  it("GIVEN NodeLocal DNSCache in the profile THEN every namespace's DNS rule allows its address on port 53", () => {
    const local = profile.spec.cluster?.nodeLocalDns;
    const dns = kind("NetworkPolicy").filter((p) => p.metadata.name === "allow-egress-cluster-dns");
    expect(dns.length).toBeGreaterThanOrEqual(4);
    for (const p of dns) {
      const peers = p.spec.egress.flatMap((r: Json) => r.to) as Json[];
      const cidrs = peers.filter((x) => x.ipBlock).map((x) => x.ipBlock.cidr);
      expect(cidrs, `${p.metadata.namespace}`).toEqual(local ? [hostCidr(local)] : []);
      expect(p.spec.egress[0].ports.map((x: Json) => x.port)).toEqual([53, 53]);
    }
  });
});
