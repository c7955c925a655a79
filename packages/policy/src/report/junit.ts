import type { ComplianceReport } from "./model.js";

const esc = (s: string) =>
  s
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");

/** JUnit XML: one testsuite per pack, one testcase per rule; findings of a rule are its failure. */
export function toJUnit(r: ComplianceReport): string {
  const suites = r.packs.map((p) => {
    const rules = r.rules.filter((x) => x.packId === p.id);
    const cases = rules.map((x) => {
      const fs = r.findings.filter((f) => f.packId === p.id && f.ruleId === x.id);
      const head = `    <testcase classname="${esc(`${r.country}.${p.id}`)}" name="${esc(x.id)}" time="0">`;
      if (x.result === "not-applicable")
        return `${head}\n      <skipped message="no object in scope"/>\n    </testcase>`;
      if (fs.length === 0) return `${head}</testcase>`;
      const body = fs
        .map(
          (f) =>
            `${f.objectRef.kind} ${f.objectRef.namespace ? `${f.objectRef.namespace}/` : ""}${f.objectRef.name}: ${f.message}`,
        )
        .join("\n");
      return `${head}\n      <failure message="${esc(`${fs.length} finding(s): ${x.title}`)}" type="${x.severity}">${esc(body)}</failure>\n    </testcase>`;
    });
    const failures = rules.filter((x) => x.result === "fail").length;
    const skipped = rules.filter((x) => x.result === "not-applicable").length;
    return `  <testsuite name="${esc(`${r.country}/${p.id}`)}" tests="${rules.length}" failures="${failures}" errors="0" skipped="${skipped}" timestamp="${r.generatedAt.slice(0, 19)}">\n${cases.join("\n")}\n  </testsuite>`;
  });
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="sovereign policy ${esc(r.country)}" tests="${r.summary.rules}" failures="${r.summary.failed}">\n${suites.join("\n")}\n</testsuites>\n`;
}
