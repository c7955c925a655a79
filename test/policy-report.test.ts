import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "@sovereign/cli";
import { chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const CHROMIUM = "/usr/bin/chromium";
if (!existsSync(CHROMIUM)) {
  // `npm run setup` installs Debian's chromium; in CI its absence is a failure, elsewhere a printed skip.
  if (process.env.CI) throw new Error(`${CHROMIUM} missing: run npm run setup`);
  console.warn(`SKIPPED headless rendering of the report: ${CHROMIUM} not installed (npm run setup installs it)`);
}
const tmp = mkdtempSync(join(tmpdir(), "policy-report-"));
const out = join(tmp, "th");
let code = -1;
let stdout = "";

function ctx() {
  return {
    stdout: (s: string) => {
      stdout += s;
    },
    stderr: () => {},
    cwd: tmp,
    env: process.env,
    isTTY: false,
  };
}

beforeAll(async () => {
  code = await main(["policy", "report", "--country", "th", "--out", out], ctx());
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("sovereign policy report --country th", () => {
  it("GIVEN the th profile WHEN the report runs THEN HTML, JSON, SARIF and JUnit files are written", () => {
    expect(stdout).toContain("rules passed");
    expect([0, 1]).toContain(code);
    for (const f of ["report.html", "report.json", "report.sarif", "junit.xml"]) {
      expect(existsSync(join(out, f)), f).toBe(true);
      expect(statSync(join(out, f)).size).toBeGreaterThan(200);
    }
    const json = JSON.parse(readFileSync(join(out, "report.json"), "utf8"));
    expect(code).toBe(json.summary.errors > 0 ? 1 : 0);
    expect(json.residencyMap.map((r: { dataClass: string }) => r.dataClass)).toContain("interaction-logs");
  });

  it("GIVEN the th profile WHEN the report is read THEN it lists each model with the modalities it serves and its weights source", () => {
    const json = JSON.parse(readFileSync(join(out, "report.json"), "utf8"));
    const row = json.otherData.find((r: { what: string }) => r.what.startsWith("Model weights"));
    expect(row.where).toContain("r1-distill-qwen-14b [text]: s3://models/r1-distill-qwen-14b at https://s3.bkk1.sovereign.example");
    expect(row.where).toContain("qwen25-1-5b-instruct [text]:");
    expect(readFileSync(join(out, "report.html"), "utf8")).toContain("r1-distill-qwen-14b [text]");
  });

  it("GIVEN the SARIF file WHEN read THEN it is structurally SARIF 2.1.0 with rule indexes that resolve", () => {
    const sarif = JSON.parse(readFileSync(join(out, "report.sarif"), "utf8"));
    expect(sarif.version).toBe("2.1.0");
    expect(sarif.$schema).toMatch(/sarif-2\.1\.0/);
    expect(sarif.runs).toHaveLength(1);
    const run = sarif.runs[0];
    expect(run.tool.driver.name).toBe("sovereign-policy");
    const ids = run.tool.driver.rules.map((r: { id: string }) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const r of run.tool.driver.rules) {
      expect(r.shortDescription.text.length).toBeGreaterThan(0);
      expect(["error", "warning", "note"]).toContain(r.defaultConfiguration.level);
    }
    for (const res of run.results) {
      expect(ids[res.ruleIndex]).toBe(res.ruleId);
      expect(["error", "warning", "note"]).toContain(res.level);
      expect(res.message.text.length).toBeGreaterThan(0);
      expect(res.locations[0].logicalLocations[0].fullyQualifiedName.length).toBeGreaterThan(0);
    }
  });

  it("GIVEN the JUnit file WHEN read THEN it has one testcase per rule", () => {
    const xml = readFileSync(join(out, "junit.xml"), "utf8");
    const json = JSON.parse(readFileSync(join(out, "report.json"), "utf8"));
    expect(xml.startsWith("<?xml")).toBe(true);
    expect(xml.match(/<testcase /g)).toHaveLength(json.rules.length);
  });

  it.runIf(existsSync(CHROMIUM))(
    "GIVEN the HTML WHEN rendered in headless Chromium THEN the sections show and the screenshot is not blank",
    async () => {
      const browser = await chromium.launchPersistentContext(mkdtempSync(join(tmp, "chrome-")), {
        executablePath: CHROMIUM,
        headless: true,
        viewport: { width: 1280, height: 900 },
        args: [
          "--headless",
          "--no-sandbox",
          "--disable-gpu",
          "--disable-quic",
          "--no-first-run",
          "--disable-background-networking",
          "--disable-component-update",
          "--disable-sync",
        ],
      });
      try {
        // a fresh --user-data-dir: the persistent context's directory is a new temp dir
        const page = await browser.newPage();
        const requests: string[] = [];
        page.on("request", (r) => {
          if (!r.url().startsWith("file:")) requests.push(r.url());
        });
        await page.goto(`file://${join(out, "report.html")}`);
        expect(await page.locator("h1").textContent()).toContain("Kingdom of Thailand");
        for (const id of ["summary", "residency-map", "findings", "rules", "exemptions"]) {
          expect(await page.locator(`#${id}`).isVisible(), id).toBe(true);
        }
        expect(await page.locator("#rules tbody tr").count()).toBeGreaterThan(15);
        expect(requests).toEqual([]); // self-contained: nothing fetched from anywhere
        const png = join(tmp, "report.png");
        const buf = await page.screenshot({ path: png, fullPage: false });
        // Not blank: many distinct byte values across the image (a blank page compresses to a few).
        expect(buf.length).toBeGreaterThan(20_000);
        if (process.env.POLICY_REPORT_SCREENSHOT)
          rmSync(process.env.POLICY_REPORT_SCREENSHOT, { force: true });
        if (process.env.POLICY_REPORT_SCREENSHOT)
          await page.screenshot({ path: process.env.POLICY_REPORT_SCREENSHOT, fullPage: true });
      } finally {
        await browser.close();
      }
    },
  );
});

describe("sovereign policy test / export / check", () => {
  it("GIVEN the shipped packs WHEN `policy test` runs THEN every fixture passes and it exits 0", async () => {
    stdout = "";
    expect(await main(["policy", "test"], ctx())).toBe(0);
    expect(stdout).toMatch(/^(\d+)\/\1 fixtures ok across \d+ rules in 5 pack\(s\)/m);
  });

  it("GIVEN an integrator manifest with a foreign image WHEN `policy check --manifest-only` runs THEN it exits 1 naming the rule", async () => {
    const { writeFileSync } = await import("node:fs");
    const f = join(tmp, "extra.yaml");
    writeFileSync(
      f,
      "apiVersion: v1\nkind: Pod\nmetadata: {name: x, namespace: serving, labels: {sovereign.ai/data-class: none, sovereign.ai/site: bkk1}}\nspec:\n  containers: [{name: c, image: 'docker.io/nginx:1'}]\n",
    );
    stdout = "";
    expect(
      await main(
        ["policy", "check", "--country", "th", "--manifest", f, "--manifest-only", "--format", "json"],
        ctx(),
      ),
    ).toBe(1);
    const res = JSON.parse(stdout);
    expect(res.findings.map((x: { ruleId: string }) => x.ruleId)).toEqual(
      expect.arrayContaining(["image-in-country-registry", "image-pinned-digest"]),
    );
  });

  it("GIVEN an unknown subcommand WHEN run THEN it is a usage error (exit 2)", async () => {
    expect(await main(["policy", "frobnicate"], ctx())).toBe(2);
  });

  it("GIVEN --out WHEN `policy export` runs THEN the YAML lists VAPs, bindings and the params ConfigMap", async () => {
    const f = join(tmp, "vap.yaml");
    expect(await main(["policy", "export", "--country", "th", "--out", f], ctx())).toBe(0);
    const text = readFileSync(f, "utf8");
    expect(text).toContain("kind: ValidatingAdmissionPolicyBinding");
    expect(text).toContain("kind: ConfigMap");
    expect(text).toMatch(/Synth-only rules.*state-backend-in-country/);
  });
});
