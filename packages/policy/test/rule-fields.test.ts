// The fields the newer residency rules read exist in the Kubernetes and Gateway API schemas the
// kit pins (kubernetes-models, @kubernetes-models/gateway-api): a rule reading a misspelt field
// would never match anything in a cluster. Facts of other components (Velero, the API server)
// are recorded with their source in the same file and read by hand.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "@sovereign/profile";
import { describe, expect, it } from "vitest";
import { loadPacks } from "../src/pack.js";

interface FieldRecord {
  rule: string;
  package: string;
  schema: string;
  fields: string[];
}
const record = JSON.parse(readFileSync(join(repoRoot(), "upstream", "residency-rule-fields.json"), "utf8")) as {
  schemas: FieldRecord[];
  sources: { rule: string; commit: string; source: string }[];
};

/** Text of the compiled schema module a record names. */
function schemaText(r: FieldRecord): string {
  const dir = join(repoRoot(), "node_modules", r.package);
  const file = r.package === "kubernetes-models" ? join(dir, "_schemas", `${r.schema}.mjs`) : join(dir, `${r.schema}.mjs`);
  return readFileSync(file, "utf8");
}

describe("fields the residency rules read (upstream/residency-rule-fields.json)", () => {
  const ids = new Set(loadPacks(["residency-core"])[0]!.rules.map((r) => r.id));

  it("GIVEN every record THEN it names a shipped residency-core rule and a 40-hex commit where it cites a repository", () => {
    for (const r of [...record.schemas, ...record.sources]) expect(ids, r.rule).toContain(r.rule);
    for (const s of record.sources) expect(s.commit).toMatch(/^[0-9a-f]{40}$/);
  });

  it.each(record.schemas.map((r) => [`${r.schema} (${r.rule})`, r] as const))(
    "GIVEN %s THEN each recorded field is a property of the pinned schema",
    (_, r) => {
      const text = schemaText(r);
      for (const f of r.fields) expect(text, `${r.schema}.${f}`).toMatch(new RegExp(`(data\\.${f}\\b|"${f}")`));
    },
  );

  it("GIVEN a field no schema has THEN the same check refuses it (the check can fail)", () => {
    expect(schemaText(record.schemas.find((r) => r.schema === "IoK8sApiCoreV1HostAlias")!)).not.toMatch(/(data\.hostAddress\b|"hostAddress")/);
  });

  it("GIVEN each rule the record covers WHEN its CEL is read THEN it reads the recorded fields", () => {
    const pack = loadPacks(["residency-core"])[0]!;
    for (const r of record.schemas) {
      const rule = pack.rules.find((x) => x.id === r.rule)!;
      const cel = [...rule.variables.map((v) => v.expression), ...rule.validations.map((v) => v.expression)].join("\n");
      const read = r.fields.filter((f) => cel.includes(f));
      expect(read.length, `${r.rule} reads none of ${r.fields.join(", ")}`).toBeGreaterThan(0);
    }
  });
});
