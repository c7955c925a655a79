import { KitError } from "@sovereign/diagnostics";
import type { Command } from "../context.js";

export const gateCommand: Command = {
  name: "gate",
  summary: "(not available yet)",
  usage: "sovereign gate",
  async run() {
    throw new KitError("sovereign gate is not available in this build", 2);
  },
};
