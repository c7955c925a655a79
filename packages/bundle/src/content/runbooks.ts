import type { CountryProfile } from "@sovereign/profile";
import type { TrainingRecipe } from "../recipe/schema.js";

/**
 * Operations runbooks generated from the profile, so every command names this country's stacks,
 * registry, sites and keys rather than placeholders an operator must fill in under pressure.
 */

export interface RunbookContext {
  profile: CountryProfile;
  recipe?: TrainingRecipe;
  /** Bundle file name operators received, e.g. `th-operations.tar.zst`. */
  bundleName: string;
}

const STACK_ORDER = ["platform", "storage", "gpu", "serving"] as const;

function stacks(cc: string): string[] {
  return STACK_ORDER.map((s) => `${cc}-${s}`);
}

function header(p: CountryProfile, title: string): string {
  return `# ${title}: ${p.spec.displayName} (${p.metadata.name})\n\nGenerated from the country profile by \`sovereign bundle pack\`; regenerate rather than edit.\n`;
}

function siteTable(p: CountryProfile): string {
  const rows = p.spec.sites.map(
    (s) =>
      `| ${s.name} | ${s.region} | ${s.zones.join(", ")} | ${p.spec.gpuPools
        .filter((g) => g.site === s.name)
        .map((g) => `${g.name} (${g.nodes}×${g.gpusPerNode} ${g.gpu}, ${g.purpose})`)
        .join("<br>")} |`,
  );
  return ["| Site | Region | Zones | GPU pools |", "|---|---|---|---|", ...rows].join("\n");
}

function install(c: RunbookContext): string {
  const p = c.profile;
  const cc = p.metadata.name;
  const reg = p.spec.registry;
  return `${header(p, "Install")}
## Sites

${siteTable(p)}

## 1. Verify and extract the bundle (offline)

\`\`\`sh
sovereign bundle extract ${c.bundleName}.tar.zst --key bundle.pub --out ${c.bundleName}
cd ${c.bundleName}
\`\`\`

\`extract\` verifies every byte against the signed manifest first and writes nothing if any file
fails: the message names it. Never install from an unverified bundle. Charts are unpacked under
\`charts/\` so the stacks' relative chart paths resolve.

## 2. Mirror images into ${reg}

Every image is listed by digest in \`images/images.txt\`. Copy each into the in-country registry,
keeping the digest (for example \`skopeo copy --all docker-archive:... docker://${reg}/...\`), then check:

\`\`\`sh
while read -r ref; do skopeo inspect --raw "docker://$ref" >/dev/null || echo "MISSING $ref"; done < images/images.txt
\`\`\`

## 3. Terraform providers

Follow \`terraform/MIRROR.md\` to place the providers in the filesystem mirror of each operator
workstation. The stacks must never reach a public registry.

## 4. Deploy the stacks, in order

${stacks(cc)
  .map(
    (s, i) =>
      `${i + 1}. \`${s}\`${i === 0 ? " (namespaces, RBAC, network policy, residency admission policies)" : ""}`,
  )
  .join("\n")}

\`\`\`sh
cd synth
${stacks(cc)
  .map((s) => `(cd stacks/${s} && terraform init -input=false && terraform apply -input=false)`)
  .join("\n")}
\`\`\`

Terraform state stays in-country (${p.spec.stateBackend.type} backend).

## 5. Check

- \`kubectl get validatingadmissionpolicies\` lists the residency policies of ${p.spec.policies.join(", ")}.
- Each model's kernel gate Job succeeded before its Deployment rolled out:
${p.spec.serving.models.map((m) => `  - \`${m.name}\` on pool \`${m.pool}\``).join("\n") || "  - (no models in this profile)"}
- Grafana shows the dashboards in \`observability/dashboards/\`; Prometheus loaded \`observability/alerts/\`.
`;
}

function upgrade(c: RunbookContext): string {
  const p = c.profile;
  const cc = p.metadata.name;
  return `${header(p, "Upgrade")}
1. Verify the new bundle: \`sovereign bundle verify <new bundle> --key bundle.pub\`.
2. Diff its image list against the running one and mirror only new digests into ${p.spec.registry}.
3. Plan every stack and read the plan; a change to storage classes or data-class volumes needs a
   data-protection review because those volumes hold ${Object.keys(p.spec.storage.dataClasses).join(", ")}.
4. Apply in order: ${stacks(cc)
    .map((s) => `\`${s}\``)
    .join(" → ")}.
