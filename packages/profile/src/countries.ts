/**
 * Which synthesized stacks belong to which country: every stack of a country is named
 * `<cc>-<part>` (`th-platform`, `th-gpu`, …), so one fleet tree splits by name prefix.
 */

/** Whether the stack named `stack` belongs to the country with code `cc`. */
export function isCountryStack(stack: string, cc: string): boolean {
  return stack.startsWith(`${cc}-`);
}

/**
 * `run` once per profile, given the test for that country's own stacks; the results by country
 * code, in profile order. The one per-country split of a check over a fleet tree.
 */
export function perCountry<P extends { metadata: { name: string } }, T>(
  profiles: readonly P[],
  run: (profile: P, mine: (stack: string) => boolean) => T,
): Map<string, T> {
  const out = new Map<string, T>();
  for (const profile of profiles) {
    const cc = profile.metadata.name;
    out.set(cc, run(profile, (stack) => isCountryStack(stack, cc)));
  }
  return out;
}
