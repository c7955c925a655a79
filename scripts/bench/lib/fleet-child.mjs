// Child of the synth benchmark: synthesizes every profile in argv[2] (a folder of <cc>.yaml) in this
// one process through the built CLI's path (the same synthesizeChecked as `sovereign synth --all`:
// cdktf synth in worker threads (the default for this many countries), portability check, helm
// rendering of local charts, every profile's residency packs, the deploy-readiness check), and
// prints what it did as one JSON line. It loads the kit as the bin does: the one-file bundle when
// it is current (its worker threads then start from the bundle too), else the compiled dist/.
// SYNTH_WORKERS overrides the number of threads (1: none), to compare.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";

const [dir, out] = process.argv.slice(2);
const started = performance.now();
const bin = new URL("../../../packages/cli/bin/", import.meta.url);
const { bundleIsCurrent, loadBundle, useBundleForSynthWorkers } = await import(new URL("load-bundle.js", bin).href);
const dist = new URL("../dist/", bin);
// As the bin runs: the one-file bundle with its code cache (worker threads started from it), else
// the compiled entry; either way the same `entries.fleet` of main.ts.
const bundled = bundleIsCurrent(dist);
const { entries } = bundled ? loadBundle(new URL("sovereign.cjs", dist)).exports : await import(new URL("main.js", dist).href);
if (bundled) useBundleForSynthWorkers();
const { synthesizeChecked, loadProfileFile, defaultSynthWorkers } = await entries.fleet();
const loaded = performance.now();
const profiles = readdirSync(dir)
  .filter((f) => f.endsWith(".yaml"))
  .sort()
  .map((f) => loadProfileFile(join(dir, f)));
const workers = Number(process.env.SYNTH_WORKERS ?? defaultSynthWorkers(profiles.length));
const { result, checked } = await synthesizeChecked(profiles, out, { workers });
const done = performance.now();
process.stdout.write(
  `${JSON.stringify({
    countries: profiles.length,
    workers,
    stacks: result.stacks.length,
    objects: checked.objects.length,
    helmObjects: checked.objects.filter((o) => o.source === "helm").length,
    findings: checked.findings.length,
    errors: checked.findings.filter((f) => f.severity === "error").length,
    importS: (loaded - started) / 1000,
    synthS: (done - loaded) / 1000,
  })}\n`,
);
