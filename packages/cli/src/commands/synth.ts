import { KitError } from "@sovereign/diagnostics";
import type { Command } from "../context.js";

export const synthCommand: Command = {
  name: "synth",
  summary: "(not available yet)",
  usage: "sovereign synth",
  async run() {
    throw new KitError("sovereign synth is not available in this build", 2);
  },
};
