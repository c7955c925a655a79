// The lines `npm run bench` prints around its table: when it ran and under what load, at the start
// and at the end, because on a shared machine a wall time means little without them.
import { cpus, loadavg, totalmem } from "node:os";
import type { BenchRow } from "./types.js";

/** A point in the run: the time (UTC, ISO 8601) and the 1, 5 and 15-minute load averages. */
export interface RunStamp {
  date: string;
  load: [number, number, number];
}

export function stampNow(): RunStamp {
  const [a, b, c] = loadavg();
  return { date: new Date().toISOString(), load: [a!, b!, c!] };
}

/** The load above which a wall-time target set for an idle machine cannot be judged. */
export const IDLE_LOAD = 1.0;

export function stampLine(label: string, s: RunStamp): string {
  return `${label}: ${s.date}, load average ${s.load.map((x) => x.toFixed(2)).join(" / ")} (1 / 5 / 15 min)`;
}

/** The header: machine, start and end stamps, and whether the run was idle enough for idle targets. */
export function runHeader(start: RunStamp, end: RunStamp): string[] {
  const cpu = cpus()[0]?.model ?? "unknown CPU";
  const busiest = Math.max(start.load[0], end.load[0]);
  return [
    `machine: ${cpus().length} x ${cpu}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}`,
    stampLine("start", start),
    stampLine("end  ", end),
    busiest > IDLE_LOAD
      ? `NOT IDLE: 1-minute load reached ${busiest.toFixed(2)} (> ${IDLE_LOAD}); wall-time targets set for an idle machine are not settled by this run (see the CPU rows)`
      : `idle: 1-minute load <= ${IDLE_LOAD} at start and end`,
  ];
}

/** The target and met cells of a row: every row states one, "none" for rows that only report. */
export function targetCells(r: BenchRow): [string, string] {
  if (r.target === undefined) return ["none (reported only)", "-"];
  return [r.target, r.ok === undefined ? "?" : r.ok ? "yes" : "NO"];
}
