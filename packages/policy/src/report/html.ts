import type { ComplianceReport } from "./model.js";

const esc = (s: unknown) =>
  String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

const badge = (result: string) => {
  const label = result === "not-applicable" ? "n/a" : result;
  return `<span class="badge ${esc(result)}">${esc(label)}</span>`;
};

const VERDICT = {
  compliant: () =>
    "Compliant: no blocking finding. The same rules are enforced in the cluster by admission policies.",
  "not-compliant": (r: ComplianceReport) =>
    `Not compliant: ${r.summary.errors} blocking finding(s). Synthesis is refused until they are fixed or covered by an approved transfer.`,
  "no-legal-basis": (r: ComplianceReport) =>
    `No legal basis recorded for ${r.uncitedFrameworks.join(", ")}: no policy pack cites ${r.uncitedFrameworks.length === 1 ? "it" : "them"}, so no rule here is tied to ${r.uncitedFrameworks.length === 1 ? "its" : "their"} provisions. Not reported as compliant: add a country pack (sovereign policy new <FRAMEWORK>).`,
} as const;

/** Per-site residency map: networks, then every volume placed there and who mounts it. */
function siteSections(r: ComplianceReport): string {
  return r.sites
    .map((site) => {
      const rows = site.claims
        .map(
          (c) => `<tr><td><code>${esc(c.claim)}</code></td><td>${esc(c.kind)}</td><td>${esc(c.dataClass)}</td>
<td><code>${esc(c.storageClass)}</code></td><td>${esc(c.size ?? "—")}</td>
<td>${c.mountedBy.length ? c.mountedBy.map((m) => `${esc(m.workload)} <span class="muted">(${esc(m.access)})</span>`).join("<br>") : '<span class="muted">mounted by nothing</span>'}</td></tr>`,
        )
        .join("\n");
      return `<div class="site" id="site-${esc(site.site)}"><h3>Site <b>${esc(site.site)}</b> <span class="muted">region ${esc(site.region)} · zones ${site.zones.map(esc).join(", ")}</span></h3>
<p>Egress allowed to <span class="egress">${site.egressCidrs.map((c) => `<code>${esc(c)}</code>`).join(" ") || '<span class="muted">none</span>'}</span>${site.domains.length ? ` · in-country domains ${site.domains.map((d) => `<code>${esc(d)}</code>`).join(" ")}` : ""} · storage classes ${site.storageClasses.map((c) => `<code>${esc(c)}</code>`).join(" ") || '<span class="muted">none</span>'}</p>
${site.claims.length ? `<table class="claims"><thead><tr><th>Volume</th><th>Kind</th><th>Data class</th><th>Storage class</th><th>Size</th><th>Mounted by (access)</th></tr></thead><tbody>\n${rows}\n</tbody></table>` : '<p class="muted">No volume at this site in this deployment.</p>'}</div>`;
    })
    .join("\n");
}

const CSS = `
:root{--ok:#1b7f3b;--bad:#b42318;--na:#667085;--ink:#101828;--mute:#475467;--line:#eaecf0;--bg:#f9fafb}
*{box-sizing:border-box}body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","Noto Sans Thai","Noto Sans KR","Noto Sans Arabic",sans-serif;color:var(--ink);background:var(--bg)}
header{background:#0b3d2e;color:#fff;padding:28px 40px}header h1{margin:0 0 4px;font-size:26px}header p{margin:0;opacity:.85}header code{background:rgba(255,255,255,.18);color:#fff}
main{padding:24px 40px;max-width:1280px}section{background:#fff;border:1px solid var(--line);border-radius:10px;padding:20px 24px;margin:0 0 20px}
h2{margin:0 0 12px;font-size:19px}h3{margin:18px 0 8px;font-size:16px}
.cards{display:flex;gap:14px;flex-wrap:wrap}.card{flex:1 1 150px;border:1px solid var(--line);border-radius:10px;padding:14px 16px;background:#fff}
.card b{display:block;font-size:28px}.card span{color:var(--mute)}.card.bad b{color:var(--bad)}.card.ok b{color:var(--ok)}
.verdict{font-size:18px;font-weight:600;margin:14px 0 0}.verdict.ok{color:var(--ok)}.verdict.bad{color:var(--bad)}
table{border-collapse:collapse;width:100%;font-size:14px}th,td{text-align:left;vertical-align:top;padding:8px 10px;border-bottom:1px solid var(--line)}
th{background:var(--bg);font-weight:600}td.law{color:var(--mute);font-size:13px}code{font-size:13px;background:var(--bg);padding:1px 4px;border-radius:4px}
.badge{display:inline-block;padding:1px 9px;border-radius:999px;font-size:12px;font-weight:700;text-transform:uppercase;color:#fff}
.badge.pass{background:var(--ok)}.badge.fail{background:var(--bad)}.badge.not-applicable{background:var(--na)}
.site{border-top:1px solid var(--line);padding-top:6px;margin-top:14px}.notes li{margin:4px 0}
.sev-error{color:var(--bad);font-weight:600}.sev-warning{color:#b54708;font-weight:600}.muted{color:var(--mute)}
footer{padding:0 40px 30px;color:var(--mute);font-size:13px}
@media print{header{background:#fff;color:#000}section{break-inside:avoid}}
`;

