import type { ComplianceReport } from "./model.js";

const LEVEL = { error: "error", warning: "warning", info: "note" } as const;

/** SARIF 2.1.0 log: one run, one reportingDescriptor per rule, one result per finding. */
export function toSarif(r: ComplianceReport): object {
  const ids = r.rules.map((x) => `${x.packId}/${x.id}`);
  return {
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: "sovereign-policy",
            version: "0.1.0",
            informationUri: "https://sovereign.example/docs/compliance-officer-guide",
            rules: r.rules.map((x) => ({
              id: `${x.packId}/${x.id}`,
              name: x.id,
              shortDescription: { text: x.title },
              fullDescription: { text: x.rationale },
              help: { text: x.legalRefs.length ? `Legal basis: ${x.legalRefs.join("; ")}` : x.rationale },
              defaultConfiguration: { level: LEVEL[x.severity] },
              properties: { tags: ["residency", x.packId], legalRefs: x.legalRefs },
            })),
          },
        },
        results: r.findings.map((f) => {
          const id = `${f.packId}/${f.ruleId}`;
          const o = f.objectRef;
          return {
            ruleId: id,
            ruleIndex: Math.max(0, ids.indexOf(id)),
            level: LEVEL[f.severity],
            message: { text: f.message },
            locations: [
              {
                ...(f.stack
                  ? {
                      physicalLocation: {
                        artifactLocation: { uri: `stacks/${f.stack}/cdk.tf.json`, uriBaseId: "SYNTH" },
                      },
                    }
                  : {}),
                logicalLocations: [
                  {
                    fullyQualifiedName: [
                      f.stack,
                      f.address,
                      `${o.kind}/${o.namespace ? `${o.namespace}/` : ""}${o.name}`,
                    ]
                      .filter(Boolean)
                      .join(":"),
                    kind: "resource",
                  },
                ],
              },
            ],
            properties: { legalRefs: f.legalRefs, field: f.field, reason: f.reason },
          };
        }),
        originalUriBaseIds: { SYNTH: { uri: "cdktf.out/" } },
      },
    ],
  };
}
