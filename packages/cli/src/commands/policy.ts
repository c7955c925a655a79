import { KitError } from "@sovereign/diagnostics";
import type { Command } from "../context.js";

export const policyCommand: Command = {
  name: "policy",
  summary: "(not available yet)",
  usage: "sovereign policy",
  async run() {
    throw new KitError("sovereign policy is not available in this build", 2);
  },
};
