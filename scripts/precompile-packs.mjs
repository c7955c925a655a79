// Build step (`npm run build`, and `prepare` on `npm ci`): checks every shipped policy pack and
// stores it precompiled (CEL syntax trees keyed by the YAML's sha256) so that a synth does not
// parse YAML or CEL. An invalid pack fails the build with its located errors.
import { formatIssuesText, InputError } from "@sovereign/diagnostics";
import { availablePacks, loadPacks } from "@sovereign/policy";

try {
  const packs = loadPacks(availablePacks());
  process.stdout.write(`precompiled ${packs.length} policy packs\n`);
} catch (e) {
  if (!(e instanceof InputError)) throw e;
  process.stderr.write(`${formatIssuesText(e.issues)}\n`);
  process.exitCode = 2;
}
