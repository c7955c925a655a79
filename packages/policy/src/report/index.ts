export { toHtml } from "./html.js";
export { toJUnit } from "./junit.js";
export { buildReport, type ComplianceReport, type ResidencyRow, type RuleReport } from "./model.js";
export { toSarif } from "./sarif.js";
export { findingText } from "./text.js";
