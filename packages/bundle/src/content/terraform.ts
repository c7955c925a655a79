import type { CountryProfile } from "@sovereign/profile";

/** A Terraform provider the stacks require. */
export interface ProviderRequirement {
  name: string;
  source: string;
  version: string;
  stacks: string[];
}

/** Reads `terraform.required_providers` from every synthesized stack (cdk.tf.json). */
export function collectProviders(stacks: readonly { stack: string; json: unknown }[]): ProviderRequirement[] {
  const out = new Map<string, ProviderRequirement>();
  for (const s of stacks) {
    const req = (
      s.json as { terraform?: { required_providers?: Record<string, { source?: string; version?: string }> } }
    )?.terraform?.required_providers;
    for (const [name, spec] of Object.entries(req ?? {})) {
      // Terraform reads a bare source ("helm") as hashicorp/<name>; the mirror needs the full address.
      const raw = spec.source ?? name;
      const source = raw.includes("/") ? raw : `hashicorp/${raw}`;
      const version = spec.version ?? "(unpinned)";
      const key = `${source}@${version}`;
      const cur = out.get(key) ?? { name, source, version, stacks: [] };
      if (!cur.stacks.includes(s.stack)) cur.stacks.push(s.stack);
      cur.stacks.sort();
      out.set(key, cur);
    }
  }
  return [...out.values()].sort((a, b) => (a.source < b.source ? -1 : a.source > b.source ? 1 : 0));
}

/** Mirror instructions for air-gapped sites, naming the exact providers and versions. */
export function mirrorInstructions(p: CountryProfile, providers: readonly ProviderRequirement[]): string {
  const list = providers.length
    ? providers.map((x) => `| ${x.source} | ${x.version} | ${x.stacks.join(", ")} |`).join("\n")
    : "| (no providers found in the synthesized stacks) | | |";
  const required = providers
    .map((x) => `    ${x.name} = { source = "${x.source}", version = "${x.version}" }`)
    .join("\n");
  return `# Terraform providers for ${p.spec.displayName}

The stacks need exactly these providers. Air-gapped sites install them from a filesystem mirror;
no operator workstation may reach registry.terraform.io.

| Provider | Version constraint | Stacks |
|---|---|---|
${list}

## 1. On a connected staging machine

\`\`\`sh
mkdir mirror-src && cd mirror-src
cat > versions.tf <<'TF'
terraform {
  required_providers {
${required}
  }
}
TF
terraform providers mirror -platform=linux_amd64 -platform=linux_arm64 ../terraform-mirror
terraform providers lock -fs-mirror=../terraform-mirror -platform=linux_amd64 -platform=linux_arm64
\`\`\`

Keep the resulting \`.terraform.lock.hcl\`: its \`h1:\` hashes pin the provider packages. Carry
\`terraform-mirror/\` and the lock file into the site on the same approved media as this bundle, and
record their sha256 next to the bundle's.

## 2. On each operator workstation in ${p.metadata.name.toUpperCase()}

\`\`\`hcl
# ~/.terraformrc
provider_installation {
  filesystem_mirror {
    path    = "/opt/sovereign/terraform-mirror"
    include = ["registry.terraform.io/*/*"]
  }
  direct {
    exclude = ["registry.terraform.io/*/*"]
  }
}
\`\`\`

Copy the lock file into each stack directory under \`synth/stacks/\`, then \`terraform init\` uses
only the mirror and fails if a package hash differs from the lock.

The lock hashes are not in this bundle: computing them needs the provider packages, which the
packing machine does not download. \`providers.json\` pins the versions the stacks were built against.
`;
}
