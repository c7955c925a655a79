import type { GateResult, KernelDecision } from "./decide.js";

/** Output formats of the gate report. */
export type GateFormat = "text" | "json" | "markdown";

function ns(v: number | null): string {
  if (v === null) return "-";
  if (v >= 1e9) return `${(v / 1e9).toFixed(3)}s`;
  if (v >= 1e6) return `${(v / 1e6).toFixed(3)}ms`;
  if (v >= 1e3) return `${(v / 1e3).toFixed(3)}us`;
  return `${v.toFixed(1)}ns`;
}

function pct(v: number | null, signed = true): string {
  if (v === null) return "-";
  if (!Number.isFinite(v)) return v > 0 ? "+inf" : "-inf";
  if (Math.abs(v) < 0.005) v = 0; // no "-0.00%"
  return `${signed && v >= 0 ? "+" : ""}${v.toFixed(2)}%`;
}

function pv(v: number | null): string {
  if (v === null) return "-";
  return v < 1e-4 ? v.toExponential(1) : v.toPrecision(2);
}

function row(d: KernelDecision): string[] {
  return [
    d.verdict,
    d.kernel,
    d.shape || "-",
    `${d.nBaseline}/${d.nCandidate}`,
    ns(d.baselineMedianNs),
    ns(d.candidateMedianNs),
    pct(d.shiftPct),
    d.ciLowPct === null ? "-" : `${pct(d.ciLowPct)}..${pct(d.ciHighPct)}`,
    pct(d.thresholdPct, false),
    pv(d.p),
    pv(d.pAdjusted),
    d.reason,
  ];
}

const HEADERS = [
  "VERDICT",
  "KERNEL",
  "SHAPE",
  "N(B/C)",
  "BASE",
  "CAND",
  "SHIFT",
  "CI",
  "THRESH",
  "P",
  "P(HOLM)",
  "REASON",
];

function summary(r: GateResult): string {
  const o = r.options;
  return (
    `kernel gate: ${r.verdict} — ${r.counts.FAIL} FAIL, ${r.counts.INCONCLUSIVE} INCONCLUSIVE, ${r.counts.PASS} PASS ` +
    `(α=${o.alpha} family-wise, threshold max(${o.minEffectPct}%, ${o.cvMultiplier}×CV), ` +
    `${Math.round(o.confidence * 100)}% CI, ≥${o.minRepetitions} repetitions)`
  );
}

/** Failing kernels first, then inconclusive, then passing; input order within each. */
function ordered(r: GateResult): KernelDecision[] {
  const rank = { FAIL: 0, INCONCLUSIVE: 1, PASS: 2 } as const;
  return r.kernels
    .map((d, i) => ({ d, i }))
    .sort((a, b) => rank[a.d.verdict] - rank[b.d.verdict] || a.i - b.i)
    .map((x) => x.d);
}

/** Renders a gate result: a per-kernel table (text or Markdown) or the result itself as JSON. */
export function formatGateResult(r: GateResult, format: GateFormat): string {
  // JSON has no infinities: an unbounded interval end (too few samples) becomes null.
  if (format === "json") return `${JSON.stringify(r, null, 2)}\n`;
  const rows = ordered(r).map(row);
  if (format === "markdown") {
    const esc = (s: string) => s.replace(/\|/g, "\\|");
    return [
      `**${summary(r)}**`,
      "",
      `| ${HEADERS.join(" | ")} |`,
      `|${HEADERS.map(() => "---").join("|")}|`,
      ...rows.map((cells) => `| ${cells.map(esc).join(" | ")} |`),
      "",
    ].join("\n");
  }
  const widths = HEADERS.map((h, c) => Math.max(h.length, ...rows.map((cells) => cells[c]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((s, c) => (c === cells.length - 1 ? s : s.padEnd(widths[c]!)))
      .join("  ")
      .trimEnd();
  return [line(HEADERS), ...rows.map(line), "", summary(r), ""].join("\n");
}
