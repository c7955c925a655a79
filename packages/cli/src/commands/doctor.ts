import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { delimiter, join } from "node:path";
import { ExitCode, readInputFile } from "@sovereign/diagnostics";
import { toolBinary, which } from "@sovereign/tools";
import { type ClusterGet, clusterContractChecks, providerEnvChecks } from "../cluster-contract.js";
import { type Command, formatOf, loadProfileFrom, parseCommandArgs, profileOptions } from "../context.js";

/** One thing doctor looked at. */
export interface Check {
  name: string;
  ok: boolean;
  /** What was found (version, path) or what is missing. */
  detail: string;
  /** What a missing item blocks; empty when nothing. */
  blocks: string;
  /** Required for `sovereign synth` (the main job): a missing one makes doctor exit 1. */
  required: boolean;
}

function version(cmd: string, args: string[]): string | undefined {
  try {
    return execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"], timeout: 10_000 })
      .split("\n")[0]!
      .trim();
  } catch {
    return undefined;
  }
}

/** Looks for a Terraform CLI config that installs providers from a local or network mirror. */
function providerMirror(env: NodeJS.ProcessEnv): string | undefined {
  const files = [env.TF_CLI_CONFIG_FILE, join(homedir(), ".terraformrc")].filter((f): f is string =>
    Boolean(f),
  );
  for (const f of files) {
    if (!existsSync(f)) continue;
    const text = readInputFile(f, { what: "Terraform CLI config" }).bytes.toString("utf8");
    if (/filesystem_mirror|network_mirror/.test(text)) return `${f} (provider_installation mirror)`;
  }
  if (env.TF_PLUGIN_CACHE_DIR && existsSync(env.TF_PLUGIN_CACHE_DIR))
    return `TF_PLUGIN_CACHE_DIR=${env.TF_PLUGIN_CACHE_DIR}`;
  return undefined;
}

/** Runs every check. Pure data; rendering is separate. */
export function runChecks(env: NodeJS.ProcessEnv): Check[] {
  const checks: Check[] = [];
  const [major, minor] = process.versions.node.split(".").map(Number) as [number, number];
  const nodeOk = major > 20 || (major === 20 && minor >= 9);
  checks.push({
    name: "node",
    ok: nodeOk,
    detail: `v${process.versions.node}${nodeOk ? "" : " (need >= 20.9)"}`,
    blocks: nodeOk ? "" : "everything",
    required: true,
  });
  let helm: string | undefined;
  try {
    const bin = toolBinary("helm", env);
    helm = version(bin, ["version", "--short"]);
  } catch {
    helm = undefined;
  }
  checks.push({
    name: "helm",
    ok: Boolean(helm),
    detail: helm ?? "not found (run `npm ci`; it ships helm 4)",
    blocks: helm ? "" : "synth (rendering charts for policy checks), bundle pack",
    required: true,
  });
  const tf = which("terraform", env) && version("terraform", ["version"]);
  checks.push({
    name: "terraform",
    ok: Boolean(tf),
    detail: tf || "not found on PATH",
    blocks: tf ? "" : "cdktf deploy / terraform apply of the synthesized stacks",
    required: false,
  });
  const mirror = providerMirror(env);
  checks.push({
    name: "provider mirror",
    ok: Boolean(mirror),
    detail: mirror ?? "no filesystem_mirror/network_mirror in TF_CLI_CONFIG_FILE or ~/.terraformrc",
    blocks: mirror ? "" : "terraform init on an air-gapped site (see docs/platform-guide.md)",
    required: false,
  });
  // The providers read KUBE_CONFIG_PATH(S)/KUBE_HOST, not KUBECONFIG (cluster-contract.ts).
  checks.push(...providerEnvChecks(env));
  const cdktf = which("cdktf", env) && version("cdktf", ["--version"]);
  checks.push({
    name: "cdktf-cli",
    ok: Boolean(cdktf),
    detail: cdktf || "not installed (optional: `sovereign synth` works without it)",
    blocks: cdktf ? "" : "`cdktf deploy` (use terraform in cdktf.out/stacks/<stack> instead)",
    required: false,
  });
  const gxx = which("g++", env) && version("g++", ["--version"]);
  const gbench = existsSync("/usr/include/benchmark/benchmark.h");
  checks.push({
    name: "kernel suite (CPU)",
    ok: Boolean(gxx) && gbench,
    detail: `${gxx || "g++ missing"}; ${gbench ? "libbenchmark-dev present" : "libbenchmark-dev missing"}`,
    blocks: gxx && gbench ? "" : "building the CPU kernel suite (`npm run setup` installs it)",
    required: false,
  });
  const nvcc = which("nvcc", env) && version("nvcc", ["--version"]);
  checks.push({
    name: "nvcc",
    ok: Boolean(nvcc),
    detail: nvcc ? "present" : "not found",
    blocks: nvcc ? "" : "compiling the CUDA kernel suite outside the container build",
    required: false,
  });
  const zstd = which("zstd", env);
  checks.push({
    name: "zstd",
    ok: Boolean(zstd),
    detail: zstd ?? "not found",
    blocks: zstd ? "" : "comparing bundles with GNU tar + zstd in benchmarks",
    required: false,
  });
  return checks;
}

/** Reads cluster objects with the shipped kubectl through the kubeconfig the providers use. */
function kubectlGet(env: NodeJS.ProcessEnv): ClusterGet {
  const kubeconfig = env.KUBE_CONFIG_PATH ?? env.KUBE_CONFIG_PATHS?.split(delimiter)[0];
  const ctxArgs = env.KUBE_CTX ? ["--context", env.KUBE_CTX] : [];
  return (args) => {
    try {
      const out = execFileSync(toolBinary("kubectl", env), [...args, ...ctxArgs, ...(kubeconfig ? ["--kubeconfig", kubeconfig] : [])], {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "ignore"],
        timeout: 20_000,
      });
      return JSON.parse(out) as Record<string, unknown>;
    } catch {
      return undefined;
    }
  };
}

export const doctorCommand: Command = {
  name: "doctor",
  summary: "report which tools are present and what each missing one blocks",
  usage: "sovereign doctor [--country <cc> | --profile <file> [--cluster]] [--format text|json]",
  async run(ctx, argv) {
    const { values } = parseCommandArgs("doctor", argv, { ...profileOptions, cluster: { type: "boolean" } });
    const format = formatOf(values.format);
    const checks = runChecks(ctx.env);
    // With a profile and --cluster: what the live cluster provides of the contract the stacks need.
    if (values.cluster) checks.push(...clusterContractChecks(loadProfileFrom(values, ctx).profile, kubectlGet(ctx.env)));
    const failedRequired = checks.some((c) => c.required && !c.ok);
    if (format === "json") ctx.stdout(`${JSON.stringify({ ok: !failedRequired, checks }, null, 2)}\n`);
    else {
      const w = Math.max(...checks.map((c) => c.name.length));
      for (const c of checks) {
        ctx.stdout(
          `${c.ok ? "ok     " : c.required ? "MISSING" : "missing"}  ${c.name.padEnd(w)}  ${c.detail}\n`,
        );
        if (!c.ok) ctx.stdout(`${" ".repeat(9 + w)}  blocks: ${c.blocks}\n`);
      }
    }
    return failedRequired ? ExitCode.Findings : ExitCode.Ok;
  },
};
