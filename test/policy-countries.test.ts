import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  evaluate,
  type K8sObject,
  loadPacks,
  type SynthObject,
  type TerraformStack,
} from "@sovereign/policy";
import { type CountryProfile, loadProfileFile, shippedProfilePath } from "@sovereign/profile";
import { collectObjects, collectTerraform, synthesizeCountry } from "@sovereign/stacks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

interface Synth {
  profile: CountryProfile;
  objects: SynthObject[];
  terraform: TerraformStack[];
}

const synths = new Map<string, Synth>();
const dirs: string[] = [];

beforeAll(async () => {
  for (const cc of ["th", "kr", "sa"]) {
    const profile = loadProfileFile(shippedProfilePath(cc));
    const dir = mkdtempSync(join(tmpdir(), `policy-${cc}-`));
    dirs.push(dir);
    await synthesizeCountry(profile, dir);
    synths.set(cc, {
      profile,
      objects: (await collectObjects(dir)) as SynthObject[],
      terraform: await collectTerraform(dir),
    });
  }
});
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const NOW = new Date("2026-01-01T00:00:00Z");

describe("shipped countries pass their packs", () => {
  for (const cc of ["th", "kr", "sa"]) {
    it(`GIVEN the ${cc} synth WHEN every pack of its profile runs THEN there is no error finding`, () => {
      const s = synths.get(cc)!;
      expect(s.objects.length).toBeGreaterThan(20);
      const findings = evaluate({ ...s, now: NOW });
      const unexpected = findings.filter((f) => f.severity === "error");
      expect(
        unexpected.map((f) => `${f.ruleId} ${f.objectRef.kind} ${f.objectRef.name}: ${f.message}`),
      ).toEqual([]);
    });
  }
});

/** Deep copy so injections never leak between cases. */
const clone = <T>(x: T): T => structuredClone(x);

function mutateFirst(objects: SynthObject[], kind: string, mutate: (o: K8sObject) => void): SynthObject[] {
  const out = clone(objects);
  const target = out.find((o) => o.object.kind === kind);
  if (!target) throw new Error(`no ${kind} in the synth to inject into`);
  mutate(target.object);
  return out;
}

type Spec = {
  spec: { template: { spec: { containers: { image: string; env?: { name: string; value: string }[] }[] } } };
};

/** Injections into real synthesized objects, for the rules where one is natural. */
const REAL: Record<string, (s: Synth) => Synth> = {
  "image-in-country-registry": (s) => ({
    ...s,
    objects: mutateFirst(s.objects, "Deployment", (o) => {
      (o as unknown as Spec).spec.template.spec.containers[0]!.image =
        "docker.io/library/nginx@sha256:" + "a".repeat(64);
    }),
  }),
  "image-pinned-digest": (s) => ({
    ...s,
    objects: mutateFirst(s.objects, "Deployment", (o) => {
      const c = (o as unknown as Spec).spec.template.spec.containers[0]!;
      c.image = c.image.replace(/@sha256:.*/, ":latest");
    }),
  }),
  "telemetry-in-country": (s) => ({
    ...s,
    objects: mutateFirst(s.objects, "ConfigMap", (o) => {
      const cm = o as { data?: Record<string, string> };
      cm.data = { ...cm.data, "otel.yaml": "exporters:\n  otlp: { endpoint: otlp.vendor.example.com:4317 }\n" };
    }),
  }),
  "workload-endpoints-in-country": (s) => ({
    ...s,
    objects: mutateFirst(s.objects, "Deployment", (o) => {
      const c = (o as unknown as Spec).spec.template.spec.containers[0]!;
      c.env = [
        ...(c.env ?? []),
        { name: "OTEL_EXPORTER_OTLP_ENDPOINT", value: "https://otlp.vendor.example.com" },
      ];
    }),
  }),
  "storageclass-encrypted": (s) => ({
    ...s,
    objects: mutateFirst(s.objects, "StorageClass", (o) => {
      (o as { parameters?: Record<string, string> }).parameters = { pool: "rbd" };
    }),
  }),
  "state-backend-in-country": (s) => ({
    ...s,
    terraform: s.terraform.map((t, i) => {
      if (i > 0) return t;
      const j = clone(t.json) as { terraform?: { backend?: unknown } };
      j.terraform = {
        ...(j.terraform ?? {}),
        backend: { s3: { bucket: "b", key: "k", region: "us-east-1" } },
      };
      return { ...t, json: j };
    }),
  }),
};

describe("an injected violation fails with that rule's id", () => {
  const packs = loadPacks(["residency-core", "th-pdpa", "kr-pipa", "sa-pdpl"]);
  for (const pack of packs) {
    for (const rule of pack.rules) {
      it(`GIVEN a synth with one violation of ${pack.id}/${rule.id} WHEN evaluated THEN a finding names ${rule.id}`, () => {
        const cc = pack.id === "kr-pipa" ? "kr" : pack.id === "sa-pdpl" ? "sa" : "th";
        const base = synths.get(cc)!;
        const before = new Set(
          evaluate({ ...base, now: NOW }).map((f) => `${f.ruleId} ${f.objectRef.kind} ${f.objectRef.name}`),
        );
        let injected: Synth;
        if (REAL[rule.id]) injected = REAL[rule.id]!(base);
        else {
          // Inject the rule's first failing fixture into the synthesized set, as another object of the serving stack.
          const fx = rule.fixtures.fail[0]!;
          injected = fx.object
            ? {
                ...base,
                objects: [
                  ...base.objects,
                  {
                    stack: `${cc}-serving`,
                    address: "kubernetes_manifest.injected",
                    source: "manifest",
                    object: clone(fx.object) as unknown as K8sObject,
                  },
                ],
              }
            : {
                ...base,
                terraform: [...base.terraform, { stack: `${cc}-injected`, json: clone(fx.terraform!) }],
              };
          if (fx.params) {
            // The fixture overrides params (a transfer's legal basis): give the profile such a transfer instead.
            const profile = clone(base.profile);
            profile.spec.residency = {
              ...(profile.spec.residency ?? {}),
              approvedTransfers: [
                {
                  id: "eu-research-mirror",
                  destination: "mirror.research.example.org",
                  legalBasis: "approved by the project board",
                  expires: "2099-12-31",
                },
              ],
            };
            injected = { ...injected, profile };
          }
        }
        const after = evaluate({ ...injected, packs: [pack], now: NOW }).filter(
          (f) =>
            !before.has(`${f.ruleId} ${f.objectRef.kind} ${f.objectRef.name}`) && f.reason === "Violation",
        );
        expect(after.map((f) => f.ruleId)).toContain(rule.id);
      });
    }
  }
});
