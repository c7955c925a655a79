import type { Command } from "../context.js";

/**
 * A subcommand as the help screen lists it. The implementation is imported only when the command
 * runs: the heavy packages (cdktf, CEL, the bundle writer) would otherwise cost every invocation
 * half a second of start-up. `summary` must equal the loaded command's own (a test checks).
 */
export interface CommandEntry {
  name: string;
  summary: string;
  load(): Promise<Command>;
}

/** Every subcommand, in help order. */
export const commands: CommandEntry[] = [
  {
    name: "validate",
    summary: "check a country profile and its capacity plan; --format json prints the normalized profile",
    load: async () => (await import("./validate.js")).validateCommand,
  },
  {
    name: "plan",
    summary: "capacity plan: weights, KV cache and concurrent sequences per GPU for every served model",
    load: async () => (await import("./plan.js")).planCommand,
  },
  {
    name: "weights",
    summary: "weights manifest: sha256 and size of every file of a model directory, the digest the profile pins",
    load: async () => (await import("./weights.js")).weightsCommand,
  },
  {
    name: "init",
    summary: "write a new country profile that validates and marks what to change",
    load: async () => (await import("./init.js")).initCommand,
  },
  {
    name: "synth",
    summary: "synthesize a country's stacks into cdktf.out/ and check them against its residency policies",
    load: async () => (await import("./synth.js")).synthCommand,
  },
  {
    name: "preflight",
    summary: "deploy-readiness check of an existing synth output against the profile's cluster model",
    load: async () => (await import("./preflight.js")).preflightCommand,
  },
  {
    name: "policy",
    summary:
      "residency policies: check objects, run pack fixtures, export admission policies, write the officers' report",
    load: async () => (await import("./policy.js")).policyCommand,
  },
  {
    name: "bundle",
    summary:
      "pack, verify, inspect and extract the signed offline operations bundle; keygen for its signing key",
    load: async () => (await import("./bundle.js")).bundleCommand,
  },
  {
    name: "train",
    summary: "plan or submit a training recipe on the country's training pool (queued, ledger-checked)",
    load: async () => (await import("./train.js")).trainCommand,
  },
  {
    name: "gate",
    summary:
      "kernel-benchmark gate: is the candidate slower than the baseline? exit 0 PASS, 1 FAIL, 3 INCONCLUSIVE",
    load: async () => (await import("./gate.js")).gateCommand,
  },
  {
    name: "doctor",
    summary: "report which tools are present and what each missing one blocks",
    load: async () => (await import("./doctor.js")).doctorCommand,
  },
];