5. Model changes roll out only after the kernel gate passes on the target pool; a FAIL or
   INCONCLUSIVE gate fails \`terraform apply\` and leaves the old version serving.
6. Keep the previous bundle until the upgrade has run a full business cycle: it is the rollback.
`;
}

function rollback(c: RunbookContext): string {
  const p = c.profile;
  const cc = p.metadata.name;
  return `${header(p, "Rollback")}
Rollback means applying the previous verified bundle, never editing live objects.

1. \`sovereign bundle verify <previous bundle> --key bundle.pub\`.
2. Apply its stacks in reverse dependency order for serving changes: \`${cc}-serving\` first; only roll
   back \`${cc}-gpu\`, \`${cc}-storage\` or \`${cc}-platform\` when the incident is in that layer.
3. Volumes with \`reclaimPolicy: Retain\` keep model weights, training data and checkpoints through
   the rollback; do not delete PersistentVolumes to "clean up".
4. Models: the previous weights digest is pinned in the previous profile; the loader refuses
   weights whose sha256 differs, so a rollback cannot load the wrong file.
5. Record the rollback in the incident log (see incident.md).
`;
}

function incident(c: RunbookContext): string {
  const p = c.profile;
  const s = p.spec;
  const t = s.telemetry;
  return `${header(p, "Incident response")}
## Triage

| Symptom | First look |
|---|---|
| GPU XID errors, ECC errors, GPU fell off the bus | \`observability/dashboards/gpu.json\`, alert \`GpuXidErrors\`/\`GpuDoubleBitEccErrors\`; cordon the node |
| Latency or error rate up | \`observability/dashboards/serving.json\`, alert \`ServingHighErrorRate\` |
| Admission denials | \`kubectl get events -A --field-selector reason=FailedCreate\`; a residency policy denied an object: read its message before changing anything |
| Kernel gate FAIL/INCONCLUSIVE | the gate Job log in the model's namespace; never bypass the gate |

## Residency incidents

Any suspected transfer of data outside ${s.displayName} is a legal incident under ${s.frameworks.join(", ")}:

1. Preserve evidence: export the NetworkPolicy, admission and audit logs${t?.logsEndpoint ? ` (log sink ${t.logsEndpoint})` : ""}.
2. Isolate: scale the affected model to zero (its HPA min is ${s.serving.models.map((m) => `${m.name}: ${m.replicas.min}`).join(", ") || "n/a"}).
3. Notify the data-protection officer within the time the framework requires.

## Contacts and systems

- Registry: ${s.registry}
- KMS: ${s.kms.endpoint} (key ${s.kms.keyRef})
- Sites: ${s.sites.map((x) => `${x.name} (${x.zones.join(", ")})`).join("; ")}
`;
}

function keyRotation(c: RunbookContext): string {
  const p = c.profile;
  const s = p.spec;
  return `${header(p, "Key rotation")}
## Bundle signing key

1. \`sovereign bundle keygen --out <new dir>\` on the signing workstation (offline).
2. Distribute the new \`bundle.pub\` through the same channel as the old one, signed off by the
   receiving authority; keep the old public key to verify bundles already delivered.
3. Sign the next bundle with the new key; verify fails with "signed by key …" when an operator still
   holds the old public key, which names both key ids.
4. Destroy the old private key once every site confirmed the new public key.

## Storage encryption key (${s.kms.keyRef})

1. Create a new key version in ${s.kms.endpoint}.
2. Storage classes ${s.storage.classes.map((x) => `\`${x.name}\``).join(", ")} encrypt new volumes with the
   current version; re-encrypt existing volumes per the CSI driver's procedure, one site at a time
   (${s.sites.map((x) => x.name).join(", ")}).
3. Disable, then after the retention period destroy, the old version.
${c.recipe ? `\n## Training checkpoints\n\nCheckpoints of \`${c.recipe.metadata.name}\` at ${c.recipe.spec.checkpointing.uri} are encrypted with the same KMS key; rotate before the next training run starts.\n` : ""}`;
}

/** Runbooks by file name (under `runbooks/`). */
export function runbooks(c: RunbookContext): Record<string, string> {
  return {
    "install.md": install(c),
    "upgrade.md": upgrade(c),
    "rollback.md": rollback(c),
    "incident.md": incident(c),
    "key-rotation.md": keyRotation(c),
  };
}
