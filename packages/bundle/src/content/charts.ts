import { execFileSync } from "node:child_process";
import {
  chmodSync,
  cpSync,
  existsSync,
  readdirSync,
  readFileSync,
  utimesSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { shortRunEnv } from "@sovereign/tools";
import { ExitCode, KitError, makeTempDir } from "@sovereign/diagnostics";
import { listFiles } from "../items.js";
import { parse } from "yaml";

/** A chart packaged by helm, ready to store as an OCI layer. */
export interface PackagedChart {
  name: string;
  version: string;
  file: string;
  data: Buffer;
}

function walk(dir: string, visit: (p: string, isDir: boolean) => void): void {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    visit(p, e.isDirectory());
    if (e.isDirectory()) walk(p, visit);
  }
}

/**
 * Packages every chart under `chartsDir` with the real helm. helm 4 writes each file's mtime into
 * the archive, and a git checkout sets mtimes to checkout time; so the chart is copied to a
 * staging directory whose mtimes and modes are normalised first. With that, `helm package` is
 * byte-stable (checked in the tests by packaging twice).
 */
export function packageCharts(chartsDir: string, helm: string, mtime: number): PackagedChart[] {
  if (!existsSync(chartsDir)) return [];
  const names = readdirSync(chartsDir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(join(chartsDir, e.name, "Chart.yaml")))
    .map((e) => e.name)
    .sort();
  const out: PackagedChart[] = [];
  for (const name of names) {
    // Guarded: removed even when the run is killed while helm packages the chart.
    const tmp = makeTempDir(tmpdir(), "chart");
    const stage = tmp.path;
    try {
      const src = join(stage, name);
      // Regular files only: a link or FIFO in a chart is refused before anything is copied.
      listFiles(join(chartsDir, name), `chart directory ${join(chartsDir, name)}`);
      cpSync(join(chartsDir, name), src, { recursive: true, dereference: false });
      const fix = (p: string, isDir: boolean) => {
        chmodSync(p, isDir ? 0o755 : 0o644);
        utimesSync(p, mtime, mtime);
      };
      walk(src, fix);
      fix(src, true);
      const dest = join(stage, "out");
      try {
        execFileSync(helm, ["package", src, "--destination", dest], { stdio: ["ignore", "pipe", "pipe"], env: shortRunEnv() });
      } catch (e) {
        const err = e as { stderr?: Buffer };
        throw new KitError(
          `helm package charts/${name} failed: ${err.stderr?.toString().trim() ?? String(e)}`,
          ExitCode.Findings,
          { code: "chart.package_failed", file: `charts/${name}`, hint: `run \`helm lint charts/${name}\` and fix what it reports` },
        );
      }
      const files = readdirSync(dest);
      if (files.length !== 1)
        throw new KitError(`helm package charts/${name} produced ${files.length} files`, ExitCode.Internal, {
          code: "chart.package_output",
          hint: "helm package writes one archive per chart; please report this with your helm version",
        });
      const file = files[0]!;
      const meta = parse(readFileSync(join(src, "Chart.yaml"), "utf8")) as {
        name?: string;
        version?: string;
      };
      out.push({
        name: meta.name ?? name,
        version: String(meta.version ?? ""),
        file,
        data: readFileSync(join(dest, file)),
      });
    } finally {
      tmp.remove();
    }
  }
  return out;
}
