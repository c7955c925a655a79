import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "@sovereign/cli";
import type { ComplianceReport } from "@sovereign/policy";
import { chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// A country the kit does not ship, with two sites and a model at each, declaring a framework no
// pack cites: the officers' report must list both sites, every volume (per-pod weight caches
// included) with who mounts it, each site's egress networks, the legal retention limit beside
// the value, N/A rules apart, and say "no legal basis recorded" instead of "Compliant".

const CHROMIUM = "/usr/bin/chromium";
if (!existsSync(CHROMIUM)) {
  if (process.env.CI) throw new Error(`${CHROMIUM} missing: run npm run setup`);
  console.warn(`SKIPPED headless rendering of the two-site report: ${CHROMIUM} not installed (npm run setup installs it)`);
}

const d = (n: number) => n.toString(16).padStart(2, "0").repeat(32);
const GH = `apiVersion: sovereign.ai/v1alpha1
kind: CountryProfile
metadata: { name: gh }
spec:
  country: GH
  displayName: Republic of Ghana
  frameworks: [GH-DPA]
  registry: registry.acc1.sovereign.example/ai
  kms: { endpoint: https://kms.acc1.sovereign.example, keyRef: gh-root }
  stateBackend: { type: kubernetes, namespace: sovereign-state }
  sites:
    - { name: acc1, region: gh-accra, zones: [acc1-a, acc1-b], egressCidrs: [192.0.2.0/26], domains: [acc1.sovereign.example] }
    - { name: ksi1, region: gh-ashanti, zones: [ksi1-a], egressCidrs: [198.51.100.0/26], domains: [ksi1.sovereign.example] }
  gpuPools:
    - { name: serve-acc, site: acc1, gpu: L40S-48GB, nodes: 2, gpusPerNode: 4, sharing: { strategy: none }, purpose: inference }
    - { name: serve-ksi, site: ksi1, gpu: L40S-48GB, nodes: 1, gpusPerNode: 4, sharing: { strategy: none }, purpose: inference }
  storage:
    classes:
      - { name: acc1-block, site: acc1, provisioner: rbd.csi.ceph.com, encrypted: true, ceph: { clusterID: acc1-ceph, pool: rbd, secretName: csi-rbd, secretNamespace: ceph-csi, kmsID: gh-root } }
      - { name: ksi1-block, site: ksi1, provisioner: rbd.csi.ceph.com, encrypted: true, ceph: { clusterID: ksi1-ceph, pool: rbd, secretName: csi-rbd, secretNamespace: ceph-csi, kmsID: gh-root } }
      - { name: acc1-shared, site: acc1, provisioner: cephfs.csi.ceph.com, encrypted: true, ceph: { clusterID: acc1-ceph, fsName: fs, secretName: csi-cephfs, secretNamespace: ceph-csi, kmsID: gh-root } }
      - { name: ksi1-shared, site: ksi1, provisioner: cephfs.csi.ceph.com, encrypted: true, ceph: { clusterID: ksi1-ceph, fsName: fs, secretName: csi-cephfs, secretNamespace: ceph-csi, kmsID: gh-root } }
    dataClasses:
      model-weights: { storageClass: acc1-block, size: 1Ti, sites: { ksi1: { storageClass: ksi1-block } } }
      interaction-logs: { storageClass: acc1-shared, size: 100Gi, retentionDays: 21, sites: { ksi1: { storageClass: ksi1-shared } } }
      backups: { storageClass: ksi1-block, size: 4Ti, retentionDays: 120 }
  serving:
    models:
      - name: chat-accra
        image: registry.acc1.sovereign.example/ai/inference-core@sha256:${d(1)}
        weights: { uri: s3://weights.acc1.sovereign.example/chat, sha256: "${d(2)}" }
        architecture: { hiddenSize: 1536, layers: 28, heads: 12, kvHeads: 2, intermediateSize: 8960, vocabSize: 151936, maxContext: 32768 }
        pool: serve-acc
        tensorParallel: 1
        replicas: { min: 1, max: 2 }
        modalities: [text]
      - name: chat-kumasi
        image: registry.acc1.sovereign.example/ai/inference-core@sha256:${d(1)}
        weights: { uri: s3://weights.ksi1.sovereign.example/chat, sha256: "${d(2)}" }
        architecture: { hiddenSize: 1536, layers: 28, heads: 12, kvHeads: 2, intermediateSize: 8960, vocabSize: 151936, maxContext: 32768 }
        pool: serve-ksi
        tensorParallel: 1
        replicas: { min: 1, max: 2 }
        modalities: [text]
  residency: { logRetentionLimitDays: 30 }
  policies: [residency-core]
`;

const tmp = mkdtempSync(join(tmpdir(), "policy-report-sites-"));
const out = join(tmp, "gh");
let code = -1;
let stderr = "";
let report: ComplianceReport;
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

beforeAll(async () => {
  writeFileSync(join(tmp, "gh.yaml"), GH);
  code = await main(["policy", "report", "--profile", "gh.yaml", "--out", out], {
    stdout: () => {},
    stderr: (s) => void (stderr += s),
    cwd: tmp,
    env: process.env,
    isTTY: false,
  });
  report = JSON.parse(readFileSync(join(out, "report.json"), "utf8")) as ComplianceReport;
}, 120_000);

describe("officers' report of a new two-site country", () => {
  it("GIVEN a framework no pack cites WHEN reported THEN it warns with the line and the verdict is 'no legal basis', not compliant", () => {
    expect(code).toBe(0); // no rule failed: the missing basis is not a rule finding
    expect(stderr).toMatch(/gh\.yaml:7:\d+: warning framework\.uncited at spec\.frameworks\[0\]: framework GH-DPA/);
    expect(report.uncitedFrameworks).toEqual(["GH-DPA"]);
    expect(report.summary.verdict).toBe("no-legal-basis");
  });

  it("GIVEN two sites WHEN mapped THEN both are listed with their own egress networks and classes", () => {
    expect(report.sites.map((s) => [s.site, s.egressCidrs, s.storageClasses])).toEqual([
      ["acc1", ["192.0.2.0/26"], ["acc1-block", "acc1-shared"]],
      ["ksi1", ["198.51.100.0/26"], ["ksi1-block", "ksi1-shared"]],
    ]);
  });

  it("GIVEN the deployment WHEN mapped THEN every claim and per-pod weights cache appears with who mounts it", () => {
    const claims = report.sites.flatMap((s) => s.claims.map((c) => ({ ...c, site: s.site })));
    const names = claims.map((c) => c.claim);
    expect(names).toEqual(
      expect.arrayContaining([
        "sovereign-serving/model-weights",
        "sovereign-serving/interaction-logs",
        "sovereign-backup/backups",
        "Deployment sovereign-serving/chat-accra ▸ weights-cache",
        "Deployment sovereign-serving/chat-kumasi ▸ weights-cache",
      ]),
    );
    const cache = claims.find((c) => c.claim.includes("chat-accra ▸"))!;
    expect(cache.kind).toBe("per-pod cache");
    expect(cache.mountedBy).toEqual([{ workload: "Deployment sovereign-serving/chat-accra", access: "writes" }]);
    expect(claims.find((c) => c.claim === "sovereign-backup/backups")!.site).toBe("ksi1");
    // each model's weights cache is provisioned at its own site
    expect(claims.find((c) => c.claim.includes("chat-kumasi ▸"))!.site).toBe("ksi1");
    expect(cache.site).toBe("acc1");
    // the serving tier at the class's site writes its request/response logs there; the purge job enforces retention
    expect(claims.find((c) => c.claim === "sovereign-serving/interaction-logs")!.mountedBy).toEqual([
      { workload: "Deployment sovereign-serving/chat-accra", access: "writes" },
      { workload: "CronJob sovereign-serving/purge-interaction-logs", access: "purges" },
    ]);
    // the Kumasi model logs at its own site, on that site's claim
    const ksi = claims.find((c) => c.claim === "sovereign-serving/interaction-logs-ksi1")!;
    expect(ksi.site).toBe("ksi1");
    expect(ksi.mountedBy).toContainEqual({ workload: "Deployment sovereign-serving/chat-kumasi", access: "writes" });
  });

  it("GIVEN the serving tier writes interaction logs WHEN mapped THEN no 'nothing writes' finding is raised for them", () => {
    const notes = report.mapFindings.map((n) => `${n.dataClass}: ${n.message}`).join("\n");
    expect(notes).not.toMatch(/interaction-logs: no workload writes/);
  });

  it("GIVEN a legal retention limit WHEN mapped THEN it stands beside the value; N/A rules are counted apart", () => {
    const logs = report.residencyMap.find((r) => r.dataClass === "interaction-logs")!;
    expect([logs.retentionDays, logs.legalLimitDays]).toEqual([21, 30]);
    const s = report.summary;
    expect(s.applicable + s.notApplicable).toBe(s.rules);
    expect(s.notApplicable).toBeGreaterThan(0);
    expect(s.passed).toBe(s.applicable);
  });

  it.runIf(existsSync(CHROMIUM))(
    "GIVEN the HTML WHEN rendered in headless Chromium THEN both sites, every claim, the networks and the verdict are on the page",
    async () => {
      const browser = await chromium.launchPersistentContext(mkdtempSync(join(tmp, "chrome-")), {
        executablePath: CHROMIUM,
        headless: true,
        viewport: { width: 1280, height: 900 },
        args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
      });
      try {
        const page = await browser.newPage();
        await page.goto(`file://${join(out, "report.html")}`);
        expect(await page.locator("h1").textContent()).toContain("Republic of Ghana");
        for (const site of report.sites) {
          const section = page.locator(`#site-${site.site}`);
          expect(await section.isVisible(), site.site).toBe(true);
          const text = (await section.innerText()).replace(/\s+/g, " ");
          for (const c of site.egressCidrs) expect(text).toContain(c);
          for (const c of site.claims) expect(text, `${site.site}: ${c.claim}`).toContain(c.claim);
        }
        const verdict = await page.locator("#verdict").innerText();
        expect(verdict).toContain("No legal basis recorded for GH-DPA");
        expect(verdict).not.toMatch(/^Compliant/);
        const summary = (await page.locator("#summary").innerText()).replace(/\s+/g, " ");
        expect(summary).toContain(`${report.summary.passed}/${report.summary.applicable} applicable rules passed`);
        expect(summary).toContain(`${report.summary.notApplicable} rules not applicable`);
        const map = (await page.locator("#residency-map").innerText()).replace(/\s+/g, " ");
        expect(map).toContain("legal limit 30 days");
        expect(map).not.toContain("no workload writes to interaction-logs");
      } finally {
        await browser.close();
      }
    },
    60_000,
  );
});
