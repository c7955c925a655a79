/** One line of the benchmark table printed by `npm run bench`. */
export interface BenchRow {
  benchmark: string;
  metric: string;
  value: number;
  unit: string;
  /** Human-readable target, e.g. "<= 1.5 s". */
  target?: string;
  /** Whether the target was met; undefined when there is no target. */
  ok?: boolean;
}

/** A benchmark module: `scripts/bench/<topic>.ts` exporting `run`. */
export interface BenchModule {
  run(): Promise<BenchRow[]>;
}
