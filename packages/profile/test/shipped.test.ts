import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { countriesDir, countryProfileJsonSchema, loadProfileFile, parseProfile } from "../src/index.js";

const schemaFile = new URL("../country-profile.schema.json", import.meta.url);
const shipped = readdirSync(countriesDir()).filter((f) => f.endsWith(".yaml"));

describe("shipped profiles", () => {
  it("GIVEN the countries folder THEN kr, th and sa are shipped", () => {
    expect(shipped.sort()).toEqual(expect.arrayContaining(["kr.yaml", "sa.yaml", "th.yaml"]));
  });

  it.each(shipped)("GIVEN %s WHEN loaded THEN it validates and carries the schema header", (f) => {
    const path = join(countriesDir(), f);
    const text = readFileSync(path, "utf8");
    expect(text.split("\n")[0]).toBe(
      "# yaml-language-server: $schema=../../packages/profile/country-profile.schema.json",
    );
    const p = loadProfileFile(path);
    expect(p.metadata.name).toBe(f.replace(".yaml", ""));
    expect(p.spec.gpuPools.some((x) => x.purpose === "inference")).toBe(true);
    expect(p.spec.gpuPools.some((x) => x.purpose === "training")).toBe(true);
    expect(p.spec.serving.models.length).toBeGreaterThanOrEqual(2);
  });

  it.each(shipped)("GIVEN %s THEN it uses only reserved example hosts and documentation networks", (f) => {
    const p = loadProfileFile(join(countriesDir(), f));
    const text = JSON.stringify(p);
    // s3://<bucket>/<prefix> names a bucket, not a host; its endpoint is an https:// URL checked here.
    for (const m of text.matchAll(/([a-z0-9+.-]+):\/\/([a-z0-9.-]+)/g)) if (m[1] !== "s3") expect(m[2]).toMatch(/\.example$/);
    for (const c of p.spec.sites.flatMap((s) => s.egressCidrs)) {
      expect(c).toMatch(/^(192\.0\.2\.|198\.51\.100\.|203\.0\.113\.|2001:db8:)/);
    }
  });

  it("GIVEN the sites THEN KR and SA have two sites and TH one", () => {
    const sites = (cc: string) => loadProfileFile(join(countriesDir(), `${cc}.yaml`)).spec.sites.length;
    expect([sites("kr"), sites("sa"), sites("th")]).toEqual([2, 2, 1]);
  });
});

describe("JSON Schema", () => {
  it("GIVEN the zod schema WHEN regenerated THEN the committed JSON Schema is identical (run `npm run gen:schemas`)", () => {
    const committed = JSON.parse(readFileSync(schemaFile, "utf8"));
    expect(committed).toEqual(countryProfileJsonSchema());
  });

  it.each(shipped)("GIVEN %s THEN the JSON Schema accepts it (editors agree with the loader)", (f) => {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    const validate = ajv.compile(JSON.parse(readFileSync(schemaFile, "utf8")));
    const ok = validate(parse(readFileSync(join(countriesDir(), f), "utf8")));
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });

  it("GIVEN an unknown key THEN the JSON Schema rejects it too", () => {
    const ajv = new Ajv2020({ strict: false });
    const validate = ajv.compile(JSON.parse(readFileSync(schemaFile, "utf8")));
    const doc = parse(readFileSync(join(countriesDir(), "th.yaml"), "utf8"));
    doc.spec.colour = "blue";
    expect(validate(doc)).toBe(false);
  });
});

describe("normalization", () => {
  it("GIVEN a model without gate settings WHEN loaded THEN safe gate defaults are filled in", () => {
    const p = parseProfile(readFileSync(join(countriesDir(), "th.yaml"), "utf8"));
    expect(p.spec.serving.models[0]!.gate).toEqual({ recordBaseline: false, repetitions: 20 });
  });
});
