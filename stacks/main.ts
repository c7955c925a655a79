/**
 * cdktf app entry for users with cdktf-cli (`cdktf synth`, `cdktf deploy <cc>-<stack>`).
 * SOVEREIGN_PROFILE=<file> or SOVEREIGN_COUNTRY=<cc> picks one country; otherwise every shipped
 * country is synthesized, then checked by the residency packs. `sovereign synth` does the same
 * in-process without cdktf-cli.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { countriesDir, loadProfileFile, shippedProfilePath } from "@sovereign/profile";
import { findingText, ResidencyFailure } from "@sovereign/policy";
import { createApp } from "./app.js";
import { checkResidency } from "./residency.js";

function profilePaths(env: NodeJS.ProcessEnv): string[] {
  if (env.SOVEREIGN_PROFILE) return [env.SOVEREIGN_PROFILE];
  if (env.SOVEREIGN_COUNTRY) return [shippedProfilePath(env.SOVEREIGN_COUNTRY)];
  return readdirSync(countriesDir())
    .filter((f) => /^[a-z]{2}\.yaml$/.test(f))
    .sort()
    .map((f) => join(countriesDir(), f));
}

// cdktf-cli tells the app where to write through CDKTF_OUTDIR.
const profiles = profilePaths(process.env).map(loadProfileFile);
const outdir = process.env.CDKTF_OUTDIR ?? "cdktf.out";
createApp(profiles, outdir).synth();

// The same residency check as `sovereign synth`: cdktf-cli owns the output directory, so a
// blocking finding cannot keep it from being written, but it fails the synth (exit 1) and names
// every finding before anything is deployed.
try {
  await checkResidency(outdir, profiles);
} catch (e) {
  if (!(e instanceof ResidencyFailure)) throw e;
  process.stderr.write(`${e.findings.map(findingText).join("\n")}\nresidency policies refused this synth; do not deploy ${outdir}\n`);
  process.exitCode = 1;
}
