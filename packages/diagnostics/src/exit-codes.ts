/** Process exit codes of the `sovereign` CLI (public contract, see docs/design.md). */
export const ExitCode = {
  /** Everything passed. */
  Ok: 0,
  /** Findings, a failed verification or a failed gate. */
  Findings: 1,
  /** Bad input or usage: nothing was written. */
  BadInput: 2,
  /** The kernel gate could not decide; a rollout must not proceed on it. */
  Inconclusive: 3,
  /** A bug in the kit (an error that is not one of the kit's own): please report it. */
  Internal: 70,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
