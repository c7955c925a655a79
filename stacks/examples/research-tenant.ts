/**
 * Worked example from docs/integrator-guide.md: a country adds a research tenant to the
 * platform stack, with its own GPU quota, roles and a training-data volume on the profile's
 * resident storage class. Everything the kit guarantees (restricted pods, default-deny network policies
 * with in-country egress only, residency labels, policy checks at synth) applies to it as well.
 *
 * Run it:  node --conditions=source --import tsx stacks/examples/research-tenant.ts th out/
 */
import { DataVolume, LeastPrivilegeRole, TenantNamespace, VIEWER_RULES } from "@sovereign/constructs";
import type { CountryProfile } from "@sovereign/profile";
import {
  type CountryStacks,
  countryEgressCidrs,
  type SynthResult,
  synthesizeCountry,
} from "@sovereign/stacks";

/** Name of the example's namespace. */
export const RESEARCH_NAMESPACE = "sovereign-research";

/** Adds the research tenant to a country's stacks (pass it as `customize`). */
export function addResearchTenant({ platform, storage }: CountryStacks, profile: CountryProfile): void {
  const cc = profile.metadata.name;
  const site = profile.spec.sites[0]!;

  // 1. A tenant namespace: quota of 8 GPUs, egress only to the country's networks and DNS.
  const research = new TenantNamespace(platform, "research", {
    name: RESEARCH_NAMESPACE,
    country: cc,
    site: site.name,
    dataClass: "training-data",
    egressCidrs: countryEgressCidrs(profile),
    quota: { gpus: 8, storage: "20Ti" },
  });

  // 2. Read-only access for the university's researchers (no Secrets, no wildcards).
  new LeastPrivilegeRole(research, "viewers", {
    name: "research-viewer",
    namespace: RESEARCH_NAMESPACE,
    rules: VIEWER_RULES,
    groups: [`sovereign:${cc}:research-viewers`],
    dependsOn: [research.namespace.resource],
  });

  // 3. A volume for the research corpus on the profile's storage class of that site. Storage
  //    classes themselves come from the profile (spec.storage.classes): the residency policies
  //    refuse a class the profile does not declare, so that every class is in the officer's report.
  //    The storage stack deploys after the platform stack, so the namespace exists by then.
  const base = profile.spec.storage.classes.find((c) => c.site === site.name)!;
  new DataVolume(storage, "research-corpus", {
    dataClass: "training-data",
    namespace: RESEARCH_NAMESPACE,
    storageClass: storage.classes.get(base.name)!,
    site: site.name,
    size: "10Ti",
    claimName: "research-corpus",
  });
}

/** Synthesizes a country with the research tenant added. */
export function synthesizeWithResearch(profile: CountryProfile, outdir: string): Promise<SynthResult> {
  return synthesizeCountry(profile, outdir, { customize: addResearchTenant });
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  const { loadProfileFile, shippedProfilePath } = await import("@sovereign/profile");
  const [cc = "th", out = "cdktf.out"] = process.argv.slice(2);
  const result = await synthesizeWithResearch(loadProfileFile(shippedProfilePath(cc)), out);
  console.log(result.stacks.map((s) => `${s.name}: ${s.resources} resources`).join("\n"));
}
