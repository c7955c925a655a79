/**
 * cdktf app entry for users with cdktf-cli (`cdktf synth`, `cdktf deploy <cc>-<stack>`).
 * SOVEREIGN_PROFILE=<file> or SOVEREIGN_COUNTRY=<cc> picks one country; otherwise every shipped
 * country is synthesized. `sovereign synth` does the same in-process without cdktf-cli.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { countriesDir, loadProfileFile, shippedProfilePath } from "@sovereign/profile";
import { createApp } from "./app.js";

function profilePaths(env: NodeJS.ProcessEnv): string[] {
  if (env.SOVEREIGN_PROFILE) return [env.SOVEREIGN_PROFILE];
  if (env.SOVEREIGN_COUNTRY) return [shippedProfilePath(env.SOVEREIGN_COUNTRY)];
  return readdirSync(countriesDir())
    .filter((f) => /^[a-z]{2}\.yaml$/.test(f))
    .sort()
    .map((f) => join(countriesDir(), f));
}

// cdktf-cli tells the app where to write through CDKTF_OUTDIR.
const app = createApp(
  profilePaths(process.env).map(loadProfileFile),
  process.env.CDKTF_OUTDIR ?? "cdktf.out",
);
app.synth();
