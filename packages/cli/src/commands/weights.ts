import { statSync } from "node:fs";
import { join } from "node:path";
import { buildWeightsManifest, WEIGHTS_MANIFEST_FILE } from "@sovereign/bundle";
import { ExitCode, UsageError, writeFileAtomic } from "@sovereign/diagnostics";
import { type Command, formatOf, parseCommandArgs } from "../context.js";

const USAGE = "sovereign weights manifest <dir> [--write] [--format text|json]";

export const weightsCommand: Command = {
  name: "weights",
  summary: "weights manifest: sha256 and size of every file of a model directory, the digest the profile pins",
  usage: USAGE,
  async run(ctx, argv) {
    const { values, positionals } = parseCommandArgs(
      "weights",
      argv,
      { format: { type: "string", default: "text" }, write: { type: "boolean", default: false } },
      true,
    );
    const format = formatOf(values.format);
    const [sub, dirArg, ...extra] = positionals;
    if (sub !== "manifest" || !dirArg || extra.length > 0) throw new UsageError(`usage: ${USAGE}`, "e.g. sovereign weights manifest ./r1-distill-qwen-14b --write");
    const dir = new URL(dirArg, `file://${ctx.cwd}/`).pathname;
    let isDir = false;
    try {
      isDir = statSync(dir).isDirectory();
    } catch {
      isDir = false;
    }
    if (!isDir) throw new UsageError(`${dirArg} is not a directory`, "pass the model directory (config.json, tokenizer, *.safetensors)");
    const manifest = await buildWeightsManifest(dir);
    // Written atomically next to the files: the fetch script and `bundle pack` look for it there.
    if (values.write) writeFileAtomic(join(dir, WEIGHTS_MANIFEST_FILE), manifest.text);
    if (format === "json") {
      const total = manifest.files.reduce((n, f) => n + f.size, 0);
      ctx.stdout(`${JSON.stringify({ sha256: manifest.sha256, sizeBytes: total, files: manifest.files }, null, 2)}\n`);
    } else {
      ctx.stdout(manifest.text);
      ctx.stderr(`weights manifest sha256 ${manifest.sha256} (pin it as weights.sha256 in the profile)\n`);
    }
    return ExitCode.Ok;
  },
};
