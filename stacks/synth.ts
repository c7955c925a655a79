import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { ExitCode, KitError, type OutputOptions, repoRoot, writeTreeAtomic } from "@sovereign/diagnostics";
import type { CountryProfile } from "@sovereign/profile";
import { type Customize, createApp, STACK_KINDS } from "./app.js";
import { checkResidency, type ResidencyCheck } from "./residency.js";

/** One synthesized stack. */
export interface SynthStack {
  /** Stack name, `<cc>-<kind>`. */
  name: string;
  /** Path of its `cdk.tf.json`, relative to the output directory. */
  file: string;
  /** Stacks it depends on (deployed first). */
  dependencies: string[];
  /** Terraform resources in the stack. */
  resources: number;
}

/** What a synth wrote. */
export interface SynthResult {
  /** The output directory as given. */
  outdir: string;
  /** Stacks in deployment order per country. */
  stacks: SynthStack[];
  /** What the residency packs found in the output (absent only when `residencyCheck` is false). */
  residency?: ResidencyCheck;
}

/** Options of {@link synthesizeCountries}. */
export interface SynthOptions {
  /**
   * Adds the integrator's own constructs to each country's stacks before synthesis.
   * @default none — the kit's stacks as they are.
   */
  customize?: Customize;
  /**
   * Run each profile's residency packs over the finished tree (the kit's stacks and every
   * customization) and refuse it, writing nothing, on any error finding (ResidencyFailure).
   * @default true — output nobody checked must not exist; only callers that evaluate the tree
   * themselves and report instead of refusing (`sovereign policy check/report`) pass false.
   */
  residencyCheck?: boolean;
  /**
   * Runs on the finished tree, after the residency check, before it is moved into place;
   * throwing leaves the output directory as it was.
   */
  check?: (tmpDir: string, result: SynthResult) => Promise<void> | void;
  /**
   * How the output directory may be replaced (inputs it must never touch, `--force`).
   * @default the safe default of writeTreeAtomic: only a directory the kit wrote is replaced
   */
  output?: OutputOptions;
}

function walk(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const p = join(dir, name);
      return statSync(p).isDirectory() ? walk(p) : [p];
    });
}

/**
 * Guards the promise that a synth is reproducible anywhere: no file may mention the directory it
 * was written to or the repository checkout.
 */
function assertPortable(tmp: string): void {
  const needles = [tmp, repoRoot()];
  for (const file of walk(tmp)) {
    const text = readFileSync(file, "utf8");
    const hit = needles.find((n) => text.includes(n));
    if (hit) {
      // Reachable from input (e.g. a local state path inside the checkout), so it is a KitError
      // (exit 2) with a fix rather than an internal error.
      throw new KitError(
        `synthesized ${relative(tmp, file)} contains the absolute path ${hit}; synth output must be portable`,
        ExitCode.BadInput,
        {
          code: "synth.not_portable",
          hint: "give paths in the profile (e.g. spec.stateBackend.path) relative to the stack directory or outside this checkout",
        },
      );
    }
  }
}

function summarize(dir: string): SynthStack[] {
  const manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")) as {
    stacks: Record<string, { synthesizedStackPath: string; dependencies: string[] }>;
  };
  const order = (name: string) =>
    STACK_KINDS.indexOf(name.slice(name.indexOf("-") + 1) as (typeof STACK_KINDS)[number]);
  return Object.entries(manifest.stacks)
    .sort(([a], [b]) => a.slice(0, 2).localeCompare(b.slice(0, 2)) || order(a) - order(b))
    .map(([name, s]) => {
      const json = JSON.parse(readFileSync(join(dir, s.synthesizedStackPath), "utf8")) as {
        resource?: Record<string, Record<string, unknown>>;
      };
      const resources = Object.values(json.resource ?? {}).reduce(
        (n, byName) => n + Object.keys(byName).length,
        0,
      );
      return { name, file: s.synthesizedStackPath, dependencies: [...s.dependencies], resources };
    });
}

/**
 * Synthesizes the stacks of several countries into one cdktf output tree (`manifest.json`,
 * `stacks/<cc>-<kind>/cdk.tf.json`). The tree is built in a temporary sibling and moved into
 * place only when synthesis (and `options.check`) succeeded.
 */
export async function synthesizeCountries(
  profiles: CountryProfile[],
  outdir: string,
  options: SynthOptions = {},
): Promise<SynthResult> {
  const codes = profiles.map((p) => p.metadata.name);
  const dup = codes.find((c, i) => codes.indexOf(c) !== i);
  if (dup) {
    throw new KitError(`country ${dup} given twice; each country synthesizes once per output tree`, ExitCode.BadInput, {
      code: "synth.duplicate_country",
      hint: `pass ${dup} once`,
    });
  }
  let result: SynthResult | undefined;
  await writeTreeAtomic(outdir, async (tmp) => {
    createApp(profiles, tmp, options.customize).synth();
    assertPortable(tmp);
    result = { outdir, stacks: summarize(tmp) };
    if (options.residencyCheck ?? true) result.residency = await checkResidency(tmp, profiles);
    await options.check?.(tmp, result);
  }, { label: "synth", ...options.output });
  return result!;
}

/** Synthesizes one country's stacks into `outdir` (see {@link synthesizeCountries}). */
export function synthesizeCountry(
  profile: CountryProfile,
  outdir: string,
  options: SynthOptions = {},
): Promise<SynthResult> {
  return synthesizeCountries([profile], outdir, options);
}