/** Self-contained HTML page for compliance officers: no scripts, no external resources. */
export function toHtml(r: ComplianceReport): string {
  const s = r.summary;
  const ok = s.verdict === "compliant";
  const rulesByPack = r.packs
    .map((p) => {
      const rows = r.rules
        .filter((x) => x.packId === p.id)
        .map(
          (x) => `<tr>
  <td>${badge(x.result)}</td>
  <td><b>${esc(x.title)}</b><br><code>${esc(x.id)}</code> <span class="sev-${esc(x.severity)}">${esc(x.severity)}</span>${x.synthOnly ? ' <span class="muted">(checked at synth)</span>' : ""}<br><span class="muted">${esc(x.rationale)}</span></td>
  <td class="law">${x.legalRefs.length ? x.legalRefs.map(esc).join("<br>") : "—"}</td>
  <td>${esc(x.targets)}</td>
  <td>${x.evaluated}</td><td>${x.findings}</td>
</tr>`,
        )
        .join("\n");
      return `<h3>${esc(p.title)} <code>${esc(p.id)}</code></h3><p class="muted">${esc(p.description)}</p>
<table><thead><tr><th>Result</th><th>Rule</th><th>Law</th><th>Applies to</th><th>Objects checked</th><th>Findings</th></tr></thead><tbody>
${rows}
</tbody></table>`;
    })
    .join("\n");
  const mapRows = r.residencyMap
    .map(
      (
        m,
      ) => `<tr><td><b>${esc(m.dataClass)}</b></td><td>${esc(m.site)}<br><span class="muted">${m.zones.map(esc).join(", ")}</span></td>
<td><code>${esc(m.storageClass)}</code>${m.encrypted ? " encrypted" : ' <span class="sev-error">not encrypted</span>'}</td>
<td>${m.retentionDays !== undefined ? `${m.retentionDays} days` : "—"}${m.legalLimitDays !== undefined ? `<br><span class="muted">legal limit ${m.legalLimitDays} days</span>` : ""}</td>
<td>${m.sites.length ? m.sites.map(esc).join(", ") : '<span class="muted">—</span>'}</td>
<td>${m.volumes.length ? m.volumes.map(esc).join("<br>") : '<span class="muted">none in this deployment</span>'}</td>
<td>${m.rules.map((x) => `<code>${esc(x)}</code>`).join(" ")}</td><td>${badge(m.status)}</td></tr>`,
    )
    .join("\n");
  const otherRows = r.otherData
    .map(
      (o) =>
        `<tr><td><b>${esc(o.what)}</b></td><td>${esc(o.where)}</td><td>${o.rules.map((x) => `<code>${esc(x)}</code>`).join(" ")}</td><td>${badge(o.status)}</td></tr>`,
    )
    .join("\n");
  const findingRows = r.findings
    .map((f) => {
      const o = f.objectRef;
      return `<tr><td class="sev-${esc(f.severity)}">${esc(f.severity)}</td><td><code>${esc(f.ruleId)}</code></td>
<td>${esc(o.kind)} ${esc(o.namespace ? `${o.namespace}/` : "")}${esc(o.name)}<br><span class="muted">${esc([f.stack, f.address].filter(Boolean).join(" "))}</span></td>
<td>${esc(f.field ?? "")}</td><td>${esc(f.message)}</td><td class="law">${f.legalRefs.map(esc).join("<br>")}</td></tr>`;
    })
    .join("\n");
  const transferRows = r.transfers
    .map(
      (t) =>
        `<tr><td><code>${esc(t.id)}</code></td><td>${esc(t.destination)}</td><td>${esc(t.legalBasis)}</td><td>${esc(t.expires)} ${t.active ? "" : '<span class="sev-error">expired</span>'}</td><td>${t.usedBy.length ? t.usedBy.map(esc).join("<br>") : '<span class="muted">unused</span>'}</td></tr>`,
    )
    .join("\n");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Residency compliance report — ${esc(r.countryName)}</title><style>${CSS}</style></head>
<body>
<header><h1>Residency compliance report — ${esc(r.countryName)}</h1>
<p>Profile <code>${esc(r.country)}</code> · frameworks ${r.frameworks.map(esc).join(", ")} · packs ${r.packs.map((p) => esc(p.id)).join(", ")} · generated ${esc(r.generatedAt)}</p></header>
<main>
<section id="summary"><h2>Summary</h2>
<div class="cards">
<div class="card ${s.failed ? "bad" : "ok"}"><b>${s.passed}/${s.applicable}</b><span>applicable rules passed</span></div>
<div class="card"><b>${s.notApplicable}</b><span>rules not applicable (nothing they check is deployed)</span></div>
<div class="card ${s.errors ? "bad" : "ok"}"><b>${s.errors}</b><span>blocking findings</span></div>
<div class="card"><b>${s.warnings}</b><span>warnings</span></div>
<div class="card"><b>${s.objects}</b><span>Kubernetes objects checked</span></div>
<div class="card"><b>${s.stacks}</b><span>stacks</span></div>
</div>
<p class="verdict ${ok ? "ok" : "bad"}" id="verdict">${esc(VERDICT[s.verdict](r))}</p>
</section>
<section id="residency-map"><h2>Residency map</h2>
<p class="muted">Where each class of data lives (data class → site and zones → storage class), and the rules that keep it there.</p>
<table><thead><tr><th>Data class</th><th>Class site / zones</th><th>Storage class</th><th>Retention</th><th>Held at sites</th><th>Volumes</th><th>Rules</th><th>Status</th></tr></thead><tbody>
${mapRows}
</tbody></table>
${r.mapFindings.length ? `<h3>What the map shows that no rule checks</h3><ul class="notes">${r.mapFindings.map((n) => `<li class="sev-warning"><b>${esc(n.dataClass)}</b>: ${esc(n.message)}</li>`).join("")}</ul>` : ""}
<h3>Sites</h3>
${siteSections(r)}
<h3>Other data and dependencies</h3>
<table><thead><tr><th>What</th><th>Where</th><th>Rules</th><th>Status</th></tr></thead><tbody>
${otherRows}
</tbody></table>
</section>
<section id="findings"><h2>Findings (${r.findings.length})</h2>
${r.findings.length ? `<table><thead><tr><th>Severity</th><th>Rule</th><th>Object</th><th>Field</th><th>Message</th><th>Law</th></tr></thead><tbody>\n${findingRows}\n</tbody></table>` : '<p class="muted">No findings.</p>'}
</section>
<section id="rules"><h2>Rules and the law behind them</h2>
${rulesByPack}
</section>
<section id="exemptions"><h2>Approved transfers (exemptions)</h2>
<p class="muted">Objects leave residency only with the annotation <code>sovereign.ai/approved-transfer: &lt;id&gt;</code> naming one of these approvals (profile <code>spec.residency.approvedTransfers</code>). Expired approvals no longer exempt anything.</p>
${r.transfers.length ? `<table><thead><tr><th>Id</th><th>Destination</th><th>Legal basis</th><th>Expires</th><th>Used by</th></tr></thead><tbody>\n${transferRows}\n</tbody></table>` : '<p class="muted">No approved transfers: no data may leave the country.</p>'}
</section>
</main>
<footer>Generated by <code>sovereign policy report</code>. See docs/compliance-officer-guide.md for how to read this page.</footer>
</body></html>
`;
}
