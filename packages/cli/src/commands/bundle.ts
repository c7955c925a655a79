import { KitError } from "@sovereign/diagnostics";
import type { Command } from "../context.js";

export const bundleCommand: Command = {
  name: "bundle",
  summary: "(not available yet)",
  usage: "sovereign bundle",
  async run() {
    throw new KitError("sovereign bundle is not available in this build", 2);
  },
};
