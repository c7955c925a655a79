import type { Command } from "../context.js";
import { bundleCommand } from "./bundle.js";
import { doctorCommand } from "./doctor.js";
import { gateCommand } from "./gate.js";
import { initCommand } from "./init.js";
import { policyCommand } from "./policy.js";
import { synthCommand } from "./synth.js";
import { validateCommand } from "./validate.js";

/** Every subcommand, in help order. */
export const commands: Command[] = [
  validateCommand,
  initCommand,
  synthCommand,
  policyCommand,
  bundleCommand,
  gateCommand,
  doctorCommand,
];
